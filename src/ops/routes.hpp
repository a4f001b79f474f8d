#pragma once
#include <atomic>

#include "core/config.hpp"
#include "http/router.hpp"

namespace mc::ops {

// /health (liveness), /ready (writer reachable, schema current, not draining), /metrics,
// /api/openapi.json, and in development the mail sink at /api/dev/mail.
void register_routes(http::Router& router, const Config& config, const std::atomic<bool>& draining);

}  // namespace mc::ops
