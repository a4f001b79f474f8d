#include "app/retention.hpp"

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
  co_await jobs::enqueue_hourly(cluster, kMaintenanceQueue, "maintenance.prune");
}

}  // namespace mc::app
