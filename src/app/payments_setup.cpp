#include "app/payments_setup.hpp"

#include "features/memberships/handlers.hpp"
#include "payments/stripe.hpp"

namespace mc::app {

PaymentsStack make_payments(const Config& config, artists::ArtistsService& artists) {
  PaymentsStack s;
  const std::string provider = config.stripe_enabled() ? "stripe" : "sandbox";
  std::vector<std::string> secrets{config.stripe_webhook_secret};
  if (!config.stripe_webhook_previous_secret.empty())
    secrets.push_back(config.stripe_webhook_previous_secret);
  s.webhooks = std::make_unique<payments::WebhookPipeline>(provider, std::move(secrets));
  if (config.stripe_enabled()) {
    s.provider = std::make_unique<payments::StripeProvider>(config.stripe_api_base, config.stripe_secret_key);
  } else {
    auto sandbox = std::make_unique<payments::SandboxProvider>(*s.webhooks, config.public_url);
    s.sandbox = sandbox.get();
    s.provider = std::move(sandbox);  // never in production: load_config requires STRIPE_SECRET_KEY
  }
  memberships::register_event_handlers(*s.webhooks,
                                       memberships::HandlerOptions{provider, config.platform_fee_bps});
  s.memberships = std::make_unique<memberships::MembershipsService>(config, *s.provider, s.sandbox, artists);
  s.buying = std::make_unique<buying::BuyingService>(config, *s.provider, *s.memberships, artists);
  s.earnings = std::make_unique<earnings::EarningsService>(*s.provider, s.sandbox);
  s.earnings->register_event_handlers(*s.webhooks);
  return s;
}

}  // namespace mc::app
