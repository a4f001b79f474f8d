#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "db/cluster.hpp"
#include "jobs/queue.hpp"
#include "jobs/sql.hpp"
#include "jobs/worker.hpp"
#include "core/metrics.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using namespace std::chrono_literals;
using boost::asio::awaitable;
namespace asio = boost::asio;

namespace {

constexpr db::Query kInsertEffect{"t_insert_effect",
                                  "INSERT INTO job_effects (job_id, worker) VALUES ($1, $2)"};

db::ClusterOptions cluster_options(const std::string& url) {
  return db::ClusterOptions{db::PoolOptions{"writer", url, 8, 100}};
}

// Short leases and backoffs keep the tests fast.
jobs::WorkerOptions fast_options(std::string id) {
  jobs::WorkerOptions o;
  o.id = std::move(id);
  o.poll_interval = 20ms;
  o.lease = 300ms;
  o.backoff_base = 10ms;
  o.backoff_cap = 40ms;
  o.stop_grace = 2s;
  return o;
}

// Blocking query over libpq: every row's first column, one per line (NULL as "").
std::string query(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string err = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("connect failed: " + err);
  }
  PGresult* r = PQexec(c, sql.c_str());
  const auto status = PQresultStatus(r);
  std::string out;
  for (int i = 0; i < PQntuples(r); ++i) {
    if (i > 0) out += "\n";
    if (!PQgetisnull(r, i, 0)) out += PQgetvalue(r, i, 0);
  }
  std::string err = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error(sql + ": " + err);
  return out;
}

// The job's effect and its completion in one transaction: the effect exists iff complete() won.
awaitable<bool> commit_effect(db::Cluster& cluster, jobs::JobContext& ctx) {
  auto tx = co_await cluster.begin();
  co_await tx.exec(kInsertEffect, db::params(ctx.id(), ctx.worker_id()));
  const bool owned = co_await ctx.complete(tx);
  if (owned) co_await tx.commit();
  co_return owned;  // not owned: tx rolls back as it goes out of scope
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

class Jobs : public ::testing::Test {
 protected:
  asio::io_context io;
  std::string url = fresh_database();
  db::Cluster cluster{io.get_executor(), cluster_options(url)};

  void SetUp() override {
    exec_sql(url, "CREATE TABLE job_effects (job_id bigint NOT NULL, worker text NOT NULL)");
  }

  std::string q(const std::string& sql) const { return query(url, sql); }

  awaitable<int64_t> enqueue(jobs::EnqueueRequest r) {
    auto tx = co_await cluster.begin();
    const int64_t id = co_await jobs::enqueue(tx, r);
    co_await tx.commit();
    co_return id;
  }

  int64_t enqueue_now(const std::string& kind, int max_attempts = 5) {
    jobs::EnqueueRequest r;
    r.kind = kind;
    r.payload = {{"kind", kind}};
    r.max_attempts = max_attempts;
    return run(io, enqueue(r));
  }
};

}  // namespace

TEST_F(Jobs, enqueue_in_a_rolled_back_transaction_creates_nothing) {
  run(io, [&]() -> awaitable<void> {
    jobs::EnqueueRequest r;
    r.kind = "test.noop";
    r.payload = {{"n", 1}};
    {
      auto tx = co_await cluster.begin();
      co_await jobs::enqueue(tx, r);
    }  // destroyed without commit: rolled back
    r.queue = "mail";
    r.delay = 60s;
    auto tx = co_await cluster.begin();
    co_await jobs::enqueue(tx, r);
    co_await tx.commit();
  }());
  EXPECT_EQ(q("SELECT count(*) FROM jobs"), "1");
  EXPECT_EQ(q("SELECT concat_ws(' ', queue, kind, status, attempts, max_attempts, payload->>'n') FROM jobs"),
            "mail test.noop queued 0 5 1");
  EXPECT_EQ(q("SELECT run_at - created_at BETWEEN interval '59 s' AND interval '61 s' FROM jobs"), "t");
}

