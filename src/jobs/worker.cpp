#include "jobs/worker.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/trace_executor.hpp"
#include "jobs/queue.hpp"
#include "jobs/sql.hpp"

namespace mc::jobs {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace detail {

// One claimed job on this worker: what the handler sees, and what the runner and the supervisor
// (heartbeat, timeout) share. Owned by both coroutines, so it outlives whichever ends first.
struct Claim {
  Claim(Core& c, const asio::any_io_executor& ex) : core(c), timer(ex) {}

  Core& core;
  int64_t id = 0;
  std::string kind;
  boost::json::object payload;
  std::string payload_error;  // the stored payload is not a JSON object
  int attempt = 0;
  int max_attempts = 0;
  std::optional<trace::SpanContext> enqueued_by;  // the trace context stored with the job
  JobContext context{*this};
  asio::steady_timer timer;          // the supervisor sleeps on it; cancelled when the handler ends
  asio::cancellation_signal cancel;  // terminal cancellation of the handler (timeout, stop)
  bool handler_done = false;
  bool runner_done = false;
  bool beating = false;    // a heartbeat statement is in flight (it holds the row lock briefly)
  bool completed = false;  // complete() returned true
  bool lease_lost = false;
  bool released = false;
  bool timed_out = false;
  bool counted = false;
};

// A Worker's state. Running jobs hold it too, so a Worker may go away before its handlers do.
struct Core {
  Core(asio::any_io_executor e, db::Cluster& c, WorkerOptions o)
      : ex(std::move(e)), cluster(c), options(std::move(o)), wake(ex) {}

  asio::any_io_executor ex;
  db::Cluster& cluster;
  WorkerOptions options;
  std::string id;
  std::string kinds;  // text[] literal of the handled kinds, built when work starts
  std::map<std::string, Worker::Handler, std::less<>> handlers;
  std::shared_ptr<WorkerStats> stats = std::make_shared<WorkerStats>();
  std::atomic<bool> stopping{false};
  bool started = false;
  bool waiting_for_slot = false;
  bool poked = false;                         // a job was enqueued here: poll again without waiting
  bool releasing = false;                     // stop(): grace period over, no more heartbeats
  asio::steady_timer wake;                    // run() sleeps on it between polls
  std::vector<asio::steady_timer*> watchers;  // woken whenever a job ends
  std::vector<std::shared_ptr<Claim>> active;
  std::mt19937_64 rng{std::random_device{}()};

  void count(Claim& claim, Outcome outcome) {
    if (claim.counted) return;
    claim.counted = true;
    stats->count(claim.kind, outcome);
  }
  void job_ended() {
    stats->running.store(static_cast<unsigned>(active.size()), std::memory_order_relaxed);
    for (auto* t : watchers) t->cancel();
    if (waiting_for_slot) wake.cancel();
  }
};

}  // namespace detail

using detail::Claim;
using detail::Core;

namespace {

struct StatsRegistry {
  std::mutex mutex;
  std::vector<std::shared_ptr<const WorkerStats>> all;
  std::vector<std::weak_ptr<Core>> cores;  // for poke_local_workers
};

StatsRegistry& stats_registry() {
  static StatsRegistry r;
  return r;
}

std::string default_worker_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown");
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + fast_random_hex(3);
}

// PostgreSQL rejects invalid UTF-8: keep at most `max` bytes of valid text, '?' for bad bytes.
std::string clean_text(std::string_view in, std::size_t max) {
  std::string out;
  out.reserve(std::min(in.size(), max));
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= in.size() && c != 0;
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (!ok) len = 1;
    if (out.size() + (ok ? len : 1) > max) break;
    if (ok) {
      out.append(in.substr(i, len));
    } else {
      out.push_back('?');
    }
    i += len;
  }
  return out;
}

int64_t ms(milliseconds d) {
  return static_cast<int64_t>(d.count());
}

milliseconds heartbeat_interval(const WorkerOptions& o) {
  return o.heartbeat.count() > 0 ? o.heartbeat : std::max(milliseconds(1), o.lease / 3);
}

// Parks the caller until some job of this worker ends, or the deadline passes.
asio::awaitable<void> wait_for_job_end(Core& c, Clock::time_point deadline) {
  asio::steady_timer t(c.ex);
  t.expires_at(deadline);
  c.watchers.push_back(&t);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  std::erase(c.watchers, &t);
}

