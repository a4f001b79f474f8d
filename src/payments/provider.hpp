#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "db/cluster.hpp"

// The one interface in front of a payment processor. Two implementations: Stripe (over its REST
// API) and the offline sandbox. Whatever they do, state changes reach us only as Stripe-shaped
// events through the webhook pipeline (payments/webhooks.hpp), so both drive the same state machine.
namespace mc::payments {

using boost::asio::awaitable;

// The processor refused or could not be reached. `retryable`: a later attempt may succeed.
class ProviderError : public std::runtime_error {
 public:
  ProviderError(const std::string& message, int http_status = 0, std::string code = {},
                bool retryable = false)
      : std::runtime_error(message),
        http_status_(http_status),
        code_(std::move(code)),
        retryable_(retryable) {}
  int http_status() const { return http_status_; }
  const std::string& code() const { return code_; }
  bool retryable() const { return retryable_; }

 private:
  int http_status_;
  std::string code_;
  bool retryable_;
};

// What the API answers when the processor refused (422: our request was wrong for it) or could not
// be reached (502), with its own words in the details.
ApiError api_error_of(const ProviderError& e);

struct PriceSpec {
  std::string artist_id;
  std::string artist_name;
  std::string tier;
  int64_t price_cents = 0;
  std::string currency;  // ISO, upper case
};

struct CheckoutRequest {
  std::string checkout_id;  // ours
  std::string mode;         // subscription | payment
  std::string fan_id;
  std::string artist_id;
  std::string customer_id;  // the provider's customer
  // subscription mode
  std::string subscription_id;  // ours
  std::string tier;
  std::string price_id;
  // payment mode (tips)
  int64_t amount_cents = 0;
  std::string currency;
  std::string description;
  std::string success_url;
  std::string cancel_url;
};

struct CheckoutSession {
  std::string id;
  std::string url;
  std::optional<std::string> client_secret;
};

struct PriceChange {
  std::string provider_subscription_id;
  std::string subscription_id;  // ours
  std::string price_id;
  std::string tier;
  bool prorate_now = false;  // upgrade: charge the difference now; downgrade: from the next period
};

struct ConnectAccount {
  std::string id;
  bool payouts_enabled = false;
};

struct TransferRequest {
  std::string payout_id;  // ours; also the idempotency key
  std::string account_id;
  std::string artist_id;
  int64_t amount_cents = 0;
  std::string currency;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string_view name() const = 0;

  virtual awaitable<std::string> create_customer(db::Cluster& db, const std::string& user_id,
                                                 const std::string& email) = 0;
  virtual awaitable<std::string> create_price(db::Cluster& db, const PriceSpec& spec) = 0;
  virtual awaitable<CheckoutSession> create_checkout(db::Cluster& db, const CheckoutRequest& r) = 0;
  virtual awaitable<void> change_price(db::Cluster& db, const PriceChange& change) = 0;
  virtual awaitable<void> set_cancel_at_period_end(db::Cluster& db,
                                                   const std::string& provider_subscription_id,
                                                   bool cancel) = 0;
  // Ends a subscription now (after a refund took its money back).
  virtual awaitable<void> cancel_now(db::Cluster& db, const std::string& provider_subscription_id) = 0;
  // Refunds (part of) a payment, identified by its payment intent.
  virtual awaitable<void> refund(db::Cluster& db, const std::string& payment_intent, int64_t amount_cents,
                                 const std::string& idempotency_key) = 0;

  virtual awaitable<ConnectAccount> create_account(db::Cluster& db, const std::string& artist_id,
                                                   const std::string& email) = 0;
  virtual awaitable<std::string> onboarding_link(db::Cluster& db, const std::string& account_id,
                                                 const std::string& refresh_url,
                                                 const std::string& return_url) = 0;
  // Moves money to the artist's account; returns the transfer id. Throws ProviderError.
  virtual awaitable<std::string> transfer(db::Cluster& db, const TransferRequest& r) = 0;
};

}  // namespace mc::payments
