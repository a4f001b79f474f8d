#pragma once
#include "features/earnings/service.hpp"
#include "http/router.hpp"

namespace mc::earnings {

void register_routes(http::Router& router, EarningsService& service);

}  // namespace mc::earnings