void prepare(Core& c) {
  if (c.handlers.empty()) throw std::logic_error("job worker has no handlers");
  std::string kinds = "{";
  for (const auto& [kind, handler] : c.handlers) {
    if (kinds.size() > 1) kinds += ",";
    kinds += "\"" + kind + "\"";  // valid_name(): nothing to escape
  }
  c.kinds = kinds + "}";
}

// Keeps the lease alive while the handler runs, and cancels a handler that overruns job_timeout.
asio::awaitable<void> supervise(std::shared_ptr<Core> c, std::shared_ptr<Claim> claim) {
  const milliseconds interval = heartbeat_interval(c->options);
  const auto deadline =
      c->options.job_timeout.count() > 0 ? Clock::now() + c->options.job_timeout : Clock::time_point::max();
  // Beats start `interval` apart however long each one takes, so a slow commit does not stretch
  // the gap between renewals.
  auto next_beat = Clock::now() + interval;
  while (!claim->handler_done) {
    claim->timer.expires_at(std::min(next_beat, deadline));
    co_await claim->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (claim->handler_done || claim->released || c->releasing) co_return;
    if (Clock::now() >= deadline) {
      claim->timed_out = true;
      log::warn("job timed out; cancelling its handler",
                {{"job_id", claim->id}, {"kind", claim->kind}, {"timeout_ms", ms(c->options.job_timeout)}});
      claim->cancel.emit(asio::cancellation_type::terminal);
      co_return;
    }
    if (claim->lease_lost) continue;  // only the timeout is left to watch
    next_beat = Clock::now() + interval;
    db::Result renewed;
    bool reached = true;
    claim->beating = true;
    try {
      auto conn = co_await c->cluster.writer();
      renewed = co_await conn->exec(sql::kHeartbeat,
                                    db::params(claim->id, c->id, claim->attempt, ms(c->options.lease)));
    } catch (const std::exception& e) {
      reached = false;
      log::warn("job heartbeat failed", {{"job_id", claim->id}, {"error", e.what()}});
    }
    claim->beating = false;
    if (reached && renewed.empty() && !claim->handler_done) {
      claim->lease_lost = true;
      log::warn("job lease lost to another worker",
                {{"job_id", claim->id}, {"kind", claim->kind}, {"attempt", claim->attempt}});
      next_beat = Clock::time_point::max();  // nothing left to renew; the timeout still applies
    }
  }
}

asio::awaitable<Outcome> record_success(Core& c, Claim& claim) {
  db::Result r;
  {
    auto conn = co_await c.cluster.writer();
    r = co_await conn->exec(sql::kComplete, db::params(claim.id, c.id, claim.attempt));
  }
  if (!r.empty() || claim.completed) {
    log::debug("job succeeded", {{"job_id", claim.id}, {"kind", claim.kind}, {"attempt", claim.attempt}});
    co_return Outcome::succeeded;
  }
  log::warn("job finished after its lease was lost; the new owner decides its outcome",
            {{"job_id", claim.id}, {"kind", claim.kind}, {"attempt", claim.attempt}});
  co_return Outcome::lease_lost;
}

asio::awaitable<Outcome> record_failure(Core& c, Claim& claim, const std::string& error) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const milliseconds delay =
      retry_delay(claim.attempt, c.options.backoff_base, c.options.backoff_cap, unit(c.rng));
  db::Result r;
  {
    auto conn = co_await c.cluster.writer();
    r = co_await conn->exec(sql::kFail,
                            db::params(claim.id, c.id, claim.attempt, ms(delay), clean_text(error, 4000)));
  }
  const boost::json::object fields{{"job_id", claim.id},
                                   {"kind", claim.kind},
                                   {"attempt", claim.attempt},
                                   {"max_attempts", claim.max_attempts},
                                   {"error", error}};
  if (r.empty()) {
    if (claim.completed) {
      log::warn("job handler threw after complete(); it counts as succeeded", fields);
      co_return Outcome::succeeded;
    }
    log::warn("job failed after its lease was lost; the new owner decides its outcome", fields);
    co_return Outcome::lease_lost;
  }
  if (r.view(0, 0) == "dead") {
    log::error("job dead after its last attempt", fields);
    co_return Outcome::dead;
  }
  auto retry = fields;
  retry["retry_in_ms"] = ms(delay);
  log::warn("job failed; will retry", retry);
  co_return Outcome::failed;
}

