#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/admin/audit.hpp"
#include "jobs/worker.hpp"
#include "payments/provider.hpp"
#include "payments/sandbox.hpp"
#include "payments/webhooks.hpp"

namespace mc::earnings {

using boost::asio::awaitable;
using db::Written;

inline constexpr const char* kPayoutQueue = "payments";

// Artist earnings and payouts (SPEC §3): balances from the ledger, payouts of the whole available
// balance (≥ 1000 cents) monthly and on demand as provider transfers, a failed one back to the
// balance; and the admin reconciliation of ledger totals with what the provider reported.
class EarningsService {
 public:
  EarningsService(payments::Provider& provider, payments::SandboxProvider* sandbox)
      : provider_(provider), sandbox_(sandbox) {}

  awaitable<boost::json::object> earnings(db::Cluster& db, const AccessClaims& who,
                                          std::optional<db::Lsn> token);
  awaitable<boost::json::object> payouts(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                         std::optional<db::Lsn> token);
  awaitable<Written<boost::json::object>> request_payout(db::Cluster& db, const AccessClaims& who,
                                                         const std::optional<std::string>& currency);
  // Audited (`payments.reconciliation_viewed`), in a transaction of its own after the reads.
  awaitable<db::Written<boost::json::object>> reconciliation(db::Cluster& db, const AccessClaims& who,
                                                             const audit::Origin& origin);
  awaitable<Written<boost::json::object>> sandbox_reverse(db::Cluster& db, const AccessClaims& who,
                                                          const std::string& payout_id);

  // Jobs: the transfer of one payout, and the monthly run (which schedules the next one).
  awaitable<void> run_transfer(db::Cluster& db, jobs::JobContext& job);
  awaitable<void> run_monthly(db::Cluster& db, jobs::JobContext& job);
  // Makes sure the next monthly run is queued (idempotent: one job per month).
  awaitable<void> schedule_monthly(db::Cluster& db);

  // transfer.created / transfer.reversed
  void register_event_handlers(payments::WebhookPipeline& pipeline);

 private:
  // nullopt with `reason` when nothing can be paid out now.
  awaitable<std::optional<std::string>> start_payout(db::Cluster& db, const std::string& artist_id,
                                                     const std::string& currency, const std::string& trigger,
                                                     std::string& reason, db::Lsn& lsn);

  payments::Provider& provider_;
  payments::SandboxProvider* sandbox_;
};

// Registers the payout job handlers on a worker of kPayoutQueue (serve runs one).
void register_jobs(jobs::Worker& worker, EarningsService& service, db::Cluster& db);

}  // namespace mc::earnings
