#pragma once
#include "features/memberships/service.hpp"
#include "http/router.hpp"
#include "payments/webhooks.hpp"

namespace mc::memberships {

void register_routes(http::Router& router, MembershipsService& service, payments::WebhookPipeline& webhooks);

// Reads an integer number of cents: a JSON integer within [min, max] (no fractions, strings or
// floats); failures go into the reader. Shared with the earnings routes.
std::optional<int64_t> optional_cents(const boost::json::object& obj, std::string_view name, json::FieldReader& r,
                                      int64_t min, int64_t max);

}  // namespace mc::memberships
