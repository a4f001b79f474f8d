#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <filesystem>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "db/lsn.hpp"
#include "features/artists/service.hpp"
#include "http/router.hpp"
#include "media/images.hpp"
#include "media/storage.hpp"

namespace mc::artists {

// Avatars and banners: an uploaded picture becomes the standard sizes (media::render_profile_image),
// stored under images/<artist>/<kind>-<random>/<width>.jpg and served publicly at /media/images/….
class ImageService {
 public:
  ImageService(ArtistsService& artists, media::Storage& storage) : artists_(artists), storage_(storage) {}

  // Only artists have profile images (403 forbidden); checked on the upload's headers and again in set().
  void require_owner(const AccessClaims& who) const;

  boost::asio::awaitable<db::Written<boost::json::object>> set(db::Cluster& db, const AccessClaims& who,
                                                               media::ImageKind kind,
                                                               std::filesystem::path file);

 private:
  ArtistsService& artists_;
  media::Storage& storage_;
};

// PUT /api/artists/profile/avatar and /banner (the image as multipart `file` or as the raw body).
void register_image_routes(http::Router& router, ImageService& images);

}  // namespace mc::artists
