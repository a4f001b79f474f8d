#pragma once
#include "features/flags/service.hpp"
#include "http/router.hpp"

namespace mc::flags {

void register_routes(http::Router& router, FlagService& service);

}  // namespace mc::flags
