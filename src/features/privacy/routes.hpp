#pragma once
#include "features/privacy/service.hpp"
#include "http/router.hpp"

namespace mc::privacy {

void register_routes(http::Router& router, PrivacyService& service);

}  // namespace mc::privacy
