#include "features/artists/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "features/artists/genres.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::artists {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

std::optional<std::vector<std::string>> optional_string_list(const bj::object& obj, std::string_view name,
                                                             json::FieldReader& r) {
  const auto* v = obj.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  std::vector<std::string> out;
  if (!v->is_array()) {
    r.fail(name, "must be an array of strings");
    return std::nullopt;
  }
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) {
      r.fail(name, "must be an array of strings");
      return std::nullopt;
    }
    out.emplace_back(e.as_string());
  }
  return out;
}

// links: [{label, url}] with http(s) URLs only (they become anchors on the public page).
std::optional<std::string> optional_links(const bj::object& obj, json::FieldReader& r) {
  const auto* v = obj.if_contains("links");
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array() || v->as_array().size() > 10) {
    r.fail("links", "must be an array of at most 10 {label, url} objects");
    return std::nullopt;
  }
  bj::array clean;
  for (const auto& e : v->as_array()) {
    const auto* o = e.if_object();
    const auto* label = o ? o->if_contains("label") : nullptr;
    const auto* url = o ? o->if_contains("url") : nullptr;
    if (!o || o->size() != 2 || !label || !label->is_string() || !url || !url->is_string() ||
        label->as_string().size() > 50 || url->as_string().size() > 500 ||
        !(url->as_string().starts_with("https://") || url->as_string().starts_with("http://"))) {
      r.fail("links", "each link is {label (≤ 50 chars), url (http or https, ≤ 500 chars)}");
      return std::nullopt;
    }
    clean.push_back(bj::object{{"label", label->as_string()}, {"url", url->as_string()}});
  }
  return mc::json::serialize(clean);
}

}  // namespace

void register_routes(http::Router& router, ArtistsService& s) {
  router.add(Verb::get, "/api/artists", [&s](Context& ctx) -> awaitable<Response> {
    const http::Page page = http::pagination(ctx);
    store::ListQuery q{page.page, page.limit, ctx.query_param("genre"), ctx.query_param("search")};
    if (q.genre && !is_genre(*q.genre)) {
      throw ApiError(400, "invalid_query", "Query parameters are invalid",
                     {{"genre", "is not a known genre"}});
    }
    if (q.search && (q.search->empty() || q.search->size() > 100)) {
      throw ApiError(400, "invalid_query", "Query parameters are invalid",
                     {{"search", "must be 1-100 characters"}});
    }
    const bj::object body = co_await s.list(ctx.db(), q);
    co_return http::json_response(200, body);
  });

  router.add(Verb::put, "/api/artists/profile", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    store::ProfileUpdate u;
    u.stage_name = r.optional_string("stageName");
    u.bio = r.optional_string("bio", json::Text::multi_line);
    r.accept("genres");
    u.genres = optional_string_list(obj, "genres", r);
    u.city = r.optional_string("locationCity");
    u.country = r.optional_string("locationCountry");
    r.accept("links");
    u.links_json = optional_links(obj, r);
    ArtistsService::check_update(u, r);
    r.finish();
    const auto result = co_await s.update_profile(ctx.db(), who, u);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/artists/{id}", [&s](Context& ctx) -> awaitable<Response> {
    const bj::object body = co_await s.get(ctx.db(), std::string(ctx.param("id")), ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  auto follow = [&s](bool on) {
    return [&s, on](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      const auto result = co_await s.follow(ctx.db(), who, std::string(ctx.param("id")), on);
      co_return http::written(ctx, 200, bj::object{{"following", result.value}}, result.lsn);
    };
  };
  router.add(Verb::get, "/api/artists/{id}/follow", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const bool following =
        co_await s.is_following(ctx.db(), who, std::string(ctx.param("id")), ctx.consistency_in);
    co_return http::json_response(200, bj::object{{"following", following}});
  });
  router.add(Verb::post, "/api/artists/{id}/follow", follow(true));
  router.add(Verb::delete_, "/api/artists/{id}/follow", follow(false));

  router.add(Verb::get, "/api/artists/{id}/followers", [&s](Context& ctx) -> awaitable<Response> {
    const http::Page page = http::pagination(ctx);
    const bj::object body = co_await s.followers(ctx.db(), std::string(ctx.param("id")), page.page,
                                                 page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::get, "/api/me/following", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const http::Page page = http::pagination(ctx);
    const bj::object body = co_await s.following(ctx.db(), who, page.page, page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::get, "/api/artists/{id}/fans-also-follow", [&s](Context& ctx) -> awaitable<Response> {
    const bj::object body = co_await s.fans_also_follow(ctx.db(), std::string(ctx.param("id")));
    co_return http::json_response(200, body);
  });
}

}  // namespace mc::artists
