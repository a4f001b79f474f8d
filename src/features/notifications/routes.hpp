#pragma once
#include "features/notifications/service.hpp"
#include "http/router.hpp"

namespace mc::notifications {

void register_routes(http::Router& router, NotificationService& service);

}  // namespace mc::notifications
