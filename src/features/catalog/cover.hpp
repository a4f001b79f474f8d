#pragma once
#include "http/router.hpp"
#include "media/storage.hpp"

namespace mc::catalog {

// PUT /api/releases/{id}/cover: release cover art through the same libvips pipeline as profile
// images (media::render_image, artwork sizes 128–1024), stored under images/<artist>/cover-<random>/
// and served at /media/images/…; the previous cover's files are removed. Tracks without artwork of
// their own show their release's cover (docs/catalog.md).
void register_cover_routes(http::Router& router, media::Storage& storage);

// DELETE /api/releases/{id} and /api/tracks/{id} (docs/catalog.md): an item nobody bought or played
// is destroyed and its media removed from storage; a release with purchases or plays is archived
// (unpublished, kept for its buyers); such a track is refused (409 track_has_history).
void register_delete_routes(http::Router& router, media::Storage& storage);

}  // namespace mc::catalog
