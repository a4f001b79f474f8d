#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The earnings feature's SQL: payouts, earnings totals and the reconciliation report.
namespace mc::earnings::store {

using boost::asio::awaitable;

struct Payout {
  std::string id;
  std::optional<std::string> artist_id;
  int64_t amount_cents = 0;
  std::string currency;
  std::string trigger;
  std::string status;
  std::string provider;
  std::string account_id;
  std::optional<std::string> transfer_id;
  std::optional<std::string> failure_reason;
  std::string created_at;
  std::string updated_at;
};

struct Totals {
  std::string currency;
  int64_t gross = 0, processor_fees = 0, platform_fees = 0, net = 0, refunded = 0;
};

struct Eligible {
  std::string artist_id;
  std::string currency;
};

struct ReconLine {
  std::string currency;
  std::string line;  // charges | refunds | disputes | transfers
  int64_t cents = 0;
};

struct EventStats {
  int64_t unprocessed = 0;
  int64_t failing = 0;
  int64_t total = 0;
};

awaitable<std::optional<std::string>> enabled_account(db::Cluster& db, const std::string& artist_id,
                                                      const std::string& provider);
// Inserts a pending payout unless one is pending for this artist and currency (nullopt then).
awaitable<std::optional<std::string>> insert_payout(db::Transaction& tx, const std::string& artist_id,
                                                    int64_t amount, const std::string& currency,
                                                    const std::string& trigger, const std::string& provider,
                                                    const std::string& account_id);
awaitable<std::optional<Payout>> lock_payout(db::Transaction& tx, const std::string& id);
awaitable<std::optional<Payout>> payout(db::Cluster& db, const std::string& id, std::optional<db::Lsn> token);
awaitable<void> set_payout(db::Transaction& tx, const std::string& id, const std::string& status,
                           const std::optional<std::string>& transfer_id, const std::optional<std::string>& reason);
awaitable<std::pair<std::vector<Payout>, int64_t>> payouts(db::Cluster& db, const std::string& artist_id, int page,
                                                           int limit, std::optional<db::Lsn> token);
awaitable<std::vector<Totals>> totals(db::Cluster& db, const std::string& artist_id, std::optional<db::Lsn> token);
awaitable<std::vector<Eligible>> eligible(db::Cluster& db, const std::string& provider, int64_t minimum);
awaitable<std::vector<ReconLine>> ledger_lines(db::Cluster& db);
awaitable<std::vector<ReconLine>> provider_lines(db::Cluster& db, const std::string& provider);
awaitable<int64_t> unbalanced_transactions(db::Cluster& db);
awaitable<EventStats> event_stats(db::Cluster& db, const std::string& provider);

}  // namespace mc::earnings::store
