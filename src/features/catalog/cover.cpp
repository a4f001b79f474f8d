#include "features/catalog/cover.hpp"

#include <boost/json.hpp>
#include <exception>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "db/transaction.hpp"
#include "events/outbox.hpp"
#include "features/catalog/store.hpp"
#include "http/context.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"
#include "media/errors.hpp"
#include "media/images.hpp"
#include "media/stored_image.hpp"

namespace mc::catalog {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;

constexpr std::size_t kCoverLimit = std::size_t{15} << 20;

void require_artist(const AccessClaims& who) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have releases");
}

awaitable<db::Written<bj::object>> set_cover(db::Cluster& db, media::Storage& storage,
                                             const AccessClaims& who, std::string release_id,
                                             std::filesystem::path file) {
  const media::ScratchUpload upload(std::move(file));
  require_artist(who);
  {
    // Refuse someone else's release before any rendering work.
    auto tx = co_await db.begin();
    const auto owner = co_await store::release_owner(tx, release_id);
    if (!owner || *owner != who.user_id) throw ApiError::not_found("No such release of yours");
  }
  std::string label = "cover";
  const std::string prefix =
      co_await media::store_image(storage, upload, media::ImageKind::artwork, who.user_id, std::move(label));

  std::exception_ptr failed;
  std::optional<std::optional<std::string>> previous;
  db::Lsn lsn;
  try {
    auto tx = co_await db.begin();
    previous = co_await store::set_cover(tx, release_id, who.user_id, prefix);
    if (previous) {
      const bj::object event{{"releaseId", release_id}, {"artistId", who.user_id}};
      co_await events::append(tx, "release.cover_changed", release_id, event);
      lsn = co_await tx.commit();
    }
  } catch (...) {
    failed = std::current_exception();
  }
  // The new files when the release was not changed; otherwise the replaced cover's.
  std::string drop = prefix;
  if (!failed && previous) drop = previous->value_or("");
  if (!drop.starts_with("images/")) drop.clear();  // only covers this code stored
  co_await media::remove_images(storage, std::move(drop));
  if (failed) std::rethrow_exception(failed);
  if (!previous) throw ApiError::not_found("No such release of yours");
  bj::object out{{"id", release_id},
                 {"coverKey", prefix},
                 {"cover", media::image_urls(prefix, media::ImageKind::artwork)}};
  co_return db::Written<bj::object>{std::move(out), lsn};
}

// Removes what a committed deletion left in storage; failures are logged (the rows are gone).
awaitable<void> remove_media(media::Storage& storage, store::Removal removal) {
  media::Storage* st = &storage;
  auto remove = [st, removal] {
    for (const auto& key : removal.keys) {
      try {
        st->remove(key);
      } catch (const std::exception& e) {
        log::warn("could not remove a deleted track's original", {{"key", key}, {"error", e.what()}});
      }
    }
    for (const auto& prefix : removal.prefixes) {
      try {
        st->remove_prefix(prefix);
      } catch (const std::exception& e) {
        log::warn("could not remove deleted media", {{"prefix", prefix}, {"error", e.what()}});
      }
    }
  };
  co_await offload(std::move(remove));
  co_return;
}

awaitable<db::Written<bj::object>> delete_item(db::Cluster& db, media::Storage& storage,
                                               const AccessClaims& who, std::string type, std::string id) {
  require_artist(who);
  auto tx = co_await db.begin();
  store::Removal removal;
  if (type == "release") {
    removal = co_await store::delete_release(tx, id, who.user_id);
  } else {
    removal = co_await store::delete_track(tx, id, who.user_id);
  }
  if (!removal.found) throw ApiError::not_found("No such " + type + " of yours");
  if (removal.archived && type == "track") {
    throw ApiError(
        409, "track_has_history",
        "This track was bought or played, so it cannot be deleted; unpublish its release, or delete the "
        "release to archive it",
        {{"trackId", id}});
  }
  const bj::object event{
      {"itemType", type}, {"itemId", id}, {"artistId", who.user_id}, {"archived", removal.archived}};
  const std::string topic = removal.archived ? "release.archived" : type + ".deleted";
  co_await events::append(tx, topic, id, event);
  const db::Lsn lsn = co_await tx.commit();
  if (!removal.archived) co_await remove_media(storage, removal);
  bj::object out{{"id", id}, {"deleted", !removal.archived}, {"archived", removal.archived}};
  co_return db::Written<bj::object>{std::move(out), lsn};
}

}  // namespace

void register_delete_routes(http::Router& router, media::Storage& storage) {
  for (const std::string type : {"release", "track"}) {
    router.add(http::Verb::delete_, "/api/" + type + "s/{id:uuid}",
               [&storage, type](http::Context& ctx) -> awaitable<http::Response> {
                 const auto& who = ctx.require_auth();
                 http::no_body(ctx);
                 std::string id(ctx.param("id"));
                 const auto result = co_await delete_item(ctx.db(), storage, who, type, std::move(id));
                 co_return http::written(ctx, 200, result.value, result.lsn);
               });
  }
}

void register_cover_routes(http::Router& router, media::Storage& storage) {
  http::RouteOptions options;
  options.spool_body = true;
  options.upload_rate_limited = true;
  options.body_limit = kCoverLimit;
  options.admit = [](http::Context& ctx) -> awaitable<std::uint64_t> {
    require_artist(ctx.require_auth());
    co_return 0;
  };
  router.add(
      http::Verb::put, "/api/releases/{id:uuid}/cover",
      [&storage](http::Context& ctx) -> awaitable<http::Response> {
        const auto& who = ctx.require_auth();
        http::UploadSpool* spool = ctx.upload;
        if (!spool || !spool->has_file()) {
          throw ApiError(415, "unsupported_media_type",
                         "Send the image as the body or as a multipart `file` part");
        }
        if (auto refusal = spool->refusal()) throw *refusal;
        std::filesystem::path file = spool->take_file();
        std::string id(ctx.param("id"));
        const auto result = co_await set_cover(ctx.db(), storage, who, std::move(id), std::move(file));
        co_return http::written(ctx, 200, result.value, result.lsn);
      },
      options);
}

}  // namespace mc::catalog