TEST_F(Jobs, a_duplicate_dedupe_key_returns_the_existing_job) {
  std::vector<int64_t> ids;
  run(io, [&]() -> awaitable<void> {
    jobs::EnqueueRequest r;
    r.kind = "mail.welcome";
    r.dedupe_key = "welcome:42";
    {
      auto tx = co_await cluster.begin();
      const int64_t first = co_await jobs::enqueue(tx, r);
      const int64_t again = co_await jobs::enqueue(tx, r);  // same transaction
      co_await tx.commit();
      ids.insert(ids.end(), {first, again});
    }
    const int64_t later = co_await enqueue(r);  // a later transaction
    r.dedupe_key = "welcome:43";
    const int64_t other_key = co_await enqueue(r);
    r.dedupe_key.reset();
    const int64_t no_key_1 = co_await enqueue(r);
    const int64_t no_key_2 = co_await enqueue(r);
    ids.insert(ids.end(), {later, other_key, no_key_1, no_key_2});
  }());
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(ids[0], ids[2]);
  EXPECT_NE(ids[3], ids[0]);
  EXPECT_NE(ids[4], ids[5]);
  EXPECT_EQ(q("SELECT count(*) FROM jobs"), "4");
  EXPECT_EQ(q("SELECT count(*) FROM jobs WHERE dedupe_key = 'welcome:42'"), "1");
}

TEST_F(Jobs, the_claim_query_uses_the_due_index) {
  // Mostly finished jobs, as in production: the claim must not scan them.
  exec_sql(url,
           "INSERT INTO jobs (queue, kind, status, attempts, finished_at) "
           "SELECT 'default', 'test.effect', 'succeeded', 1, now() FROM generate_series(1, 20000);"
           "INSERT INTO jobs (queue, kind) SELECT 'default', 'test.effect' FROM generate_series(1, 10);"
           "ANALYZE jobs");
  const std::string plan =
      q("PREPARE claim(text, text, bigint, bigint, text[]) AS " + std::string(jobs::sql::kClaim.sql) +
        ";EXPLAIN EXECUTE claim('default', 'w', 4, 30000, '{test.effect}')");
  EXPECT_NE(plan.find("jobs_due_idx"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;  // the index gives the order too
}

TEST_F(Jobs, two_workers_share_a_queue_and_run_every_job_once) {
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i) enqueue_now("test.effect");

  struct Side {
    asio::io_context io;
    std::unique_ptr<db::Cluster> cluster;
    std::unique_ptr<jobs::Worker> worker;
    // Opened (from the other side's thread) once the other worker runs a job.
    asio::steady_timer other_started{io, std::chrono::steady_clock::now() + 5s};
    std::atomic<bool> other_started_flag{false};
    int processed = 0;
    std::exception_ptr error;
  };
  std::array<Side, 2> sides;
  std::mutex mutex;
  std::map<int64_t, int> running_now;
  bool overlap = false;
  int done = 0;
  for (int i = 0; i < 2; ++i) {
    Side& side = sides[i];
    side.cluster = std::make_unique<db::Cluster>(side.io.get_executor(), cluster_options(url));
    auto options = fast_options("worker-" + std::to_string(i));
    options.concurrency = 4;
    side.worker = std::make_unique<jobs::Worker>(side.io.get_executor(), *side.cluster, options);
    Side& other = sides[1 - i];
    side.worker->handle("test.effect",
                        [&, &side = side, &other = other](jobs::JobContext& ctx) -> awaitable<void> {
                          {
                            std::lock_guard lock(mutex);
                            if (++running_now[ctx.id()] > 1) overlap = true;
                          }
                          // Hold the first jobs until the other worker runs one too, so both really compete
                          // for the queue.
                          if (!other.other_started_flag.exchange(true)) {
                            asio::post(other.io, [&other] { other.other_started.cancel(); });
                          }
                          if (!side.other_started_flag.load()) {
                            co_await side.other_started.async_wait(asio::as_tuple(asio::use_awaitable));
                          }
                          co_await sleep_for(5ms);
                          const bool owned = co_await commit_effect(*side.cluster, ctx);
                          EXPECT_TRUE(owned);
                          bool all_done = false;
                          {
                            std::lock_guard lock(mutex);
                            --running_now[ctx.id()];
                            ++side.processed;
                            all_done = ++done == kJobs;
                          }
                          if (all_done) {
                            for (auto& s : sides) s.worker->stop();
                          }
                        });
  }
  std::vector<std::thread> threads;
  threads.reserve(sides.size());
  for (auto& side : sides) {
    threads.emplace_back([&side] {
      asio::co_spawn(side.io, side.worker->run(), [&side](const std::exception_ptr& e) { side.error = e; });
      side.io.run();
    });
  }
  for (auto& t : threads) t.join();
  for (auto& side : sides) {
    EXPECT_FALSE(side.error);
    EXPECT_GT(side.processed, 0);  // both took part
  }
  EXPECT_FALSE(overlap);
  EXPECT_EQ(sides[0].processed + sides[1].processed, kJobs);
  EXPECT_EQ(q("SELECT count(*) || ' ' || count(DISTINCT job_id) FROM job_effects"), "60 60");
  // Every job was claimed exactly once (a claim counts an attempt) and finished.
  EXPECT_EQ(q("SELECT count(*) FROM jobs WHERE status = 'succeeded' AND attempts = 1 AND locked_by IS NULL"),
            "60");
}

TEST_F(Jobs, a_failed_attempt_is_retried_after_a_backoff) {
  const int64_t id = enqueue_now("test.flaky");
  auto options = fast_options("w");
  options.backoff_base = 60s;
  options.backoff_cap = 1h;
  jobs::Worker worker(io.get_executor(), cluster, options);
  int calls = 0;
  worker.handle("test.flaky", [&](jobs::JobContext& ctx) -> awaitable<void> {
    ++calls;
    EXPECT_EQ(ctx.attempt(), calls);
    EXPECT_EQ(ctx.payload().at("kind").as_string(), "test.flaky");
    if (ctx.attempt() == 1) throw std::runtime_error("smtp down");
    co_return;  // returning without complete(): the worker marks the job succeeded
  });

  EXPECT_EQ(run(io, worker.run_once()), 1u);
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts, last_error, locked_by IS NULL) FROM jobs"),
            "queued 1 smtp down t");
  // First retry: base·2⁰ with equal jitter, so between 30 s and 60 s from now.
  EXPECT_EQ(q("SELECT run_at - now() BETWEEN interval '29 s' AND interval '61 s' FROM jobs"), "t");
  EXPECT_EQ(run(io, worker.run_once()), 0u);  // not due yet

  exec_sql(url, "UPDATE jobs SET run_at = now() WHERE id = " + std::to_string(id));  // skip the wait
  EXPECT_EQ(run(io, worker.run_once()), 1u);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts, last_error, finished_at IS NOT NULL) FROM jobs"),
            "succeeded 2 smtp down t");
  EXPECT_EQ(worker.stats().processed("test.flaky", jobs::Outcome::failed), 1u);
  EXPECT_EQ(worker.stats().processed("test.flaky", jobs::Outcome::succeeded), 1u);
}

