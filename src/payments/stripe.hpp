#pragma once
#include <boost/json/object.hpp>
#include <string>
#include <utility>
#include <vector>

#include "payments/provider.hpp"

// Stripe over its REST API (libcurl, blocking, so every call goes through mc::offload): Customers,
// Prices per artist tier, Checkout Sessions, Subscriptions with proration, Connect Express accounts
// and onboarding links, Transfers and Refunds. Requests are form-encoded the way Stripe documents
// (nested keys in brackets: metadata[tier], line_items[0][price]); every POST carries an
// Idempotency-Key, so a retried call never charges or transfers twice.
namespace mc::payments {

// application/x-www-form-urlencoded with Stripe's bracket notation for nested keys.
class Form {
 public:
  Form& add(std::string key, std::string value);
  Form& add(std::string key, int64_t value) { return add(std::move(key), std::to_string(value)); }
  std::string encode() const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::string form_escape(std::string_view s);

// The blocking HTTP client. Throws ProviderError with Stripe's error object (type, code, message).
class StripeClient {
 public:
  StripeClient(std::string api_base, std::string secret_key);
  boost::json::object post(const std::string& path, const Form& form, const std::string& idempotency_key) const;
  boost::json::object get(const std::string& path) const;
  boost::json::object del(const std::string& path) const;

 private:
  boost::json::object call(const char* method, const std::string& path, const std::string& body,
                           const std::string& idempotency_key) const;
  std::string base_;
  std::string key_;
};

class StripeProvider : public Provider {
 public:
  StripeProvider(std::string api_base, std::string secret_key);

  std::string_view name() const override { return "stripe"; }
  awaitable<std::string> create_customer(db::Cluster& db, const std::string& user_id,
                                         const std::string& email) override;
  awaitable<std::string> create_price(db::Cluster& db, const PriceSpec& spec) override;
  awaitable<CheckoutSession> create_checkout(db::Cluster& db, const CheckoutRequest& r) override;
  awaitable<void> change_price(db::Cluster& db, const PriceChange& change) override;
  awaitable<void> set_cancel_at_period_end(db::Cluster& db, const std::string& provider_subscription_id,
                                           bool cancel) override;
  awaitable<void> cancel_now(db::Cluster& db, const std::string& provider_subscription_id) override;
  awaitable<void> refund(db::Cluster& db, const std::string& payment_intent, int64_t amount_cents,
                         const std::string& idempotency_key) override;
  awaitable<ConnectAccount> create_account(db::Cluster& db, const std::string& artist_id,
                                           const std::string& email) override;
  awaitable<std::string> onboarding_link(db::Cluster& db, const std::string& account_id,
                                         const std::string& refresh_url, const std::string& return_url) override;
  awaitable<std::string> transfer(db::Cluster& db, const TransferRequest& r) override;

 private:
  awaitable<boost::json::object> post(std::string path, Form form, std::string idempotency_key);
  StripeClient client_;
};

}  // namespace mc::payments