asio::awaitable<void> run_job(std::shared_ptr<Core> c, std::shared_ptr<Claim> claim) {
  // Each attempt is a span in the trace of whatever enqueued the job (a new trace for jobs enqueued
  // without one). It is the current context of this coroutine (trace::Executor, claim_jobs) until
  // the outcome is recorded, so the handler's logs, jobs, events and calls carry it.
  trace::Span span("job " + claim->kind, trace::Kind::consumer, claim->enqueued_by);
  span.attribute("musicconnect.job.id", claim->id);
  span.attribute("musicconnect.job.kind", claim->kind);
  span.attribute("musicconnect.job.attempt", static_cast<std::int64_t>(claim->attempt));
  span.attribute("musicconnect.job.queue", c->options.queue);
  std::string error;
  bool threw = false;
  try {
    if (!claim->payload_error.empty()) throw std::runtime_error(claim->payload_error);
    const auto handler = c->handlers.find(claim->kind);
    if (handler == c->handlers.end()) throw std::runtime_error("no handler for job kind " + claim->kind);
    co_await handler->second(claim->context);
  } catch (const std::exception& e) {
    threw = true;
    error = e.what();
  } catch (...) {
    threw = true;
    error = "unknown exception";
  }
  claim->handler_done = true;
  claim->timer.cancel();
  // A cancelled handler leaves this coroutine cancelled; the outcome must still be written.
  co_await asio::this_coro::reset_cancellation_state();
  if (claim->timed_out) {
    threw = true;
    error = "timed out after " + std::to_string(ms(c->options.job_timeout)) + " ms";
  }
  if (!claim->released) {
    try {
      Outcome outcome = Outcome::succeeded;
      if (threw) {
        outcome = co_await record_failure(*c, *claim, error);
      } else {
        outcome = co_await record_success(*c, *claim);
      }
      c->count(*claim, outcome);
    } catch (const std::exception& e) {
      log::error("job outcome not recorded; the job runs again when its lease expires",
                 {{"job_id", claim->id}, {"kind", claim->kind}, {"error", e.what()}});
      c->count(*claim, Outcome::lease_lost);
    }
  }
  if (threw) span.error(error);
  claim->runner_done = true;
  std::erase(c->active, claim);
  c->job_ended();
}

// Claims up to `limit` due jobs (burying those whose worker died on their last attempt) and starts
// a runner and a supervisor for each.
asio::awaitable<std::vector<std::shared_ptr<Claim>>> claim_jobs(std::shared_ptr<Core> c, std::size_t limit) {
  std::vector<db::Statement> batch;
  batch.push_back(db::Statement{&sql::kBuryExpired, db::params(c->options.queue, c->kinds)});
  batch.push_back(db::Statement{&sql::kClaim,
                                db::params(c->options.queue, c->id, limit, ms(c->options.lease), c->kinds)});
  std::vector<db::Result> results;
  {
    auto conn = co_await c->cluster.writer();
    results = co_await conn->pipeline(batch);
  }
  const db::Result& buried = results.at(0);
  for (int i = 0; i < buried.rows(); ++i) {
    const std::string kind = buried.str(i, 1);
    c->stats->count(kind, Outcome::dead);
    log::error("job dead: its worker stopped renewing the lease during the last attempt",
               {{"job_id", buried.int64(i, 0)}, {"kind", kind}});
  }
  const db::Result& rows = results.at(1);
  std::vector<std::shared_ptr<Claim>> claimed;
  for (int i = 0; i < rows.rows(); ++i) {
    auto claim = std::make_shared<Claim>(*c, c->ex);
    claim->id = rows.int64(i, 0);
    claim->kind = rows.str(i, 1);
    boost::system::error_code ec;
    auto payload = boost::json::parse(rows.view(i, 2), ec);
    if (!ec && payload.is_object()) {
      claim->payload = std::move(payload.as_object());
    } else {
      claim->payload_error = "job payload is not a JSON object";
    }
    claim->attempt = static_cast<int>(rows.int64(i, 3));
    claim->max_attempts = static_cast<int>(rows.int64(i, 4));
    if (!rows.is_null(i, 5)) claim->enqueued_by = trace::parse_traceparent(rows.view(i, 5));
    claimed.push_back(claim);
  }
  for (const auto& claim : claimed) {
    c->active.push_back(claim);
    auto on_done = [claim](const std::exception_ptr& e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("job runner failed", {{"job_id", claim->id}, {"error", ex.what()}});
      }
    };
    // A slot of its own, so the job's span stays its current context across suspensions while
    // other jobs and requests run on this thread.
    asio::co_spawn(trace::traced(c->ex), run_job(c, claim),
                   asio::bind_cancellation_slot(claim->cancel.slot(), std::move(on_done)));
    asio::co_spawn(c->ex, supervise(c, claim), asio::detached);
    log::debug("job claimed", {{"job_id", claim->id}, {"kind", claim->kind}, {"attempt", claim->attempt}});
  }
  c->stats->running.store(static_cast<unsigned>(c->active.size()), std::memory_order_relaxed);
  co_return claimed;
}