TEST_F(Jobs, a_job_that_keeps_failing_is_dead_after_max_attempts_with_its_last_error) {
  enqueue_now("test.broken", 3);
  jobs::Worker worker(io.get_executor(), cluster, fast_options("w"));
  std::vector<std::chrono::steady_clock::time_point> calls;
  worker.handle("test.broken", [&](jobs::JobContext& ctx) -> awaitable<void> {
    calls.push_back(std::chrono::steady_clock::now());
    if (ctx.attempt() == ctx.max_attempts()) worker.stop();  // run() returns once this one is recorded
    throw std::runtime_error("boom " + std::to_string(ctx.attempt()));
    co_return;
  });
  run(io, worker.run());
  ASSERT_EQ(calls.size(), 3u);
  // Backoff 10 ms·2^(n−1) with equal jitter: at least 5 ms, then 10 ms.
  EXPECT_GE(calls[1] - calls[0], 5ms);
  EXPECT_GE(calls[2] - calls[1], 10ms);
  EXPECT_EQ(
      q("SELECT concat_ws(' ', status, attempts, last_error, finished_at IS NOT NULL, locked_by IS NULL) "
        "FROM jobs"),
      "dead 3 boom 3 t t");
  EXPECT_EQ(worker.stats().processed("test.broken", jobs::Outcome::failed), 2u);
  EXPECT_EQ(worker.stats().processed("test.broken", jobs::Outcome::dead), 1u);
}

