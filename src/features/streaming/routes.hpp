#pragma once
#include "features/streaming/service.hpp"
#include "http/router.hpp"

namespace mc::streaming {

void register_routes(http::Router& router, StreamingService& service);

}  // namespace mc::streaming
