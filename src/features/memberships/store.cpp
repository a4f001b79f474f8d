#include "features/memberships/store.hpp"

#include "db/sql_time.hpp"

namespace mc::memberships::store {
namespace {

using db::params;
using db::Query;

#define MC_EPOCH(col) "coalesce(extract(epoch FROM " col ")::bigint, 0)"
#define MC_SUB_COLUMNS \
  "s.id, s.fan_id, s.artist_id, s.tier, s.status, coalesce(s.price_cents, 0), coalesce(s.currency, 'USD'), " \
  "s.provider, s.provider_subscription_id, s.provider_customer_id, s.pending_tier, s.pending_price_cents, "   \
  MC_EPOCH("s.current_period_start") ", " MC_EPOCH("s.current_period_end") ", s.cancel_at_period_end, "    \
  "s.failed_attempts, " MC_EPOCH("s.created_at") ", a.stage_name, a.slug "

constexpr Query kUpsertTier{"memberships_upsert_tier",
                            "INSERT INTO artist_tiers (artist_id, tier, price_cents, currency, perks) VALUES "
                            "($1, $2, $3, $4, $5::text[]) "
                            "ON CONFLICT (artist_id, tier) DO UPDATE SET price_cents = EXCLUDED.price_cents, "
                            "currency = EXCLUDED.currency, "
                            "perks = EXCLUDED.perks, updated_at = now()"};
constexpr Query kLiveCount{"memberships_live_count",
                           "SELECT count(*) FROM subscriptions WHERE artist_id = $1 "
                           "AND status IN ('incomplete', 'active', 'past_due')"};
constexpr Query kArtistName{"memberships_artist_name",
                            "SELECT stage_name FROM artist_profiles WHERE user_id = $1::uuid"};
constexpr Query kUserEmail{"memberships_user_email", "SELECT email FROM users WHERE id = $1"};
constexpr Query kCustomer{"memberships_customer",
                          "SELECT customer_id FROM provider_customers WHERE user_id = $1 AND provider = $2"};
constexpr Query kSaveCustomer{
    "memberships_save_customer",
    "WITH ins AS (INSERT INTO provider_customers (user_id, provider, customer_id) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING customer_id) "
    "SELECT customer_id FROM ins UNION ALL "
    "SELECT customer_id FROM provider_customers WHERE user_id = $1 AND provider = $2 LIMIT 1"};
constexpr Query kPrice{
    "memberships_price",
    "SELECT price_id FROM provider_prices WHERE provider = $1 AND artist_id = $2 AND tier = $3 "
    "AND price_cents = $4 AND currency = $5"};
constexpr Query kSavePrice{
    "memberships_save_price",
    "WITH ins AS (INSERT INTO provider_prices (provider, artist_id, tier, price_cents, currency, price_id) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING price_id) "
    "SELECT price_id FROM ins UNION ALL SELECT price_id FROM provider_prices WHERE provider = $1 "
    "AND artist_id = $2 AND tier = $3 AND price_cents = $4 AND currency = $5 LIMIT 1"};
constexpr Query kLive{
    "memberships_live_subscription",
    "SELECT " MC_SUB_COLUMNS
    "FROM subscriptions s JOIN artist_profiles a ON a.user_id = s.artist_id "
    "WHERE s.fan_id = $1 AND s.artist_id = $2 AND s.status IN ('incomplete', 'active', 'past_due') "
    "FOR UPDATE OF s"};
constexpr Query kAbandon{
    "memberships_abandon_incomplete",
    "WITH c AS (UPDATE checkouts SET status = 'expired' WHERE subscription_id = $1 "
    "AND status = 'open') "
    "UPDATE subscriptions SET status = 'canceled', canceled_at = now(), updated_at = now() "
    "WHERE id = $1 AND status = 'incomplete'"};
constexpr Query kInsertSubscription{
    "memberships_insert_subscription",
    "INSERT INTO subscriptions (id, fan_id, artist_id, tier, status, current_period_end, price_cents, "
    "currency, "
    "provider, provider_customer_id) VALUES ($1, $2, $3, $4, 'incomplete', now(), $5, $6, $7, $8) "
    "ON CONFLICT (fan_id, artist_id) WHERE status IN ('incomplete', 'active', 'past_due') DO NOTHING"};
constexpr Query kInsertCheckout{
    "memberships_insert_checkout",
    "INSERT INTO checkouts (id, kind, fan_id, artist_id, subscription_id, tier, amount_cents, currency, "
    "message, "
    "provider, provider_session_id, url) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"};
constexpr Query kSubscription{"memberships_subscription",
                              "SELECT " MC_SUB_COLUMNS
                              "FROM subscriptions s JOIN artist_profiles a ON a.user_id = s.artist_id "
                              "WHERE s.id = $1"};
constexpr Query kLockSubscription{
    "memberships_lock_subscription",
    "SELECT " MC_SUB_COLUMNS
    "FROM subscriptions s JOIN artist_profiles a ON a.user_id = s.artist_id "
    "WHERE ($1::uuid IS NOT NULL AND s.id = $1::uuid) "
    "OR ($3::text IS NOT NULL AND s.provider = $2 AND s.provider_subscription_id = $3) "
    "ORDER BY s.id = $1::uuid DESC NULLS LAST LIMIT 1 FOR UPDATE OF s"};
constexpr Query kSaveSubscription{
    "memberships_save_subscription",
    "UPDATE subscriptions SET tier = $2, status = $3, price_cents = $4, provider_subscription_id = $5, "
    "provider_customer_id = $6, pending_tier = $7, pending_price_cents = $8, "
    "current_period_start = CASE WHEN $9::bigint > 0 THEN to_timestamp($9::bigint) END, "
    "current_period_end = to_timestamp($10::bigint), cancel_at_period_end = $11, failed_attempts = $12, "
    "canceled_at = CASE WHEN $3 = 'canceled' OR $11 THEN coalesce(canceled_at, now()) END, updated_at = "
    "now() "
    "WHERE id = $1"};
constexpr Query kFanSubscriptions{
    "memberships_fan_subscriptions",
    "SELECT " MC_SUB_COLUMNS
    "FROM subscriptions s JOIN artist_profiles a ON a.user_id = s.artist_id "
    "WHERE s.fan_id = $1 AND (s.status IN ('active', 'past_due') "
    "OR (s.status = 'canceled' AND s.current_period_end > now())) ORDER BY s.created_at DESC LIMIT 500"};
constexpr Query kSubscribers{
    "memberships_subscribers",
    "SELECT s.id, s.fan_id, u.username, s.tier, s.status, " MC_ISO("s.created_at") ", " MC_EPOCH(
        "s.current_period_end") ", s.cancel_at_period_end, count(*) OVER () "
                                "FROM subscriptions s JOIN users u ON u.id = s.fan_id "
                                "WHERE s.artist_id = $1 AND s.status IN ('active', 'past_due') "
                                "AND ($2::text IS NULL OR s.tier = $2) "
                                "ORDER BY s.created_at DESC, s.id LIMIT $3 OFFSET $4"};
constexpr Query kSubscriberCounts{"memberships_subscriber_counts",
                                  "SELECT tier, count(*) FROM subscriptions WHERE artist_id = $1 "
                                  "AND status IN ('active', 'past_due') GROUP BY tier"};
constexpr Query kLockCheckout{
    "memberships_lock_checkout",
    "SELECT id, kind, fan_id, artist_id, subscription_id, tier, amount_cents, currency, "
    "message, status FROM checkouts WHERE id = $1::uuid FOR UPDATE"};
constexpr Query kCheckoutStatus{
    "memberships_checkout_status",
    "UPDATE checkouts SET status = $2, completed_at = CASE WHEN $2 = 'completed' THEN now() END "
    "WHERE id = $1 AND status = 'open'"};
constexpr Query kInsertPayment{
    "memberships_insert_payment",
    "INSERT INTO payments (kind, fan_id, artist_id, subscription_id, tier, amount_cents, currency, "
    "processor_fee_cents, platform_fee_cents, artist_cents, message, provider, provider_ref, "
    "provider_payment_intent, provider_charge_id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
    "ON CONFLICT (provider, provider_ref) DO NOTHING RETURNING id"};
#define MC_PAYMENT_COLUMNS                                                                               \
  "p.id, p.kind, p.fan_id, p.artist_id, p.subscription_id, p.tier, p.amount_cents, p.currency, "         \
  "p.processor_fee_cents, p.platform_fee_cents, p.artist_cents, p.refunded_cents, p.status, p.message, " \
  "p.provider_payment_intent, " MC_ISO("p.created_at") ", coalesce(a.stage_name, '') "
constexpr Query kLockPayment{
    "memberships_lock_payment",
    "SELECT " MC_PAYMENT_COLUMNS
    "FROM payments p LEFT JOIN artist_profiles a ON a.user_id = p.artist_id "
    "WHERE p.provider = $1 AND (p.provider_payment_intent = $2 OR p.provider_charge_id = $3) "
    "ORDER BY p.created_at LIMIT 1 FOR UPDATE OF p"};
constexpr Query kPayment{
    "memberships_payment",
    "SELECT " MC_PAYMENT_COLUMNS
    "FROM payments p LEFT JOIN artist_profiles a ON a.user_id = p.artist_id WHERE p.id = $1"};
constexpr Query kPaymentState{"memberships_payment_state",
                              "UPDATE payments SET status = $2, refunded_cents = $3 WHERE id = $1"};
constexpr Query kFanPayments{"memberships_fan_payments",
                             "SELECT " MC_PAYMENT_COLUMNS
                             ", count(*) OVER () FROM payments p "
                             "LEFT JOIN artist_profiles a ON a.user_id = p.artist_id WHERE p.fan_id = $1 "
                             "ORDER BY p.created_at DESC, p.id LIMIT $2 OFFSET $3"};
constexpr Query kPayoutAccount{"memberships_payout_account",
                               "SELECT account_id, payouts_enabled, details_submitted FROM payout_accounts "
                               "WHERE artist_id = $1 AND provider = $2"};
constexpr Query kSavePayoutAccount{
    "memberships_save_payout_account",
    "INSERT INTO payout_accounts (artist_id, provider, account_id, payouts_enabled) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (artist_id, provider) DO UPDATE SET account_id = EXCLUDED.account_id, "
    "payouts_enabled = payout_accounts.payouts_enabled OR EXCLUDED.payouts_enabled, updated_at = now()"};
constexpr Query kAccountUpdated{
    "memberships_account_updated",
    "INSERT INTO payout_accounts (artist_id, provider, account_id, charges_enabled, payouts_enabled, "
    "details_submitted) SELECT $2::uuid, $1, $3, $4, $5, $6 WHERE $2::uuid IS NOT NULL "
    "AND EXISTS (SELECT 1 FROM artist_profiles WHERE user_id = $2::uuid) "
    "ON CONFLICT (artist_id, provider) DO UPDATE SET account_id = EXCLUDED.account_id, "
    "charges_enabled = EXCLUDED.charges_enabled, payouts_enabled = EXCLUDED.payouts_enabled, "
    "details_submitted = EXCLUDED.details_submitted, updated_at = now()"};
constexpr Query kAccountUpdatedById{
    "memberships_account_updated_by_id",
    "UPDATE payout_accounts SET charges_enabled = $3, payouts_enabled = $4, details_submitted = $5, "
    "updated_at = now() WHERE provider = $1 AND account_id = $2"};
constexpr Query kAccountPayoutStatus{"memberships_account_payout_status",
                                     "UPDATE payout_accounts SET last_payout_status = $3, updated_at = now() "
                                     "WHERE provider = $1 AND account_id = $2"};

Subscription sub_from(const db::Result& r, int i) {
  Subscription s;
  s.id = r.str(i, 0);
  s.fan_id = r.str(i, 1);
  s.artist_id = r.str(i, 2);
  s.tier = r.str(i, 3);
  s.status = r.str(i, 4);
  s.price_cents = r.int64(i, 5);
  s.currency = r.str(i, 6);
  s.provider = r.str(i, 7);
  s.provider_subscription_id = r.opt_str(i, 8);
  s.provider_customer_id = r.opt_str(i, 9);
  s.pending_tier = r.opt_str(i, 10);
  if (!r.is_null(i, 11)) s.pending_price_cents = r.int64(i, 11);
  s.period_start = r.int64(i, 12);
  s.period_end = r.int64(i, 13);
  s.cancel_at_period_end = r.boolean(i, 14);
  s.failed_attempts = static_cast<int>(r.int64(i, 15));
  s.created_at = r.int64(i, 16);
  s.artist_name = r.str(i, 17);
  s.artist_slug = r.str(i, 18);
  return s;
}

Payment payment_from(const db::Result& r, int i) {
  Payment p;
  p.id = r.str(i, 0);
  p.kind = r.str(i, 1);
  p.fan_id = r.opt_str(i, 2);
  p.artist_id = r.opt_str(i, 3);
  p.subscription_id = r.opt_str(i, 4);
  p.tier = r.opt_str(i, 5);
  p.amount_cents = r.int64(i, 6);
  p.currency = r.str(i, 7);
  p.processor_fee = r.int64(i, 8);
  p.platform_fee = r.int64(i, 9);
  p.artist_cents = r.int64(i, 10);
  p.refunded_cents = r.int64(i, 11);
  p.status = r.str(i, 12);
  p.message = r.opt_str(i, 13);
  p.payment_intent = r.opt_str(i, 14);
  p.created_at = r.str(i, 15);
  p.artist_name = r.str(i, 16);
  return p;
}

}  // namespace

awaitable<void> upsert_tier(db::Transaction& tx, const std::string& artist_id, const std::string& tier,
                            int64_t price_cents, const std::string& currency,
                            const std::vector<std::string>& perks) {
  co_await tx.exec(kUpsertTier, params(artist_id, tier, price_cents, currency, perks));
  co_return;
}

awaitable<int64_t> live_subscription_count(db::Transaction& tx, const std::string& artist_id) {
  const db::Result r = co_await tx.exec(kLiveCount, params(artist_id));
  co_return r.int64(0, 0);
}

awaitable<std::optional<std::string>> artist_name(db::Cluster& db, const std::string& artist_id) {
  const db::Result r = co_await db.read(kArtistName, params(artist_id));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::string> user_email(db::Cluster& db, const std::string& user_id) {
  const db::Result r = co_await db.read(kUserEmail, params(user_id));
  co_return r.empty() ? std::string() : r.str(0, 0);
}

awaitable<std::optional<std::string>> customer(db::Cluster& db, const std::string& user_id,
                                               const std::string& provider) {
  const db::Result r = co_await db.read(kCustomer, params(user_id, provider));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::string> save_customer(db::Cluster& db, const std::string& user_id, const std::string& provider,
                                     const std::string& customer_id) {
  auto tx = co_await db.begin();
  db::Result r = co_await tx.exec(kSaveCustomer, params(user_id, provider, customer_id));
  // A concurrent request saved its customer first, after this statement's snapshot: read it anew.
  if (r.empty()) r = co_await tx.exec(kCustomer, params(user_id, provider));
  co_await tx.commit();
  co_return r.str(0, 0);
}

awaitable<std::optional<std::string>> price(db::Cluster& db, const std::string& provider,
                                            const std::string& artist_id, const std::string& tier,
                                            int64_t price_cents, const std::string& currency) {
  const db::Result r = co_await db.read(kPrice, params(provider, artist_id, tier, price_cents, currency));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::string> save_price(db::Cluster& db, const std::string& provider, const std::string& artist_id,
                                  const std::string& tier, int64_t price_cents, const std::string& currency,
                                  const std::string& price_id) {
  auto tx = co_await db.begin();
  db::Result r =
      co_await tx.exec(kSavePrice, params(provider, artist_id, tier, price_cents, currency, price_id));
  // A concurrent request saved its price first, after this statement's snapshot: read it anew.
  if (r.empty()) r = co_await tx.exec(kPrice, params(provider, artist_id, tier, price_cents, currency));
  co_await tx.commit();
  co_return r.str(0, 0);
}

awaitable<std::optional<Subscription>> live_subscription(db::Transaction& tx, const std::string& fan_id,
                                                         const std::string& artist_id) {
  const db::Result r = co_await tx.exec(kLive, params(fan_id, artist_id));
  if (r.empty()) co_return std::nullopt;
  co_return sub_from(r, 0);
}

awaitable<void> abandon_incomplete(db::Transaction& tx, const std::string& subscription_id) {
  co_await tx.exec(kAbandon, params(subscription_id));
  co_return;
}

awaitable<bool> insert_subscription(db::Transaction& tx, const std::string& id, const std::string& fan_id,
                                    const std::string& artist_id, const std::string& tier,
                                    int64_t price_cents, const std::string& currency,
                                    const std::string& provider, const std::string& customer_id) {
  const db::Result r = co_await tx.exec(
      kInsertSubscription, params(id, fan_id, artist_id, tier, price_cents, currency, provider, customer_id));
  co_return r.affected() == 1;
}

awaitable<void> insert_checkout(db::Transaction& tx, const NewCheckout& c) {
  co_await tx.exec(kInsertCheckout,
                   params(c.id, c.kind, c.fan_id, c.artist_id, c.subscription_id, c.tier, c.amount_cents,
                          c.currency, c.message, c.provider, c.provider_session_id, c.url));
  co_return;
}

awaitable<std::optional<Subscription>> subscription(db::Cluster& db, const std::string& id,
                                                    std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kSubscription, params(id), token);
  if (r.empty()) co_return std::nullopt;
  co_return sub_from(r, 0);
}

awaitable<std::optional<Subscription>> lock_subscription(db::Transaction& tx,
                                                         const std::optional<std::string>& id,
                                                         const std::string& provider,
                                                         const std::optional<std::string>& provider_id) {
  const db::Result r = co_await tx.exec(kLockSubscription, params(id, provider, provider_id));
  if (r.empty()) co_return std::nullopt;
  co_return sub_from(r, 0);
}

awaitable<void> save_subscription(db::Transaction& tx, const Subscription& s) {
  co_await tx.exec(kSaveSubscription,
                   params(s.id, s.tier, s.status, s.price_cents, s.provider_subscription_id,
                          s.provider_customer_id, s.pending_tier, s.pending_price_cents, s.period_start,
                          s.period_end, s.cancel_at_period_end, s.failed_attempts));
  co_return;
}

awaitable<std::vector<Subscription>> fan_subscriptions(db::Cluster& db, const std::string& fan_id,
                                                       std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kFanSubscriptions, params(fan_id), token);
  std::vector<Subscription> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(sub_from(r, i));
  co_return out;
}

awaitable<std::pair<std::vector<Subscriber>, int64_t>> subscribers(db::Cluster& db,
                                                                   const std::string& artist_id,
                                                                   const std::optional<std::string>& tier,
                                                                   int page, int limit,
                                                                   std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(
      kSubscribers, params(artist_id, tier, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<Subscriber> out;
  int64_t total = 0;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(Subscriber{r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4), r.str(i, 5),
                             r.int64(i, 6), r.boolean(i, 7)});
    total = r.int64(i, 8);
  }
  co_return std::make_pair(std::move(out), total);
}

awaitable<std::vector<std::pair<std::string, int64_t>>> subscriber_counts(db::Cluster& db,
                                                                          const std::string& artist_id,
                                                                          std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kSubscriberCounts, params(artist_id), token);
  std::vector<std::pair<std::string, int64_t>> out;
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.str(i, 0), r.int64(i, 1));
  co_return out;
}

