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
#include "media/errors.hpp"

namespace mc::artists {
namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

constexpr std::size_t kImageLimit = std::size_t{15} << 20;

struct Scratch {
  std::filesystem::path upload, dir;
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove(upload, ec);
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

void ImageService::require_owner(const AccessClaims& who) const {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have profile images");
}

awaitable<db::Written<bj::object>> ImageService::set(db::Cluster& db, const AccessClaims& who,
                                                     media::ImageKind kind, std::filesystem::path file) {
  Scratch scratch{file, file.string() + ".renditions"};
  require_owner(who);
  const bool banner = kind == media::ImageKind::banner;
  const std::string prefix =
      "images/" + who.user_id + "/" + (banner ? "banner-" : "avatar-") + fast_random_hex(8) + "/";
  std::optional<ApiError> refused;
  auto render = [this, file, kind, dir = scratch.dir, prefix] {
    const auto renditions = media::render_profile_image(file, kind, dir);
    for (const auto& r : renditions) {
      storage_.put_file(prefix + r.file.filename().string(), r.file, "image/jpeg",
                        "public, max-age=31536000, immutable");
    }
  };
  try {
    co_await offload(std::move(render));
  } catch (const media::InvalidMedia& e) {
    refused = ApiError(e.code() == "unsupported_image" ? 415 : 422, e.code(), e.what());
  }
  if (refused) throw *refused;

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
  const std::string drop = failed ? prefix : previous.value_or("");
  if (!drop.empty()) {
    auto remove = [this, drop] {
      try {
        storage_.remove_prefix(drop);
      } catch (const std::exception& e) {
        log::warn("could not remove replaced images", {{"prefix", drop}, {"error", e.what()}});
      }
    };
    co_await offload(std::move(remove));
  }
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
          if (!spool->error().empty()) throw ApiError(400, "malformed_multipart", spool->error());
          std::filesystem::path file = spool->take_file();
          const auto result = co_await images.set(ctx.db(), who, kind, std::move(file));
          co_return http::written(ctx, 200, result.value, result.lsn);
        },
        options);
  }
}

}  // namespace mc::artists
