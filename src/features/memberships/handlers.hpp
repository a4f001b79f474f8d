#pragma once
#include <string>

#include "payments/webhooks.hpp"

namespace mc::memberships {

struct HandlerOptions {
  std::string provider;  // stripe | sandbox: whose ids the events carry
  int platform_fee_bps = 1000;
};

// The subscription and payment state machine, driven only by provider events: checkouts,
// subscription changes, invoices paid and failed, refunds, disputes and payout accounts.
void register_event_handlers(payments::WebhookPipeline& pipeline, HandlerOptions options);

}  // namespace mc::memberships
