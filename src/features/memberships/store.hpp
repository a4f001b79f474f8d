#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The memberships feature's SQL: tier settings, subscriptions, checkouts, payments, payout accounts.
namespace mc::memberships::store {

using boost::asio::awaitable;

struct Subscription {
  std::string id;
  std::string fan_id;
  std::string artist_id;
  std::string tier;
  std::string status;
  int64_t price_cents = 0;
  std::string currency;
  std::string provider;
  std::optional<std::string> provider_subscription_id;
  std::optional<std::string> provider_customer_id;
  std::optional<std::string> pending_tier;
  std::optional<int64_t> pending_price_cents;
  int64_t period_start = 0;  // unix seconds (0: not started)
  int64_t period_end = 0;
  bool cancel_at_period_end = false;
  int failed_attempts = 0;
  int64_t created_at = 0;
  std::string artist_name;
  std::string artist_slug;
};

struct Checkout {
  std::string id;
  std::string kind;
  std::string fan_id;
  std::string artist_id;
  std::optional<std::string> subscription_id;
  std::optional<std::string> tier;
  int64_t amount_cents = 0;
  std::string currency;
  std::optional<std::string> message;
  std::string status;
};

struct NewCheckout {
  std::string id;
  std::string kind;
  std::string fan_id;
  std::string artist_id;
  std::optional<std::string> subscription_id;
  std::optional<std::string> tier;
  int64_t amount_cents = 0;
  std::string currency;
  std::optional<std::string> message;
  std::string provider;
  std::string provider_session_id;
  std::string url;
};

struct Payment {
  std::string id;
  std::string kind;
  std::optional<std::string> fan_id;
  std::optional<std::string> artist_id;
  std::optional<std::string> subscription_id;
  std::optional<std::string> tier;
  int64_t amount_cents = 0;
  std::string currency;
  int64_t processor_fee = 0;
  int64_t platform_fee = 0;
  int64_t artist_cents = 0;
  int64_t refunded_cents = 0;
  std::string status;
  std::optional<std::string> message;
  std::optional<std::string> payment_intent;
  std::string created_at;
  std::string artist_name;
};

struct NewPayment {
  std::string kind;
  std::string fan_id;
  std::string artist_id;
  std::optional<std::string> subscription_id;
  std::optional<std::string> tier;
  int64_t amount_cents = 0;
  std::string currency;
  int64_t processor_fee = 0;
  int64_t platform_fee = 0;
  int64_t artist_cents = 0;
  std::optional<std::string> message;
  std::string provider;
  std::string provider_ref;
  std::optional<std::string> payment_intent;
  std::optional<std::string> charge_id;
};

struct Subscriber {
  std::string subscription_id;
  std::string fan_id;
  std::string username;
  std::string tier;
  std::string status;
  std::string since;
  int64_t period_end = 0;
  bool cancel_at_period_end = false;
};

struct PayoutAccount {
  std::string account_id;
  bool payouts_enabled = false;
  bool details_submitted = false;
};

// Tier settings
awaitable<void> upsert_tier(db::Transaction& tx, const std::string& artist_id, const std::string& tier,
                            int64_t price_cents, const std::string& currency,
                            const std::vector<std::string>& perks);
awaitable<int64_t> live_subscription_count(db::Transaction& tx, const std::string& artist_id);
awaitable<std::optional<std::string>> artist_name(db::Cluster& db, const std::string& artist_id);
awaitable<std::string> user_email(db::Cluster& db, const std::string& user_id);

// Provider objects we reuse
awaitable<std::optional<std::string>> customer(db::Cluster& db, const std::string& user_id,
                                               const std::string& provider);
awaitable<std::string> save_customer(db::Cluster& db, const std::string& user_id, const std::string& provider,
                                     const std::string& customer_id);
awaitable<std::optional<std::string>> price(db::Cluster& db, const std::string& provider,
                                            const std::string& artist_id, const std::string& tier,
                                            int64_t price_cents, const std::string& currency);
awaitable<std::string> save_price(db::Cluster& db, const std::string& provider, const std::string& artist_id,
                                  const std::string& tier, int64_t price_cents, const std::string& currency,
                                  const std::string& price_id);

// Subscriptions
awaitable<std::optional<Subscription>> live_subscription(db::Transaction& tx, const std::string& fan_id,
                                                         const std::string& artist_id);
awaitable<void> abandon_incomplete(db::Transaction& tx, const std::string& subscription_id);
// false when the fan already has a live subscription to the artist (a concurrent create won).
awaitable<bool> insert_subscription(db::Transaction& tx, const std::string& id, const std::string& fan_id,
                                    const std::string& artist_id, const std::string& tier,
                                    int64_t price_cents, const std::string& currency,
                                    const std::string& provider, const std::string& customer_id);
awaitable<void> insert_checkout(db::Transaction& tx, const NewCheckout& c);
awaitable<std::optional<Subscription>> subscription(db::Cluster& db, const std::string& id,
                                                    std::optional<db::Lsn> token);
// For webhook handlers: by our id or the provider's, locked for the rest of the transaction.
awaitable<std::optional<Subscription>> lock_subscription(db::Transaction& tx,
                                                         const std::optional<std::string>& id,
                                                         const std::string& provider,
                                                         const std::optional<std::string>& provider_id);
awaitable<void> save_subscription(db::Transaction& tx, const Subscription& s);
awaitable<std::vector<Subscription>> fan_subscriptions(db::Cluster& db, const std::string& fan_id,
                                                       std::optional<db::Lsn> token);
awaitable<std::pair<std::vector<Subscriber>, int64_t>> subscribers(db::Cluster& db,
                                                                   const std::string& artist_id,
                                                                   const std::optional<std::string>& tier,
                                                                   int page, int limit,
                                                                   std::optional<db::Lsn> token);
awaitable<std::vector<std::pair<std::string, int64_t>>> subscriber_counts(db::Cluster& db,
                                                                          const std::string& artist_id,
                                                                          std::optional<db::Lsn> token);

// Checkouts
awaitable<std::optional<Checkout>> lock_checkout(db::Transaction& tx, const std::string& id);
awaitable<bool> set_checkout_status(db::Transaction& tx, const std::string& id, const std::string& status);

// Payments
awaitable<std::optional<std::string>> insert_payment(db::Transaction& tx, const NewPayment& p);
awaitable<std::optional<Payment>> lock_payment(db::Transaction& tx, const std::string& provider,
                                               const std::optional<std::string>& payment_intent,
                                               const std::optional<std::string>& charge_id);
awaitable<std::optional<Payment>> payment(db::Cluster& db, const std::string& id,
                                          std::optional<db::Lsn> token);
awaitable<std::optional<Payment>> payment(db::Transaction& tx, const std::string& id);
awaitable<void> set_payment_state(db::Transaction& tx, const std::string& id, const std::string& status,
                                  int64_t refunded_cents);
awaitable<std::pair<std::vector<Payment>, int64_t>> fan_payments(db::Cluster& db, const std::string& fan_id,
                                                                 int page, int limit,
                                                                 std::optional<db::Lsn> token);

// Payout accounts
awaitable<std::optional<PayoutAccount>> payout_account(db::Cluster& db, const std::string& artist_id,
                                                       const std::string& provider,
                                                       std::optional<db::Lsn> token);
awaitable<void> save_payout_account(db::Transaction& tx, const std::string& artist_id,
                                    const std::string& provider, const std::string& account_id,
                                    bool payouts_enabled);
awaitable<bool> account_updated(db::Transaction& tx, const std::string& provider,
                                const std::string& account_id, const std::optional<std::string>& artist_id,
                                bool charges_enabled, bool payouts_enabled, bool details_submitted);
awaitable<void> account_payout_status(db::Transaction& tx, const std::string& provider,
                                      const std::string& account_id, const std::string& status);

}  // namespace mc::memberships::store
