#include "features/earnings/store.hpp"

#include "db/sql_time.hpp"

namespace mc::earnings::store {
namespace {

using db::params;
using db::Query;

#define MC_PAYOUT_COLUMNS                                                                                \
  "id, artist_id, amount_cents, currency, trigger, status, provider, account_id, provider_transfer_id, " \
  "failure_reason, " MC_ISO("created_at") ", " MC_ISO("updated_at") " "

constexpr Query kEnabledAccount{
    "earnings_enabled_account",
    "SELECT account_id FROM payout_accounts WHERE artist_id = $1 AND provider = $2 "
    "AND payouts_enabled"};
constexpr Query kInsertPayout{
    "earnings_insert_payout",
    "INSERT INTO payouts (artist_id, amount_cents, currency, trigger, provider, account_id) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (artist_id, currency) WHERE status = 'pending' DO NOTHING "
    "RETURNING id"};
constexpr Query kLockPayout{"earnings_lock_payout",
                            "SELECT " MC_PAYOUT_COLUMNS "FROM payouts WHERE id = $1::uuid FOR UPDATE"};
constexpr Query kPayout{"earnings_payout", "SELECT " MC_PAYOUT_COLUMNS "FROM payouts WHERE id = $1"};
constexpr Query kSetPayout{
    "earnings_set_payout",
    "UPDATE payouts SET status = $2, provider_transfer_id = coalesce($3, provider_transfer_id), "
    "failure_reason = $4, updated_at = now() WHERE id = $1"};
constexpr Query kPayouts{"earnings_payouts", "SELECT " MC_PAYOUT_COLUMNS
                                             ", count(*) OVER () FROM payouts WHERE artist_id = $1 "
                                             "ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"};
constexpr Query kTotals{
    "earnings_totals",
    "SELECT currency, sum(amount_cents), sum(processor_fee_cents), sum(platform_fee_cents), "
    "sum(artist_cents), sum(refunded_cents) FROM payments WHERE artist_id = $1 "
    "GROUP BY currency ORDER BY currency"};
constexpr Query kEligible{
    "earnings_eligible",
    "SELECT a.owner_id, a.currency FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id "
    "JOIN payout_accounts pa ON pa.artist_id = a.owner_id AND pa.provider = $1 AND pa.payouts_enabled "
    "WHERE a.kind = 'artist_available' GROUP BY a.owner_id, a.currency HAVING sum(e.amount_cents) >= $2"};
constexpr Query kLedgerLines{
    "earnings_ledger_lines",
    "SELECT a.currency, "
    "-coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'fan_payments' "
    "AND t.kind IN ('subscription', 'proration', 'tip')), 0), "
    "coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'fan_payments' AND t.kind = 'refund'), 0), "
    "coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'fan_payments' AND t.kind IN ('dispute', "
    "'dispute_won')), 0), "
    "coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'artist_paid_out'), 0) "
    "FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id "
    "JOIN ledger_transactions t ON t.id = e.txn_id GROUP BY a.currency ORDER BY a.currency"};
// What the processor reported, from the events we processed (each event counted once).
constexpr Query kProviderLines{
    "earnings_provider_lines",
    "WITH ev AS (SELECT type, payload -> 'data' -> 'object' AS o FROM webhook_events "
    "WHERE provider = $1 AND outcome = 'processed') "
    "SELECT upper(o ->> 'currency'), 'charges', sum((o ->> 'amount_paid')::bigint) FROM ev "
    "WHERE type = 'invoice.paid' GROUP BY 1 "
    "UNION ALL SELECT upper(o ->> 'currency'), 'charges', sum((o ->> 'amount_total')::bigint) FROM ev "
    "WHERE type = 'checkout.session.completed' AND o ->> 'mode' = 'payment' AND o ->> 'payment_status' = "
    "'paid' "
    "GROUP BY 1 "
    "UNION ALL SELECT c, 'refunds', sum(r) FROM (SELECT upper(o ->> 'currency') AS c, o ->> 'id', "
    "max((o ->> 'amount_refunded')::bigint) AS r FROM ev WHERE type = 'charge.refunded' GROUP BY 1, 2) x "
    "GROUP BY 1 "
    "UNION ALL SELECT upper(o ->> 'currency'), 'disputes', sum(CASE WHEN type = 'charge.dispute.created' "
    "THEN (o ->> 'amount')::bigint WHEN o ->> 'status' = 'won' THEN -(o ->> 'amount')::bigint ELSE 0 END) "
    "FROM ev WHERE type IN ('charge.dispute.created', 'charge.dispute.closed') GROUP BY 1 "
    "UNION ALL SELECT upper(o ->> 'currency'), 'transfers', sum(CASE WHEN type = 'transfer.created' "
    "THEN (o ->> 'amount')::bigint ELSE -(o ->> 'amount_reversed')::bigint END) FROM ev "
    "WHERE type IN ('transfer.created', 'transfer.reversed') GROUP BY 1"};
constexpr Query kUnbalanced{"earnings_unbalanced",
                            "SELECT count(*) FROM (SELECT e.txn_id FROM ledger_entries e "
                            "JOIN ledger_accounts a ON a.id = e.account_id GROUP BY e.txn_id, a.currency "
                            "HAVING sum(e.amount_cents) <> 0) x"};
constexpr Query kEventStats{
    "earnings_event_stats",
    "SELECT count(*) FILTER (WHERE processed_at IS NULL), "
    "count(*) FILTER (WHERE processed_at IS NULL AND last_error IS NOT NULL), count(*) "
    "FROM webhook_events WHERE provider = $1"};

Payout payout_from(const db::Result& r, int i) {
  return Payout{r.str(i, 0), r.opt_str(i, 1), r.int64(i, 2),   r.str(i, 3),     r.str(i, 4),  r.str(i, 5),
                r.str(i, 6), r.str(i, 7),     r.opt_str(i, 8), r.opt_str(i, 9), r.str(i, 10), r.str(i, 11)};
}

}  // namespace

awaitable<std::optional<std::string>> enabled_account(db::Cluster& db, const std::string& artist_id,
                                                      const std::string& provider) {
  const db::Result r = co_await db.read(kEnabledAccount, params(artist_id, provider));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::optional<std::string>> insert_payout(db::Transaction& tx, const std::string& artist_id,
                                                    int64_t amount, const std::string& currency,
                                                    const std::string& trigger, const std::string& provider,
                                                    const std::string& account_id) {
  const db::Result r =
      co_await tx.exec(kInsertPayout, params(artist_id, amount, currency, trigger, provider, account_id));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::optional<Payout>> lock_payout(db::Transaction& tx, const std::string& id) {
  const db::Result r = co_await tx.exec(kLockPayout, params(id));
  if (r.empty()) co_return std::nullopt;
  co_return payout_from(r, 0);
}

awaitable<std::optional<Payout>> payout(db::Cluster& db, const std::string& id,
                                        std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kPayout, params(id), token);
  if (r.empty()) co_return std::nullopt;
  co_return payout_from(r, 0);
}

awaitable<void> set_payout(db::Transaction& tx, const std::string& id, const std::string& status,
                           const std::optional<std::string>& transfer_id,
                           const std::optional<std::string>& reason) {
  co_await tx.exec(kSetPayout, params(id, status, transfer_id, reason));
  co_return;
}

awaitable<std::pair<std::vector<Payout>, int64_t>> payouts(db::Cluster& db, const std::string& artist_id,
                                                           int page, int limit,
                                                           std::optional<db::Lsn> token) {
  const db::Result r =
      co_await db.read(kPayouts, params(artist_id, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<Payout> out;
  int64_t total = 0;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(payout_from(r, i));
    total = r.int64(i, 12);
  }
  co_return std::make_pair(std::move(out), total);
}

awaitable<std::vector<Totals>> totals(db::Cluster& db, const std::string& artist_id,
                                      std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kTotals, params(artist_id), token);
  std::vector<Totals> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(
        Totals{r.str(i, 0), r.int64(i, 1), r.int64(i, 2), r.int64(i, 3), r.int64(i, 4), r.int64(i, 5)});
  }
  co_return out;
}

awaitable<std::vector<Eligible>> eligible(db::Cluster& db, const std::string& provider, int64_t minimum) {
  const db::Result r = co_await db.read(kEligible, params(provider, minimum));
  std::vector<Eligible> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(Eligible{r.str(i, 0), r.str(i, 1)});
  co_return out;
}

awaitable<std::vector<ReconLine>> ledger_lines(db::Cluster& db) {
  const db::Result r = co_await db.read(kLedgerLines, {});
  std::vector<ReconLine> out;
  for (int i = 0; i < r.rows(); ++i) {
    const std::string c = r.str(i, 0);
    out.push_back(ReconLine{c, "charges", r.int64(i, 1)});
    out.push_back(ReconLine{c, "refunds", r.int64(i, 2)});
    out.push_back(ReconLine{c, "disputes", r.int64(i, 3)});
    out.push_back(ReconLine{c, "transfers", r.int64(i, 4)});
  }
  co_return out;
}

awaitable<std::vector<ReconLine>> provider_lines(db::Cluster& db, const std::string& provider) {
  const db::Result r = co_await db.read(kProviderLines, params(provider));
  std::vector<ReconLine> out;
  for (int i = 0; i < r.rows(); ++i) {
    if (r.is_null(i, 0) || r.is_null(i, 2)) continue;
    out.push_back(ReconLine{r.str(i, 0), r.str(i, 1), r.int64(i, 2)});
  }
  co_return out;
}

awaitable<int64_t> unbalanced_transactions(db::Cluster& db) {
  const db::Result r = co_await db.read(kUnbalanced, {});
  co_return r.int64(0, 0);
}

awaitable<EventStats> event_stats(db::Cluster& db, const std::string& provider) {
  const db::Result r = co_await db.read(kEventStats, params(provider));
  co_return EventStats{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2)};
}

}  // namespace mc::earnings::store
