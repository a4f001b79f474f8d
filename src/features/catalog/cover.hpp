#pragma once
#include "http/router.hpp"
#include "media/storage.hpp"

namespace mc::catalog {

// PUT /api/releases/{id}/cover: release cover art through the same libvips pipeline as profile
// images (media::render_image, artwork sizes 128–1024), stored under images/<artist>/cover-<random>/
// and served at /media/images/…; the previous cover's files are removed. Tracks without artwork of
// their own show their release's cover (docs/catalog.md).
void register_cover_routes(http::Router& router, media::Storage& storage);

}  // namespace mc::catalog