awaitable<std::optional<Checkout>> lock_checkout(db::Transaction& tx, const std::string& id) {
  const db::Result r = co_await tx.exec(kLockCheckout, params(id));
  if (r.empty()) co_return std::nullopt;
  Checkout c{r.str(0, 0),     r.str(0, 1),   r.str(0, 2), r.str(0, 3),     r.opt_str(0, 4),
             r.opt_str(0, 5), r.int64(0, 6), r.str(0, 7), r.opt_str(0, 8), r.str(0, 9)};
  co_return c;
}

awaitable<bool> set_checkout_status(db::Transaction& tx, const std::string& id, const std::string& status) {
  const db::Result r = co_await tx.exec(kCheckoutStatus, params(id, status));
  co_return r.affected() == 1;
}

awaitable<std::optional<std::string>> insert_payment(db::Transaction& tx, const NewPayment& p) {
  const db::Result r = co_await tx.exec(
      kInsertPayment, params(p.kind, p.fan_id, p.artist_id, p.subscription_id, p.tier, p.amount_cents,
                             p.currency, p.processor_fee, p.platform_fee, p.artist_cents, p.message,
                             p.provider, p.provider_ref, p.payment_intent, p.charge_id));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::optional<Payment>> lock_payment(db::Transaction& tx, const std::string& provider,
                                               const std::optional<std::string>& payment_intent,
                                               const std::optional<std::string>& charge_id) {
  const db::Result r = co_await tx.exec(kLockPayment, params(provider, payment_intent, charge_id));
  if (r.empty()) co_return std::nullopt;
  co_return payment_from(r, 0);
}

awaitable<std::optional<Payment>> payment(db::Cluster& db, const std::string& id,
                                          std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kPayment, params(id), token);
  if (r.empty()) co_return std::nullopt;
  co_return payment_from(r, 0);
}

