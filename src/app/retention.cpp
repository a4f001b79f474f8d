#include "app/retention.hpp"

#include <memory>

#include "core/log.hpp"
#include "events/outbox.hpp"
#include "features/messaging/attachments.hpp"
#include "features/privacy/store.hpp"
#include "features/search/store.hpp"
#include "jobs/queue.hpp"

namespace mc::app {
namespace {

// docs/privacy.md "Retention": how long personal data that has served its purpose is kept.
constexpr int kReadNotificationDays = 90;  // read notifications
constexpr int kNotificationDays = 365;     // any notification, read or not
constexpr int kEndedSessionDays = 30;      // sessions past their expiry or revoked this long ago
constexpr int kAccountTokenDays = 7;       // emailed tokens (verification, reset) after they expired
constexpr int kBatch = 5000;               // rows per statement, like the outbox prune

// Runs one batched delete until a batch comes back short; the total it removed.
template <class F>
boost::asio::awaitable<int64_t> drain(F step) {
  int64_t total = 0;
  for (;;) {
    const int64_t n = co_await step();
    total += n;
    if (n < kBatch) break;
  }
  co_return total;
}

}  // namespace

void register_retention(jobs::Worker& worker, db::Cluster& cluster, const Config& config,
                        privacy::PrivacyJobs& privacy, media::Storage& storage) {
  auto attachments = std::make_shared<messaging::AttachmentService>(storage, config);
  worker.handle(
      "maintenance.prune",
      [&cluster, &config, &privacy, attachments](jobs::JobContext&) -> boost::asio::awaitable<void> {
        const int64_t events = co_await events::prune(cluster, config.outbox_retention);
        const int64_t jobs = co_await jobs::prune_finished(cluster, config.jobs_retention);
        const int64_t notifications = co_await drain([&cluster] {
          return privacy::store::prune_notifications(cluster, kReadNotificationDays, kNotificationDays,
                                                     kBatch);
        });
        const int64_t sessions = co_await drain(
            [&cluster] { return privacy::store::prune_sessions(cluster, kEndedSessionDays, kBatch); });
        const int64_t tokens = co_await drain(
            [&cluster] { return privacy::store::prune_account_tokens(cluster, kAccountTokenDays, kBatch); });
        const int64_t exports = co_await privacy.prune_expired_exports(cluster);
        const int64_t dm_attachments = co_await attachments->prune(cluster);
        const int64_t words = co_await search::store::prune_words(cluster);  // docs/search.md
        log::info("retention prune done", {{"outbox_events", events},
                                           {"finished_jobs", jobs},
                                           {"notifications", notifications},
                                           {"sessions", sessions},
                                           {"account_tokens", tokens},
                                           {"exports", exports},
                                           {"dm_attachments", dm_attachments},
                                           {"search_words", words}});
      });
}

boost::asio::awaitable<void> schedule_retention(db::Cluster& cluster) {
  co_await jobs::enqueue_hourly(cluster, kMaintenanceQueue, "maintenance.prune");
}

}  // namespace mc::app
