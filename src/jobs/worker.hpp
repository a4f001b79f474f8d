#pragma once
#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "db/cluster.hpp"

namespace mc::jobs {

namespace detail {
struct Claim;
struct Core;
}  // namespace detail

// What a handler sees of the job it runs. Valid for the duration of the handler call.
class JobContext {
 public:
  explicit JobContext(detail::Claim& claim) : claim_(claim) {}
  JobContext(const JobContext&) = delete;
  JobContext& operator=(const JobContext&) = delete;

  int64_t id() const;
  const std::string& queue() const;
  const std::string& kind() const;
  const boost::json::object& payload() const;
  int attempt() const;  // 1 on the first run
  int max_attempts() const;
  const std::string& worker_id() const;
  // The heartbeat found the job taken over by another worker (or released): stop early; complete()
  // will refuse anyway.
  bool lease_lost() const;

  // Marks the job succeeded inside the handler's own transaction, only if this worker still owns
  // the claim. false: the lease was lost (another worker has or had the job), so the caller must
  // roll the transaction back: that is what makes the job's database effects happen exactly once.
  // Call it once per transaction, as the last statement before commit (it locks the job row).
  boost::asio::awaitable<bool> complete(db::Transaction& tx);

 private:
  detail::Claim& claim_;
};

struct WorkerOptions {
  std::string queue = "default";
  std::string id;  // empty: "<host>:<pid>:<random>"; must be unique per Worker instance
  unsigned concurrency = 4;
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds lease{30000};
  std::chrono::milliseconds heartbeat{0};  // 0: a third of the lease
  std::chrono::milliseconds backoff_base{10000};
  std::chrono::milliseconds backoff_cap{std::chrono::hours(1)};
  // A handler still running after this long is cancelled and its attempt counted as failed
  // (0: no limit). Without a limit a hung handler would keep its lease forever.
  std::chrono::milliseconds job_timeout{std::chrono::hours(1)};
  // stop(): how long running handlers may take to finish before their jobs are handed back.
  std::chrono::milliseconds stop_grace{10000};
};

enum class Outcome {
  succeeded,   // completed (by complete() or by returning)
  failed,      // threw; will be retried after a backoff
  dead,        // threw on its last attempt, or its worker died during the last attempt
  lease_lost,  // another worker took the job over before this one finished
  released,    // handed back by a graceful stop
};
inline constexpr std::array<std::string_view, 5> kOutcomeNames = {"succeeded", "failed", "dead", "lease_lost",
                                                                  "released"};

// Counters of one Worker, read by the metrics collector from another thread.
class WorkerStats {
 public:
  using Counts = std::array<uint64_t, kOutcomeNames.size()>;
  void add_kind(const std::string& kind);
  void count(const std::string& kind, Outcome outcome);
  uint64_t processed(std::string_view kind, Outcome outcome) const;
  std::map<std::string, Counts, std::less<>> snapshot() const;
  std::atomic<unsigned> running{0};

 private:
  mutable std::mutex mutex_;  // guards the map's shape; values are atomics
  std::map<std::string, std::array<std::atomic<uint64_t>, kOutcomeNames.size()>, std::less<>> processed_;
};

// Delay before the next attempt after attempt `attempt` (1-based) failed: base·2^(attempt−1), capped,
// with equal jitter (a uniform point in the upper half) so jobs that failed together spread out.
// `unit` is a random number in [0, 1).
std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds cap, double unit);

// Runs jobs of one queue on one event loop (single-threaded executor), using that loop's cluster.
// Register handlers, then co_spawn run(); stop() from any thread; run() completes once drained.
class Worker {
 public:
  using Handler = std::function<boost::asio::awaitable<void>(JobContext&)>;

  Worker(boost::asio::any_io_executor ex, db::Cluster& cluster, WorkerOptions options = {});
  ~Worker();  // stop(): a running run() drains as after stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before run(). The worker only claims jobs of kinds it has a handler for; other kinds wait for
  // a worker that knows them (a rolling deploy never kills jobs of a kind that is new).
  // Returning normally marks the job succeeded (if complete() did not already); throwing counts a
  // failed attempt. The handler object must stay callable as long as the worker runs.
  void handle(std::string kind, Handler handler);

  // Polls until stop(): claims up to `concurrency` jobs at a time, re-polls at once after a full
  // batch or when a slot frees up while full, otherwise every poll_interval. Once stopped it waits
  // up to stop_grace for running handlers, then hands the unfinished jobs back (queued, attempt
  // returned) and cancels their handlers. Call it once per Worker.
  boost::asio::awaitable<void> run();
  // One claim of up to `concurrency` due jobs, run to the end; returns how many. For tests and
  // "process what is due, then exit" commands. 0 after stop().
  boost::asio::awaitable<std::size_t> run_once();
  // Thread-safe; returns at once. Await run() (or its completion handler) for the drain.
  void stop();

  const std::string& id() const;
  const WorkerStats& stats() const;

 private:
  std::shared_ptr<detail::Core> core_;  // shared with running jobs, which may outlive the Worker
};

// A job was just committed to `queue`: workers of that queue in this process poll at once instead
// of at their next interval (workers elsewhere still find it by polling). Thread-safe.
void poke_local_workers(std::string_view queue);

// Adds the jobs families to the metrics registry (core/metrics.hpp), summed over every Worker this process
// has created: jobs_processed_total{kind,outcome} (counter) and jobs_running (gauge). Idempotent.
void register_metrics();

}  // namespace mc::jobs
