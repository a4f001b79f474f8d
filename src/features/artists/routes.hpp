#pragma once
#include "features/artists/service.hpp"
#include "http/router.hpp"

namespace mc::artists {

void register_routes(http::Router& router, ArtistsService& service);

}  // namespace mc::artists
