#pragma once
#include "features/buying/service.hpp"
#include "http/router.hpp"

namespace mc::buying {

void register_routes(http::Router& router, BuyingService& service);

}  // namespace mc::buying