TEST_F(Jobs, a_job_whose_worker_vanished_resumes_elsewhere_and_the_stale_owner_cannot_complete_it) {
  const int64_t id = enqueue_now("test.effect");

  // Worker 1 on its own event loop: it claims the job, then its loop is frozen, as if the process
  // had been killed (no heartbeat, no completion). Unlike a real kill -9 it can be resumed later,
  // which is the worst case: a stale owner coming back.
  asio::io_context io1;
  db::Cluster cluster1(io1.get_executor(), cluster_options(url));
  jobs::Worker w1(io1.get_executor(), cluster1, fast_options("w1"));
  asio::steady_timer gate(io1, std::chrono::steady_clock::time_point::max());
  bool started = false;
  std::optional<bool> stale_owned;
  bool stale_saw_loss = false;
  w1.handle("test.effect", [&](jobs::JobContext& ctx) -> awaitable<void> {
    started = true;
    co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
    const bool owned = co_await commit_effect(cluster1, ctx);
    stale_owned = owned;
    stale_saw_loss = ctx.lease_lost();
  });
  bool w1_done = false;
  std::exception_ptr w1_error;
  asio::co_spawn(io1, w1.run(), [&](const std::exception_ptr& e) {
    w1_error = e;
    w1_done = true;
  });
  while (!started) io1.run_one();
  EXPECT_EQ(q("SELECT concat_ws(' ', status, locked_by, attempts) FROM jobs"), "running w1 1");

  // Worker 2 takes the job over once the lease has expired and completes it.
  jobs::Worker w2(io.get_executor(), cluster, fast_options("w2"));
  std::optional<bool> w2_owned;
  w2.handle("test.effect", [&](jobs::JobContext& ctx) -> awaitable<void> {
    const bool owned = co_await commit_effect(cluster, ctx);
    w2_owned = owned;
    w2.stop();
  });
  run(io, w2.run());
  EXPECT_EQ(w2_owned, std::optional<bool>(true));
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts, locked_by IS NULL) FROM jobs"), "succeeded 2 t");
  EXPECT_EQ(q("SELECT last_error FROM jobs"),
            "lease expired: worker w1 stopped renewing it during attempt 1");

  // Worker 1 wakes up and tries to finish: complete() refuses, its transaction rolls back.
  gate.cancel();
  while (!stale_owned) io1.run_one();
  EXPECT_EQ(stale_owned, std::optional<bool>(false));
  EXPECT_TRUE(stale_saw_loss);
  w1.stop();
  while (!w1_done) io1.run_one();
  EXPECT_FALSE(w1_error);

  EXPECT_EQ(q("SELECT string_agg(job_id || ' ' || worker, ',') FROM job_effects"),
            std::to_string(id) + " w2");
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts) FROM jobs"), "succeeded 2");
  EXPECT_EQ(w1.stats().processed("test.effect", jobs::Outcome::lease_lost), 1u);
  EXPECT_EQ(w2.stats().processed("test.effect", jobs::Outcome::succeeded), 1u);
}

TEST_F(Jobs, a_heartbeat_keeps_a_job_longer_than_its_lease_with_its_worker) {
  enqueue_now("test.slow");
  // Renewals well inside the lease: a commit stalled by a busy disk must not lose it.
  auto options = fast_options("a");
  options.lease = 500ms;
  options.heartbeat = 50ms;
  jobs::Worker a(io.get_executor(), cluster, options);
  options.id = "b";
  jobs::Worker b(io.get_executor(), cluster, options);
  int calls = 0;
  auto handler = [&](jobs::JobContext& ctx) -> awaitable<void> {
    ++calls;
    co_await sleep_for(1200ms);  // more than twice the lease
    const bool owned = co_await commit_effect(cluster, ctx);
    EXPECT_TRUE(owned);
    a.stop();
    b.stop();
  };
  a.handle("test.slow", handler);
  b.handle("test.slow", handler);
  int finished = 0;
  asio::co_spawn(io, a.run(), [&](const std::exception_ptr& e) {
    EXPECT_FALSE(e);
    ++finished;
  });
  asio::co_spawn(io, b.run(), [&](const std::exception_ptr& e) {
    EXPECT_FALSE(e);
    ++finished;
  });
  io.restart();  // enqueue_now() ran it to completion
  io.run();
  EXPECT_EQ(finished, 2);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts) FROM jobs"), "succeeded 1");
  EXPECT_EQ(q("SELECT count(*) FROM job_effects"), "1");
}

TEST_F(Jobs, stop_lets_a_running_handler_finish) {
  enqueue_now("test.effect");
  auto options = fast_options("w");
  options.stop_grace = 5s;
  jobs::Worker worker(io.get_executor(), cluster, options);
  worker.handle("test.effect", [&](jobs::JobContext& ctx) -> awaitable<void> {
    worker.stop();
    co_await sleep_for(50ms);
    co_await commit_effect(cluster, ctx);
  });
  run(io, worker.run());
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts) FROM jobs"), "succeeded 1");
  EXPECT_EQ(q("SELECT count(*) FROM job_effects"), "1");
}

