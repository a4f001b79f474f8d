#pragma once
#include "features/catalog/service.hpp"
#include "http/router.hpp"

namespace mc::catalog {

void register_routes(http::Router& router, CatalogService& service);

}  // namespace mc::catalog
