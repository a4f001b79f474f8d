#pragma once
#include <boost/asio/awaitable.hpp>

#include "core/config.hpp"
#include "db/cluster.hpp"
#include "features/privacy/service.hpp"
#include "jobs/worker.hpp"
#include "media/storage.hpp"

namespace mc::app {

inline constexpr const char* kMaintenanceQueue = "maintenance";

// Retention of the tables that only grow: outbox events older than OUTBOX_RETENTION_H, jobs
// finished more than JOBS_RETENTION_H ago, and the personal data of docs/privacy.md "Retention"
// (notifications, ended sessions, used-up account tokens, expired export archives). It runs as a durable job,
// one per hour (its dedupe key names the hour), so with many worker processes it runs once, and a crash only
// repeats deletes.
// Also direct-message attachments never sent within a day, and those whose message is gone
// (docs/messaging.md "Attachments"), with their files in `storage`.
void register_retention(jobs::Worker& worker, db::Cluster& cluster, const Config& config,
                        privacy::PrivacyJobs& privacy, media::Storage& storage);
// Enqueues this hour's prune (a no-op if it exists). Called by the periodic sweep.
boost::asio::awaitable<void> schedule_retention(db::Cluster& cluster);

}  // namespace mc::app
