#pragma once
#include "features/accounts/service.hpp"
#include "http/router.hpp"

namespace mc::accounts {

void register_routes(http::Router& router, AccountsService& service);

}  // namespace mc::accounts
