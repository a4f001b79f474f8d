#pragma once
#include "features/messaging/service.hpp"
#include "http/router.hpp"

namespace mc::messaging {

void register_routes(http::Router& router, MessagingService& service);

}  // namespace mc::messaging
