#pragma once
#include "features/admin/service.hpp"
#include "http/router.hpp"

namespace mc::admin {

void register_routes(http::Router& router, AdminService& service);

}  // namespace mc::admin
