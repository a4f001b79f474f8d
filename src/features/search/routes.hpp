#pragma once
#include "features/search/service.hpp"
#include "http/router.hpp"

namespace mc::search {

// GET /api/search (docs/search.md).
void register_routes(http::Router& router, SearchService& s);

}  // namespace mc::search