TEST_F(Jobs, stop_hands_back_a_job_whose_handler_does_not_finish_in_time) {
  enqueue_now("test.effect");
  auto options = fast_options("w1");
  options.stop_grace = 100ms;
  jobs::Worker w1(io.get_executor(), cluster, options);
  bool cancelled = false;
  w1.handle("test.effect", [&](jobs::JobContext&) -> awaitable<void> {
    w1.stop();
    try {
      co_await sleep_for(5s);  // far longer than the test allows: cancelled
    } catch (const boost::system::system_error&) {
      cancelled = true;
      throw;
    }
  });
  run(io, w1.run());
  EXPECT_TRUE(cancelled);
  // Back in the queue at once, attempt given back, no owner.
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts, locked_by IS NULL, run_at <= now()) FROM jobs"),
            "queued 0 t t");
  EXPECT_EQ(w1.stats().processed("test.effect", jobs::Outcome::released), 1u);

  // Another worker takes it without waiting for a lease to expire.
  jobs::Worker w2(io.get_executor(), cluster, fast_options("w2"));
  w2.handle("test.effect",
            [&](jobs::JobContext& ctx) -> awaitable<void> { co_await commit_effect(cluster, ctx); });
  EXPECT_EQ(run(io, w2.run_once()), 1u);
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts) FROM jobs"), "succeeded 1");
  EXPECT_EQ(q("SELECT worker FROM job_effects"), "w2");
}

TEST_F(Jobs, a_handler_that_overruns_its_timeout_is_cancelled_and_retried) {
  enqueue_now("test.hang");
  auto options = fast_options("w");
  options.job_timeout = 100ms;
  options.backoff_base = 60s;
  jobs::Worker worker(io.get_executor(), cluster, options);
  worker.handle("test.hang", [&](jobs::JobContext&) -> awaitable<void> {
    co_await sleep_for(5s);  // far longer than the test allows: cancelled
  });
  EXPECT_EQ(run(io, worker.run_once()), 1u);
  EXPECT_EQ(q("SELECT concat_ws(' ', status, attempts, last_error) FROM jobs"),
            "queued 1 timed out after 100 ms");
}

TEST_F(Jobs, a_worker_claims_only_kinds_it_handles) {
  enqueue_now("test.other");
  enqueue_now("test.effect");
  jobs::Worker worker(io.get_executor(), cluster, fast_options("w"));
  worker.handle("test.effect",
                [&](jobs::JobContext& ctx) -> awaitable<void> { co_await commit_effect(cluster, ctx); });
  EXPECT_EQ(run(io, worker.run_once()), 1u);
  EXPECT_EQ(run(io, worker.run_once()), 0u);
  EXPECT_EQ(q("SELECT string_agg(concat_ws(' ', kind, status, attempts), ',' ORDER BY kind) FROM jobs"),
            "test.effect succeeded 1,test.other queued 0");
}

TEST_F(Jobs, a_job_whose_worker_died_during_its_last_attempt_is_dead) {
  exec_sql(url,
           "INSERT INTO jobs (kind, queue, status, attempts, max_attempts, locked_by, locked_until) "
           "VALUES ('test.effect', 'default', 'running', 2, 2, 'ghost', now() - interval '1 second')");
  jobs::Worker worker(io.get_executor(), cluster, fast_options("w"));
  int calls = 0;
  worker.handle("test.effect", [&](jobs::JobContext&) -> awaitable<void> {
    ++calls;
    co_return;
  });
  EXPECT_EQ(run(io, worker.run_once()), 0u);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(
      q("SELECT concat_ws(' ', status, attempts, locked_by IS NULL, finished_at IS NOT NULL) FROM jobs"),
      "dead 2 t t");
  EXPECT_EQ(q("SELECT last_error FROM jobs"),
            "lease expired: worker ghost stopped renewing it during the last attempt (2)");
  EXPECT_EQ(worker.stats().processed("test.effect", jobs::Outcome::dead), 1u);
}

TEST_F(Jobs, metrics_count_jobs_by_kind_and_outcome) {
  jobs::register_metrics();
  jobs::register_metrics();  // idempotent
  enqueue_now("test.metrics");
  jobs::Worker worker(io.get_executor(), cluster, fast_options("w"));
  worker.handle("test.metrics", [&](jobs::JobContext&) -> awaitable<void> { co_return; });
  EXPECT_EQ(run(io, worker.run_once()), 1u);
  const std::string text = metrics::render();
  EXPECT_NE(text.find("# TYPE jobs_processed_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("jobs_processed_total{kind=\"test.metrics\",outcome=\"succeeded\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("jobs_processed_total{kind=\"test.metrics\",outcome=\"dead\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE jobs_running gauge\njobs_running "), std::string::npos) << text;
}
