#include "app/background.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "app/retention.hpp"
#include "core/log.hpp"
#include "features/analytics/service.hpp"
#include "features/buying/renditions.hpp"
#include "features/posts/service.hpp"

namespace mc::app {
namespace asio = boost::asio;

namespace {
constexpr auto kSweepInterval = std::chrono::minutes(10);
constexpr auto kNotificationsInterval = std::chrono::milliseconds(200);
}  // namespace

Background::Background(const Config& config, asio::io_context& loop, db::Cluster& cluster,
                       catalog::UploadService& uploads, earnings::EarningsService& earnings,
                       mail::Mailer& mailer)
    : config_(config),
      loop_(loop),
      cluster_(cluster),
      uploads_(uploads),
      earnings_(earnings),
      media_(uploads.storage(), config),
      privacy_(uploads.storage()) {
  jobs::register_metrics();
  jobs::WorkerOptions media_options;
  media_options.queue = "media";
  media_options.concurrency = config.media_jobs_concurrency;
  media_options.poll_interval = std::chrono::milliseconds(500);
  media_options.lease = config.jobs_lease;
  media_options.job_timeout = std::chrono::hours(2);
  auto media_worker = std::make_unique<jobs::Worker>(loop.get_executor(), cluster, media_options);
  media_.register_on(*media_worker, cluster);
  buying::register_rendition_job(*media_worker, cluster, uploads.storage(), config);
  workers_.push_back(std::move(media_worker));

  // Payout transfers and the monthly payout run.
  jobs::WorkerOptions payout_options;
  payout_options.queue = earnings::kPayoutQueue;
  payout_options.lease = config.jobs_lease;
  auto payout_worker = std::make_unique<jobs::Worker>(loop.get_executor(), cluster, payout_options);
  earnings::register_jobs(*payout_worker, earnings, cluster);
  workers_.push_back(std::move(payout_worker));

  jobs::WorkerOptions maintenance_options;
  maintenance_options.queue = kMaintenanceQueue;
  maintenance_options.concurrency = 1;
  maintenance_options.lease = config.jobs_lease;
  auto maintenance_worker = std::make_unique<jobs::Worker>(loop.get_executor(), cluster, maintenance_options);
  register_retention(*maintenance_worker, cluster, config, privacy_, uploads.storage());
  notifications::register_jobs(*maintenance_worker, notifications_, cluster, mailer, config.public_url);
  posts::register_jobs(*maintenance_worker, cluster);
  analytics::register_jobs(*maintenance_worker, cluster);
  workers_.push_back(std::move(maintenance_worker));

  // Data exports and the storage purge of deleted accounts (docs/privacy.md).
  jobs::WorkerOptions privacy_options;
  privacy_options.queue = privacy::kPrivacyQueue;
  privacy_options.concurrency = 2;
  privacy_options.lease = config.jobs_lease;
  auto privacy_worker = std::make_unique<jobs::Worker>(loop.get_executor(), cluster, privacy_options);
  privacy_.register_on(*privacy_worker, cluster);
  workers_.push_back(std::move(privacy_worker));
}

Background::~Background() {
  // Without waiting: the loops may already be gone.
  stopping_->store(true);
  for (auto& w : workers_) w->stop();
}

void Background::start() {
  // The monthly payout run is a job with a dedupe key per month: scheduling it again is harmless.
  asio::co_spawn(loop_, earnings_.schedule_monthly(cluster_), [](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("could not schedule the monthly payout run", {{"error", ex.what()}});
    }
  });
  for (auto& w : workers_) {
    done_.push_back(asio::co_spawn(loop_, w->run(), asio::use_future));
  }
  asio::co_spawn(loop_, sweep_forever(), [](const std::exception_ptr&) {});
  asio::co_spawn(loop_, notifications_.run_consumer(cluster_, kNotificationsInterval, stopping_),
                 [](const std::exception_ptr&) {});
  log::info("background jobs started", {{"queues", "media,payments,maintenance,notifications,privacy"},
                                        {"media_concurrency", config_.media_jobs_concurrency}});
}

void Background::stop() {
  if (stopping_->exchange(true)) return;
  media_.stop();
  for (auto& w : workers_) w->stop();
  for (auto& d : done_) {
    try {
      if (d.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        log::warn("a job worker did not stop in time");
        continue;
      }
      d.get();
    } catch (const std::exception& e) {
      log::error("job worker failed", {{"error", e.what()}});
    }
  }
}

asio::awaitable<void> Background::sweep_forever() {
  const auto stopping = stopping_;
  asio::steady_timer timer(loop_);
  while (!*stopping) {
    try {
      const int removed = co_await uploads_.sweep_expired(cluster_);
      if (removed > 0) log::info("expired uploads removed", {{"count", removed}});
    } catch (const std::exception& e) {
      log::warn("upload sweep failed", {{"error", e.what()}});
    }
    try {
      co_await schedule_retention(cluster_);
    } catch (const std::exception& e) {
      log::warn("could not schedule the retention prune", {{"error", e.what()}});
    }
    try {
      co_await analytics::schedule_rollup(cluster_);
    } catch (const std::exception& e) {
      log::warn("could not schedule the analytics rollup", {{"error", e.what()}});
    }
    try {
      co_await notifications::schedule_digest(cluster_);
    } catch (const std::exception& e) {
      log::warn("could not schedule the notification digest", {{"error", e.what()}});
    }
    // Short naps so a stop is noticed quickly.
    for (auto waited = std::chrono::seconds(0); waited < kSweepInterval && !*stopping;
         waited += std::chrono::seconds(1)) {
      timer.expires_after(std::chrono::seconds(1));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
  co_return;
}

}  // namespace mc::app