std::size_t free_slots(const Core& c) {
  const std::size_t limit = std::max(1u, c.options.concurrency);
  return c.active.size() >= limit ? 0 : limit - c.active.size();
}

// Hands the given unfinished jobs back (queued, attempt returned) and marks them released. Rows
// locked at that moment are skipped (a heartbeat just then, or a handler committing complete()), so
// the statement is repeated a few times for what is left.
asio::awaitable<void> release(Core& c, const std::vector<std::shared_ptr<Claim>>& unfinished) {
  for (int round = 0; round < 10; ++round) {
    std::string ids;
    for (const auto& claim : unfinished) {
      if (claim->released || claim->handler_done) continue;
      ids += (ids.empty() ? "{" : ",") + std::to_string(claim->id);
    }
    if (ids.empty()) co_return;
    ids += "}";
    if (round > 0) {
      asio::steady_timer pause(c.ex, milliseconds(10));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    db::Result released;
    {
      auto conn = co_await c.cluster.writer();
      released = co_await conn->exec(sql::kRelease, db::params(ids, c.id));
    }
    for (int i = 0; i < released.rows(); ++i) {
      const int64_t id = released.int64(i, 0);
      for (const auto& claim : unfinished) {
        if (claim->id != id || claim->released) continue;
        claim->released = true;
        c.count(*claim, Outcome::released);
        log::info("job handed back on stop", {{"job_id", id}, {"kind", claim->kind}});
      }
    }
  }
}

// After stop(): let handlers finish within the grace period, then hand the rest back and cancel
// their handlers.
asio::awaitable<void> drain(std::shared_ptr<Core> c) {
  const auto grace_end = Clock::now() + c->options.stop_grace;
  while (!c->active.empty() && Clock::now() < grace_end) co_await wait_for_job_end(*c, grace_end);
  if (!c->active.empty()) {
    c->releasing = true;
    std::vector<std::shared_ptr<Claim>> unfinished;
    for (const auto& claim : c->active) {
      if (!claim->handler_done) unfinished.push_back(claim);  // else: writing its outcome now
    }
    // Let heartbeats in flight finish (briefly): they hold the row lock the release would skip.
    const auto beats_end = Clock::now() + std::chrono::seconds(1);
    for (;;) {
      const bool beating =
          std::any_of(unfinished.begin(), unfinished.end(), [](const auto& claim) { return claim->beating; });
      if (!beating || Clock::now() >= beats_end) break;
      asio::steady_timer pause(c->ex, milliseconds(5));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    try {
      co_await release(*c, unfinished);
    } catch (const std::exception& e) {
      log::error("could not hand jobs back on stop; they run again when their leases expire",
                 {{"error", e.what()}});
    }
    for (const auto& claim : unfinished) {
      if (claim->handler_done) continue;
      if (!claim->released) {
        log::warn("job not handed back on stop; it runs again when its lease expires",
                  {{"job_id", claim->id}, {"kind", claim->kind}});
      }
      claim->timer.cancel();
      claim->cancel.emit(asio::cancellation_type::terminal);
    }
    const auto hard_end = Clock::now() + std::chrono::seconds(1);
    while (!c->active.empty() && Clock::now() < hard_end) co_await wait_for_job_end(*c, hard_end);
    if (!c->active.empty()) {
      log::warn("job handlers still running after stop", {{"count", c->active.size()}});
    }
  }
  log::info("job worker stopped", {{"worker", c->id}, {"queue", c->options.queue}});
}

asio::awaitable<void> run_loop(std::shared_ptr<Core> c) {
  if (c->started) throw std::logic_error("Worker::run() called twice");
  c->started = true;
  prepare(*c);
  log::info("job worker started", {{"worker", c->id},
                                   {"queue", c->options.queue},
                                   {"kinds", c->kinds},
                                   {"concurrency", c->options.concurrency}});
  while (!c->stopping.load()) {
    const std::size_t free = free_slots(*c);
    std::size_t claimed = 0;
    if (free > 0) {
      try {
        const auto jobs = co_await claim_jobs(c, free);
        claimed = jobs.size();
      } catch (const std::exception& e) {
        log::warn("job claim failed", {{"queue", c->options.queue}, {"error", e.what()}});
      }
    }
    if (c->stopping.load()) break;
    if (claimed > 0) continue;  // more may be due: poll again at once (or wait for a slot)
    if (c->poked) {
      c->poked = false;
      continue;
    }
    c->waiting_for_slot = free_slots(*c) == 0;
    c->wake.expires_after(c->options.poll_interval);
    co_await c->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    c->waiting_for_slot = false;
  }
  co_await drain(c);
}

asio::awaitable<std::size_t> run_once_impl(std::shared_ptr<Core> c) {
  if (c->stopping.load()) co_return 0;
  prepare(*c);
  const std::size_t free = free_slots(*c);
  if (free == 0) co_return 0;
  const auto claimed = co_await claim_jobs(c, free);
  for (;;) {
    const bool all_done =
        std::all_of(claimed.begin(), claimed.end(), [](const auto& claim) { return claim->runner_done; });
    if (all_done) break;
    co_await wait_for_job_end(*c, Clock::time_point::max());
  }
  co_return claimed.size();
}

}  // namespace

// --- JobContext ---

int64_t JobContext::id() const {
  return claim_.id;
}
const std::string& JobContext::queue() const {
  return claim_.core.options.queue;
}
const std::string& JobContext::kind() const {
  return claim_.kind;
}
const boost::json::object& JobContext::payload() const {
  return claim_.payload;
}
int JobContext::attempt() const {
  return claim_.attempt;
}
int JobContext::max_attempts() const {
  return claim_.max_attempts;
}
const std::string& JobContext::worker_id() const {
  return claim_.core.id;
}
bool JobContext::lease_lost() const {
  return claim_.lease_lost || claim_.released;
}

asio::awaitable<bool> JobContext::complete(db::Transaction& tx) {
  const db::Result r =
      co_await tx.exec(sql::kComplete, db::params(claim_.id, claim_.core.id, claim_.attempt));
  const bool owned = !r.empty();
  if (owned) {
    claim_.completed = true;
  } else {
    claim_.lease_lost = true;
  }
  co_return owned;
}

// --- WorkerStats ---

void WorkerStats::add_kind(const std::string& kind) {
  std::lock_guard lock(mutex_);
  processed_.try_emplace(kind);
}

void WorkerStats::count(const std::string& kind, Outcome outcome) {
  std::lock_guard lock(mutex_);
  processed_[kind][static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t WorkerStats::processed(std::string_view kind, Outcome outcome) const {
  std::lock_guard lock(mutex_);
  const auto it = processed_.find(kind);
  return it == processed_.end() ? 0 : it->second[static_cast<std::size_t>(outcome)].load();
}

std::map<std::string, WorkerStats::Counts, std::less<>> WorkerStats::snapshot() const {
  std::map<std::string, Counts, std::less<>> out;
  std::lock_guard lock(mutex_);
  for (const auto& [kind, counters] : processed_) {
    Counts& counts = out[kind];
    for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = counters[i].load(std::memory_order_relaxed);
  }
  return out;
}

// --- retry policy ---

milliseconds retry_delay(int attempt, milliseconds base, milliseconds cap, double unit) {
  const double grown = std::ldexp(static_cast<double>(base.count()), std::clamp(attempt - 1, 0, 62));
  const double full = std::min(grown, static_cast<double>(cap.count()));
  const double half = full / 2;
  return milliseconds(static_cast<int64_t>(half + std::clamp(unit, 0.0, 1.0) * half));
}

// --- Worker ---

Worker::Worker(asio::any_io_executor ex, db::Cluster& cluster, WorkerOptions options)
    : core_(std::make_shared<Core>(std::move(ex), cluster, std::move(options))) {
  auto& o = core_->options;
  if (!valid_name(o.queue)) throw std::invalid_argument("invalid job queue name: " + o.queue);
  if (o.concurrency == 0) throw std::invalid_argument("job worker concurrency must be at least 1");
  if (o.lease.count() <= 0 || o.poll_interval.count() <= 0) {
    throw std::invalid_argument("job worker lease and poll interval must be positive");
  }
  if (heartbeat_interval(o) >= o.lease)
    throw std::invalid_argument("job heartbeat must be shorter than the lease");
  core_->id = o.id.empty() ? default_worker_id() : o.id;
  std::lock_guard lock(stats_registry().mutex);
  stats_registry().all.push_back(core_->stats);
  auto& cores = stats_registry().cores;
  std::erase_if(cores, [](const std::weak_ptr<Core>& w) { return w.expired(); });
  cores.push_back(core_);
}

void poke_local_workers(std::string_view queue) {
  std::vector<std::shared_ptr<Core>> targets;
  {
    std::lock_guard lock(stats_registry().mutex);
    for (const auto& w : stats_registry().cores) {
      if (auto c = w.lock(); c && c->options.queue == queue) targets.push_back(std::move(c));
    }
  }
  for (auto& c : targets) {
    asio::post(c->ex, [c] {
      c->poked = true;
      if (!c->waiting_for_slot) c->wake.cancel();
    });
  }
}

Worker::~Worker() {
  stop();
}

void Worker::handle(std::string kind, Handler handler) {
  if (!valid_name(kind)) throw std::invalid_argument("invalid job kind: " + kind);
  if (!handler) throw std::invalid_argument("empty job handler for " + kind);
  if (core_->started || !core_->active.empty()) throw std::logic_error("Worker::handle() while jobs run");
  core_->stats->add_kind(kind);
  core_->handlers.insert_or_assign(std::move(kind), std::move(handler));
}

asio::awaitable<void> Worker::run() {
  return run_loop(core_);
}

asio::awaitable<std::size_t> Worker::run_once() {
  return run_once_impl(core_);
}

void Worker::stop() {
  if (core_->stopping.exchange(true)) return;
  asio::post(core_->ex, [c = core_] { c->wake.cancel(); });
}

const std::string& Worker::id() const {
  return core_->id;
}

const WorkerStats& Worker::stats() const {
  return *core_->stats;
}

// --- metrics ---

void register_metrics() {
  static std::once_flag once;
  std::call_once(once, [] {
    metrics::add_collector([](metrics::Families& out) {
      std::map<std::string, WorkerStats::Counts, std::less<>> totals;
      uint64_t running = 0;
      {
        std::lock_guard lock(stats_registry().mutex);
        for (const auto& stats : stats_registry().all) {
          for (const auto& [kind, counts] : stats->snapshot()) {
            auto& sum = totals[kind];
            for (std::size_t i = 0; i < counts.size(); ++i) sum[i] += counts[i];
          }
          running += stats->running.load(std::memory_order_relaxed);
        }
      }
      auto& processed =
          out.counter("jobs_processed_total", "Jobs finished by this process, by kind and outcome");
      for (const auto& [kind, counts] : totals) {
        for (std::size_t i = 0; i < counts.size(); ++i) {
          metrics::Families::add(processed, {{"kind", kind}, {"outcome", std::string(kOutcomeNames[i])}},
                                 static_cast<double>(counts[i]));
        }
      }
      metrics::Families::add(out.gauge("jobs_running", "Job handlers running in this process"), {},
                             static_cast<double>(running));
    });
  });
}

}  // namespace mc::jobs
