#include "app/retention.hpp"

#include <chrono>
#include <ctime>

#include "core/log.hpp"
#include "events/outbox.hpp"
#include "jobs/queue.hpp"

namespace mc::app {

void register_retention(jobs::Worker& worker, db::Cluster& cluster, const Config& config) {
  worker.handle("maintenance.prune", [&cluster, &config](jobs::JobContext&) -> boost::asio::awaitable<void> {
    const int64_t events = co_await events::prune(cluster, config.outbox_retention);
    const int64_t jobs = co_await jobs::prune_finished(cluster, config.jobs_retention);
    log::info("retention prune done", {{"outbox_events", events}, {"finished_jobs", jobs}});
  });
}

boost::asio::awaitable<void> schedule_retention(db::Cluster& cluster) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char hour[20];
  std::strftime(hour, sizeof hour, "%Y-%m-%dT%H", &utc);
  jobs::EnqueueRequest job;
  job.queue = kMaintenanceQueue;
  job.kind = "maintenance.prune";
  job.max_attempts = 3;
  job.dedupe_key = std::string("maintenance.prune:") + hour;
  auto tx = co_await cluster.begin();
  co_await jobs::enqueue(tx, job);
  co_await tx.commit();
}

}  // namespace mc::app
