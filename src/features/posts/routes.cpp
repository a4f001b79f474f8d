#include "features/posts/routes.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/uuid.hpp"
#include "features/catalog/comment_input.hpp"
#include "features/memberships/tiers.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::posts {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

constexpr std::size_t kImageLimit = std::size_t{15} << 20;

// Keyset lists: `cursor` (the previous page's nextCursor) and `limit` (1-100).
struct Keyset {
  std::optional<store::Cursor> after;
  int limit = 20;
};

Keyset keyset(const Context& ctx) {
  Keyset k;
  if (const auto raw = ctx.query_param("limit")) {
    int v = 0;
    const auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
    if (ec != std::errc() || p != raw->data() + raw->size() || v < 1 || v > 100) {
      throw ApiError(400, "invalid_query", "Query parameters are invalid",
                     {{"limit", "must be an integer from 1 to 100"}});
    }
    k.limit = v;
  }
  if (const auto raw = ctx.query_param("cursor"); raw && !raw->empty()) k.after = parse_cursor(*raw);
  return k;
}

std::vector<std::string> track_ids(const bj::object& obj, json::FieldReader& r) {
  r.accept("trackIds");
  std::vector<std::string> ids;
  const auto* v = obj.if_contains("trackIds");
  if (!v || v->is_null()) return ids;
  if (!v->is_array() || v->as_array().size() > 4) {
    r.fail("trackIds", "must be an array of at most 4 track ids");
    return ids;
  }
  for (const auto& e : v->as_array()) {
    if (!e.is_string() || !is_uuid(std::string(e.as_string()))) {
      r.fail("trackIds", "must be track ids (UUIDs)");
      return {};
    }
    ids.emplace_back(e.as_string());
  }
  return ids;
}

}  // namespace

void register_routes(http::Router& router, PostService& s) {
  router.add(Verb::post, "/api/posts", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    Draft d;
    d.title = r.required_string("title");
    d.body = r.required_string("body", json::Text::multi_line);
    d.visibility = r.required_string("visibility");
    const auto tier = r.optional_string("minTier");
    d.track_ids = track_ids(obj, r);
    d.publish_at = r.optional_timestamp("publishAt");
    if (!r.has_error("title") && (d.title.empty() || d.title.size() > 200))
      r.fail("title", "must be 1-200 characters");
    if (!r.has_error("body") && (d.body.empty() || d.body.size() > 20000))
      r.fail("body", "must be 1-20000 characters of Markdown");
    if (!r.has_error("visibility") && d.visibility != "public" && d.visibility != "followers" &&
        d.visibility != "min_tier") {
      r.fail("visibility", "must be public, followers or min_tier");
    }
    if (d.visibility == "min_tier") {
      if (!tier || (*tier != "supporter" && *tier != "superfan"))
        r.fail("minTier", "is required with visibility min_tier: supporter or superfan");
      else
        d.min_tier = *tier;
    } else if (tier && !r.has_error("minTier")) {
      r.fail("minTier", "is only for visibility min_tier");
    }
    r.finish();
    const auto result = co_await s.create(ctx.db(), who, d);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/posts", [&s](Context& ctx) -> awaitable<Response> {
    const auto viewer = ctx.optional_auth();  // a bad token is refused before the query is read
    const auto artist = ctx.query_param("artist");
    if (!artist || artist->empty() || artist->size() > 100) {
      throw ApiError(400, "invalid_query", "Query parameters are invalid",
                     {{"artist", "is required: the artist's id or slug"}});
    }
    const Keyset page = keyset(ctx);
    const bj::object body =
        co_await s.list(ctx.db(), viewer, *artist, page.after, page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::get, "/api/posts/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const bj::object body =
        co_await s.get(ctx.db(), ctx.optional_auth(), std::string(ctx.param("id")), ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::delete_, "/api/posts/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto lsn = co_await s.remove(ctx.db(), who, std::string(ctx.param("id")), audit::origin_of(ctx));
    co_return http::written_empty(ctx, lsn);
  });

  auto like = [&s](bool on) {
    return [&s, on](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      const auto result = co_await s.like(ctx.db(), who, std::string(ctx.param("id")), on);
      co_return http::written(ctx, 200, result.value, result.lsn);
    };
  };
  router.add(Verb::post, "/api/posts/{id:uuid}/like", like(true));
  router.add(Verb::delete_, "/api/posts/{id:uuid}/like", like(false));

  router.add(Verb::get, "/api/posts/{id:uuid}/comments", [&s](Context& ctx) -> awaitable<Response> {
    const auto viewer = ctx.optional_auth();
    const http::Page page = http::pagination(ctx);
    const bj::object body = co_await s.comments(ctx.db(), viewer, std::string(ctx.param("id")), page.page,
                                                page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::post, "/api/posts/{id:uuid}/comments", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const catalog::NewComment c = catalog::read_new_comment(ctx);
    const auto result =
        co_await s.add_comment(ctx.db(), who, std::string(ctx.param("id")), c.body, c.parent_id);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/feed", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const Keyset page = keyset(ctx);
    const bj::object body = co_await s.feed(ctx.db(), who, page.after, page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  http::RouteOptions options;
  options.spool_body = true;
  options.upload_rate_limited = true;
  options.body_limit = kImageLimit;
  options.admit = [&s](http::Context& ctx) -> awaitable<std::uint64_t> {
    s.require_artist(ctx.require_auth());
    co_return 0;
  };
  router.add(
      Verb::put, "/api/posts/{id:uuid}/image",
      [&s](Context& ctx) -> awaitable<Response> {
        const auto& who = ctx.require_auth();
        http::UploadSpool* spool = ctx.upload;
        if (!spool || !spool->has_file()) {
          throw ApiError(415, "unsupported_media_type",
                         "Send the image as the body or as a multipart `file` part");
        }
        if (auto refusal = spool->refusal()) throw *refusal;
        std::filesystem::path file = spool->take_file();
        const auto result =
            co_await s.set_image(ctx.db(), who, std::string(ctx.param("id")), std::move(file));
        co_return http::written(ctx, 200, result.value, result.lsn);
      },
      options);
}

}  // namespace mc::posts
