#pragma once
#include "http/router.hpp"

namespace mc::analytics {

// GET /api/artists/analytics and GET /api/artists/analytics/export (CSV): the caller's own figures.
void register_routes(http::Router& router);

}  // namespace mc::analytics
