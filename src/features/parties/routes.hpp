#pragma once
#include "features/parties/service.hpp"
#include "http/router.hpp"

namespace mc::parties {

void register_routes(http::Router& router, PartyService& service);

}  // namespace mc::parties
