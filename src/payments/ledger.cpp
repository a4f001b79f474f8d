#include "payments/ledger.hpp"

#include <stdexcept>

namespace mc::payments::ledger {
namespace {

using db::params;
using db::Query;

constexpr Query kInsertTxn{
    "ledger_insert_transaction",
    "INSERT INTO ledger_transactions (kind, reference, payment_id, payout_id, artist_id, currency, memo) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, reference) DO NOTHING RETURNING id"};
constexpr Query kEnsureAccounts{
    "ledger_ensure_accounts",
    "INSERT INTO ledger_accounts (kind, owner_id, currency) "
    "SELECT DISTINCT k, nullif(o, '')::uuid, $3 FROM unnest($1::text[], $2::text[]) AS u (k, o) "
    "ON CONFLICT DO NOTHING"};
constexpr Query kInsertEntries{
    "ledger_insert_entries",
    "INSERT INTO ledger_entries (txn_id, account_id, amount_cents) "
    "SELECT $1, a.id, u.amount::bigint FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY "
    "AS u (k, o, amount, n) JOIN ledger_accounts a ON a.kind = u.k "
    "AND a.owner_id IS NOT DISTINCT FROM nullif(u.o, '')::uuid AND a.currency = $5 ORDER BY u.n"};
constexpr Query kArtistBalances{
    "ledger_artist_balances",
    "SELECT a.currency, "
    "coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'artist_available'), 0), "
    "coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'artist_in_transit'), 0), "
    "coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'artist_paid_out'), 0) "
    "FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id "
    "WHERE a.owner_id = $1 GROUP BY a.currency ORDER BY a.currency"};
constexpr Query kLockArtist{"ledger_lock_artist",
                            "SELECT pg_advisory_xact_lock(hashtextextended('ledger:artist:' || $1, 0))"};
constexpr Query kAvailable{
    "ledger_available",
    "SELECT coalesce(sum(e.amount_cents), 0) FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id "
    "WHERE a.kind = 'artist_available' AND a.owner_id = $1 AND a.currency = $2"};

Entry platform(const char* account, int64_t amount) {
  return Entry{account, std::nullopt, amount};
}
Entry artist(const char* account, const std::string& id, int64_t amount) {
  return Entry{account, id, amount};
}

Posting base(const std::string& kind, const std::string& reference, const std::string& artist_id,
             const std::string& currency) {
  Posting p;
  p.kind = kind;
  p.reference = reference;
  p.artist_id = artist_id;
  p.currency = currency;
  return p;
}

}  // namespace

Posting charge(const std::string& kind, const std::string& reference, const std::string& payment_id,
               const std::string& artist_id, const std::string& currency, const Split& s) {
  Posting p = base(kind, reference, artist_id, currency);
  p.payment_id = payment_id;
  p.memo = kind + " payment";
  p.entries = {platform("fan_payments", -s.amount), platform("processor_fees", s.processor_fee),
               platform("platform_revenue", s.platform_fee), artist("artist_available", artist_id, s.artist)};
  return p;
}

Posting reversal(const std::string& kind, const std::string& reference, const std::string& payment_id,
                 const std::string& artist_id, const std::string& currency, const Split& share) {
  Posting p = base(kind, reference, artist_id, currency);
  p.payment_id = payment_id;
  p.memo = kind + " reverses the artist's earning and the platform fee";
  p.entries = {platform("fan_payments", share.amount), artist("artist_available", artist_id, -share.artist),
               platform("platform_revenue", -share.platform_fee),
               platform("platform_losses", -share.processor_fee)};
  return p;
}

Posting reinstatement(const std::string& reference, const std::string& payment_id, const std::string& artist_id,
                      const std::string& currency, const Split& share) {
  Posting p = reversal("dispute_won", reference, payment_id, artist_id, currency, share);
  for (auto& e : p.entries) e.amount = -e.amount;
  p.memo = "dispute won: the disputed money is back";
  return p;
}

Posting payout_reserved(const std::string& payout_id, const std::string& artist_id, const std::string& currency,
                        int64_t amount) {
  Posting p = base("payout", payout_id, artist_id, currency);
  p.payout_id = payout_id;
  p.memo = "payout requested";
  p.entries = {artist("artist_available", artist_id, -amount), artist("artist_in_transit", artist_id, amount)};
  return p;
}

Posting payout_sent(const std::string& payout_id, const std::string& artist_id, const std::string& currency,
                    int64_t amount) {
  Posting p = base("payout_sent", payout_id, artist_id, currency);
  p.payout_id = payout_id;
  p.memo = "payout transferred";
  p.entries = {artist("artist_in_transit", artist_id, -amount), artist("artist_paid_out", artist_id, amount)};
  return p;
}

Posting payout_failed(const std::string& payout_id, const std::string& artist_id, const std::string& currency,
                      int64_t amount, bool was_sent) {
  Posting p = base("payout_failed", payout_id, artist_id, currency);
  p.payout_id = payout_id;
  p.memo = "payout failed: the money is back in the balance";
  p.entries = {artist(was_sent ? "artist_paid_out" : "artist_in_transit", artist_id, -amount),
               artist("artist_available", artist_id, amount)};
  return p;
}

awaitable<std::optional<int64_t>> post(db::Transaction& tx, const Posting& p) {
  int64_t sum = 0;
  std::vector<std::string> kinds, owners, amounts;
  for (const auto& e : p.entries) {
    if (e.amount == 0) continue;  // a zero share moves nothing
    sum += e.amount;
    kinds.push_back(e.account);
    owners.push_back(e.owner.value_or(""));
    amounts.push_back(std::to_string(e.amount));
  }
  if (sum != 0) throw std::logic_error("ledger posting " + p.kind + " " + p.reference + " does not balance");
  if (kinds.size() < 2) throw std::logic_error("ledger posting " + p.kind + " " + p.reference + " moves nothing");
  const db::Result r = co_await tx.exec(
      kInsertTxn, params(p.kind, p.reference, p.payment_id, p.payout_id, p.artist_id, p.currency, p.memo));
  if (r.empty()) co_return std::nullopt;
  const int64_t id = r.int64(0, 0);
  std::vector<db::Statement> batch;
  batch.push_back(db::Statement{&kEnsureAccounts, params(kinds, owners, p.currency)});
  batch.push_back(db::Statement{&kInsertEntries, params(id, kinds, owners, amounts, p.currency)});
  const auto results = co_await tx.pipeline(std::move(batch));
  if (results.at(1).affected() != static_cast<long>(kinds.size())) {
    throw std::logic_error("ledger posting " + p.kind + " " + p.reference + ": entries not written");
  }
  co_return id;
}

awaitable<std::vector<Balances>> artist_balances(db::Cluster& db, const std::string& artist_id,
                                                 std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kArtistBalances, params(artist_id), token);
  std::vector<Balances> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(Balances{r.str(i, 0), r.int64(i, 1), r.int64(i, 2), r.int64(i, 3)});
  }
  co_return out;
}

awaitable<int64_t> lock_available(db::Transaction& tx, const std::string& artist_id, const std::string& currency) {
  co_await tx.exec(kLockArtist, params(artist_id));
  const db::Result r = co_await tx.exec(kAvailable, params(artist_id, currency));
  co_return r.int64(0, 0);
}

}  // namespace mc::payments::ledger
