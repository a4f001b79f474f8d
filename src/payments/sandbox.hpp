#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "payments/provider.hpp"
#include "payments/webhooks.hpp"

// The offline payment processor (the default when STRIPE_SECRET_KEY is unset). It keeps
// Stripe-shaped objects (checkout sessions, subscriptions, invoices, charges, disputes, accounts,
// transfers) in `sandbox_objects`, serves a hosted checkout page with Pay and Decline, simulates
// renewals, failed payments, recovery, period ends, disputes and reversed transfers, and reports
// every change as a signed Stripe-shaped event through the same webhook pipeline as Stripe.
namespace mc::payments {

class SandboxProvider : public Provider {
 public:
  SandboxProvider(WebhookPipeline& pipeline, std::string public_url);

  std::string_view name() const override { return "sandbox"; }
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
                                         const std::string& refresh_url,
                                         const std::string& return_url) override;
  awaitable<std::string> transfer(db::Cluster& db, const TransferRequest& r) override;

  // The hosted checkout page's view of a session, and its buttons: only for the checkout's own fan
  // (anyone else: ApiError 404, as for an unknown session); 409 when it is not open any more.
  awaitable<boost::json::object> checkout_session(db::Cluster& db, const std::string& id,
                                                  const std::string& fan_id);
  awaitable<boost::json::object> pay(db::Cluster& db, const std::string& session_id,
                                     const std::string& fan_id);
  awaitable<boost::json::object> decline(db::Cluster& db, const std::string& session_id,
                                         const std::string& fan_id);
  // What a processor does over time: renewal | payment_failure | recovery | period_end.
  awaitable<boost::json::object> simulate_subscription(db::Cluster& db,
                                                       const std::string& provider_subscription_id,
                                                       const std::string& action);
  // dispute_created | dispute_won | dispute_lost on the charge of a payment intent.
  awaitable<boost::json::object> simulate_dispute(db::Cluster& db, const std::string& payment_intent,
                                                  const std::string& action);
  // The transfer of a payout is reversed (the money comes back to the platform).
  awaitable<void> reverse_transfer(db::Cluster& db, const std::string& transfer_id);

 private:
  awaitable<void> emit(db::Cluster& db, const std::string& type, const boost::json::object& object,
                       const std::optional<std::string>& account = std::nullopt);

  WebhookPipeline& pipeline_;
  std::string public_url_;
};

}  // namespace mc::payments
