#pragma once
#include "features/moderation/service.hpp"
#include "http/router.hpp"

namespace mc::moderation {

void register_routes(http::Router& router, ModerationService& service);

}  // namespace mc::moderation
