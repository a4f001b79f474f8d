#include "features/artists/images.hpp"

#include <boost/json.hpp>
#include <exception>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "features/artists/store.hpp"
#include "http/context.hpp"
#include "http/response.hpp"
#include "media/stored_image.hpp"

namespace mc::artists {
namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t kImageLimit = std::size_t{15} << 20;

}  // namespace

void ImageService::require_owner(const AccessClaims& who) const {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have profile images");
}

awaitable<db::Written<bj::object>> ImageService::set(db::Cluster& db, const AccessClaims& who,
                                                     media::ImageKind kind, std::filesystem::path file) {
  const media::ScratchUpload upload(std::move(file));
  require_owner(who);
  const bool banner = kind == media::ImageKind::banner;
  std::string label = banner ? "banner" : "avatar";
  const std::string prefix =
      co_await media::store_image(storage_, upload, kind, who.user_id, std::move(label));

  std::exception_ptr failed;
  std::optional<std::string> previous;
  db::Lsn lsn;
  try {
    auto tx = co_await db.begin();
    previous = co_await store::set_image(tx, who.user_id, banner, prefix);
    lsn = co_await tx.commit();
  } catch (...) {
    failed = std::current_exception();
  }
  // The new renditions when the profile was not changed; otherwise the replaced ones.
  std::string drop = failed ? prefix : previous.value_or("");
  co_await media::remove_images(storage_, std::move(drop));
  if (failed) std::rethrow_exception(failed);
  bj::object profile = co_await artists_.get(db, who.user_id, lsn);
  co_return db::Written<bj::object>{std::move(profile), lsn};
}

void register_image_routes(http::Router& router, ImageService& images) {
  http::RouteOptions options;
  options.spool_body = true;
  options.upload_rate_limited = true;
  options.body_limit = kImageLimit;
  options.admit = [&images](http::Context& ctx) -> awaitable<std::uint64_t> {
    images.require_owner(ctx.require_auth());
    co_return 0;
  };
  for (const auto kind : {media::ImageKind::avatar, media::ImageKind::banner}) {
    const std::string path =
        kind == media::ImageKind::avatar ? "/api/artists/profile/avatar" : "/api/artists/profile/banner";
    router.add(
        http::Verb::put, path,
        [&images, kind](http::Context& ctx) -> awaitable<http::Response> {
          const auto& who = ctx.require_auth();
          http::UploadSpool* spool = ctx.upload;
          if (!spool || !spool->has_file()) {
            throw ApiError(415, "unsupported_media_type",
                           "Send the image as the body or as a multipart `file` part");
          }
          if (auto refusal = spool->refusal()) throw *refusal;
          std::filesystem::path file = spool->take_file();
          const auto result = co_await images.set(ctx.db(), who, kind, std::move(file));
          co_return http::written(ctx, 200, result.value, result.lsn);
        },
        options);
  }
}

}  // namespace mc::artists