awaitable<std::optional<Payment>> payment(db::Transaction& tx, const std::string& id) {
  const db::Result r = co_await tx.exec(kPayment, params(id));
  if (r.empty()) co_return std::nullopt;
  co_return payment_from(r, 0);
}

awaitable<void> set_payment_state(db::Transaction& tx, const std::string& id, const std::string& status,
                                  int64_t refunded_cents) {
  co_await tx.exec(kPaymentState, params(id, status, refunded_cents));
  co_return;
}

awaitable<std::pair<std::vector<Payment>, int64_t>> fan_payments(db::Cluster& db, const std::string& fan_id,
                                                                 int page, int limit,
                                                                 std::optional<db::Lsn> token) {
  const db::Result r =
      co_await db.read(kFanPayments, params(fan_id, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<Payment> out;
  int64_t total = 0;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(payment_from(r, i));
    total = r.int64(i, 17);
  }
  co_return std::make_pair(std::move(out), total);
}

awaitable<std::optional<PayoutAccount>> payout_account(db::Cluster& db, const std::string& artist_id,
                                                       const std::string& provider,
                                                       std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kPayoutAccount, params(artist_id, provider), token);
  if (r.empty()) co_return std::nullopt;
  co_return PayoutAccount{r.str(0, 0), r.boolean(0, 1), r.boolean(0, 2)};
}

awaitable<void> save_payout_account(db::Transaction& tx, const std::string& artist_id,
                                    const std::string& provider, const std::string& account_id,
                                    bool payouts_enabled) {
  co_await tx.exec(kSavePayoutAccount, params(artist_id, provider, account_id, payouts_enabled));
  co_return;
}

awaitable<bool> account_updated(db::Transaction& tx, const std::string& provider,
                                const std::string& account_id, const std::optional<std::string>& artist_id,
                                bool charges_enabled, bool payouts_enabled, bool details_submitted) {
  const db::Result r = co_await tx.exec(
      kAccountUpdatedById, params(provider, account_id, charges_enabled, payouts_enabled, details_submitted));
  if (r.affected() > 0) co_return true;
  if (!artist_id) co_return false;
  const db::Result ins = co_await tx.exec(
      kAccountUpdated,
      params(provider, artist_id, account_id, charges_enabled, payouts_enabled, details_submitted));
  co_return ins.affected() > 0;
}

awaitable<void> account_payout_status(db::Transaction& tx, const std::string& provider,
                                      const std::string& account_id, const std::string& status) {
  co_await tx.exec(kAccountPayoutStatus, params(provider, account_id, status));
  co_return;
}

}  // namespace mc::memberships::store
