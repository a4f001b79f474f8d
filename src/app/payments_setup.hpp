#pragma once
#include <memory>

#include "core/config.hpp"
#include "features/artists/service.hpp"
#include "features/buying/service.hpp"
#include "features/earnings/service.hpp"
#include "features/memberships/service.hpp"
#include "payments/provider.hpp"
#include "payments/sandbox.hpp"
#include "payments/webhooks.hpp"

namespace mc::app {

// The payments side of the server: the webhook pipeline with every event handler, the provider
// (Stripe when STRIPE_SECRET_KEY is set, else the sandbox) and the services that use them.
struct PaymentsStack {
  std::unique_ptr<payments::WebhookPipeline> webhooks;
  std::unique_ptr<payments::Provider> provider;
  payments::SandboxProvider* sandbox = nullptr;  // the provider, when it is the sandbox
  std::unique_ptr<memberships::MembershipsService> memberships;
  std::unique_ptr<earnings::EarningsService> earnings;
  std::unique_ptr<buying::BuyingService> buying;
};

PaymentsStack make_payments(const Config& config, artists::ArtistsService& artists);

}  // namespace mc::app
