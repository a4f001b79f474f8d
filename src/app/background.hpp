#pragma once
#include <boost/asio/io_context.hpp>
#include <future>
#include <memory>
#include <vector>

#include "core/config.hpp"
#include "db/cluster.hpp"
#include "features/catalog/processing_job.hpp"
#include "features/catalog/upload_service.hpp"
#include "features/earnings/service.hpp"
#include "features/notifications/service.hpp"
#include "features/privacy/service.hpp"
#include "jobs/worker.hpp"
#include "mail/mailer.hpp"

namespace mc::app {

// The work that runs beside requests: job workers (audio processing, …) and periodic sweeps.
// `serve` runs it in-process unless JOBS=false; `musicconnect worker` runs only this.
class Background {
 public:
  Background(const Config& config, boost::asio::io_context& loop, db::Cluster& cluster,
             catalog::UploadService& uploads, earnings::EarningsService& earnings, mail::Mailer& mailer);
  ~Background();
  void start();
  // Graceful: running jobs get the workers' stop grace, then are handed back.
  void stop();

 private:
  boost::asio::awaitable<void> sweep_forever();

  const Config& config_;
  boost::asio::io_context& loop_;
  db::Cluster& cluster_;
  catalog::UploadService& uploads_;
  earnings::EarningsService& earnings_;
  notifications::NotificationService notifications_;
  catalog::MediaProcessor media_;
  privacy::PrivacyJobs privacy_;
  std::vector<std::unique_ptr<jobs::Worker>> workers_;
  std::vector<std::future<void>> done_;
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace mc::app
