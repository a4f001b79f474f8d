#include "features/catalog/routes.hpp"

#include <boost/json.hpp>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/uuid.hpp"
#include "features/artists/genres.hpp"
#include "features/catalog/comment_input.hpp"
#include "features/memberships/tiers.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::catalog {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

void check_title(json::FieldReader& r, std::string_view field, const std::optional<std::string>& title) {
  if (title && !r.has_error(field) && (title->empty() || title->size() > 200))
    r.fail(field, "must be 1-200 characters");
}

void check_tier(json::FieldReader& r, const std::optional<std::string>& tier) {
  if (tier && !r.has_error("minTier") && !memberships::parse_tier(*tier)) {
    r.fail("minTier", "must be free, supporter or superfan");
  }
}

// Release credits: at most 50 of {"role": 1-100 characters, "name": 1-200 characters}, as JSON text.
std::optional<std::string> credits(const bj::object& obj, json::FieldReader& r) {
  r.accept("credits");
  const auto* v = obj.if_contains("credits");
  if (!v || v->is_null()) return std::nullopt;
  const std::string rule =
      "must be a list of at most 50 credits, each {\"role\": 1-100 characters, \"name\": 1-200 characters}";
  if (!v->is_array() || v->as_array().size() > 50) {
    r.fail("credits", rule);
    return std::nullopt;
  }
  bj::array out;
  for (const auto& c : v->as_array()) {
    const auto* o = c.if_object();
    const auto* role = o ? o->if_contains("role") : nullptr;
    const auto* name = o ? o->if_contains("name") : nullptr;
    const bool ok = o && o->size() == 2 && role && role->is_string() && name && name->is_string() &&
                    !role->as_string().empty() && role->as_string().size() <= 100 &&
                    !name->as_string().empty() && name->as_string().size() <= 200;
    bool control = false;
    if (ok) {
      for (const auto* s : {&role->as_string(), &name->as_string()}) {
        for (const char ch : *s) control = control || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
      }
    }
    if (!ok || control) {
      r.fail("credits", rule);
      return std::nullopt;
    }
    out.push_back(bj::object{{"role", role->as_string()}, {"name", name->as_string()}});
  }
  return bj::serialize(out);
}

std::optional<bool> optional_bool(const bj::object& obj, std::string_view name, json::FieldReader& r) {
  r.accept(name);
  const auto* v = obj.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_bool()) {
    r.fail(name, "must be true or false");
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<std::vector<std::string>> optional_tags(const bj::object& obj, json::FieldReader& r) {
  r.accept("tags");
  const auto* v = obj.if_contains("tags");
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array() || v->as_array().size() > 10) {
    r.fail("tags", "must be an array of at most 10 strings");
    return std::nullopt;
  }
  std::vector<std::string> tags;
  for (const auto& e : v->as_array()) {
    if (!e.is_string() || e.as_string().empty() || e.as_string().size() > 30) {
      r.fail("tags", "each tag is 1-30 characters");
      return std::nullopt;
    }
    tags.emplace_back(e.as_string());
  }
  return tags;
}

}  // namespace

void register_routes(http::Router& router, CatalogService& s) {
  router.add(Verb::get, "/api/discovery", [&s](Context& ctx) -> awaitable<Response> {
    const std::string type = ctx.query_param("type").value_or("trending");
    if (type != "new" && type != "trending" && type != "recommended") {
      bj::object details{{"type", "must be new, trending or recommended"}};
      throw ApiError::validation(std::move(details));
    }
    const http::Page page = http::pagination(ctx, 20);
    if (page.limit > 50) {
      bj::object details{{"limit", "must be at most 50"}};
      throw ApiError::validation(std::move(details));
    }
    const auto body = co_await s.discovery(ctx.db(), ctx.optional_auth(), type, page.limit);
    co_return http::json_response(200, body);
  });

  router.add(Verb::post, "/api/releases", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    store::NewRelease in;
    in.title = r.required_string("title");
    in.kind = r.required_string("kind");
    in.genre = r.optional_string("genre");
    in.tags = optional_tags(obj, r);
    const auto tier = r.optional_string("minTier");
    in.release_at = r.optional_timestamp("releaseAt");
    check_title(r, "title", in.title);
    if (!r.has_error("kind") && in.kind != "single" && in.kind != "ep" && in.kind != "album") {
      r.fail("kind", "must be single, ep or album");
    }
    if (in.genre && !artists::is_genre(*in.genre)) r.fail("genre", "is not a known genre");
    check_tier(r, tier);
    r.finish();
    in.min_tier = tier.value_or("free");
    const auto result = co_await s.create_release(ctx.db(), who, in);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::patch, "/api/releases/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    store::ReleasePatch p;
    p.title = r.optional_string("title");
    p.min_tier = r.optional_string("minTier");
    r.accept("releaseAt");
    if (const auto* v = obj.if_contains("releaseAt"); v && v->is_null()) {
      p.clear_release_at = true;
    } else {
      p.release_at = r.optional_timestamp("releaseAt");
    }
    p.published = optional_bool(obj, "published", r);
    p.description = r.optional_string("description", json::Text::multi_line);
    if (p.description && !r.has_error("description") && p.description->size() > 5000) {
      r.fail("description", "must be at most 5000 characters");
    }
    p.credits_json = credits(obj, r);
    check_title(r, "title", p.title);
    check_tier(r, p.min_tier);
    r.finish();
    const auto result = co_await s.patch_release(ctx.db(), who, std::string(ctx.param("id")), p);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::patch, "/api/tracks/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    store::TrackPatch p;
    p.title = r.optional_string("title");
    p.min_tier = r.optional_string("minTier");
    check_title(r, "title", p.title);
    check_tier(r, p.min_tier);
    r.finish();
    const auto result = co_await s.patch_track(ctx.db(), who, std::string(ctx.param("id")), p);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::post, "/api/releases/{id:uuid}/tracks", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto title = r.required_string("title");
    const auto tier = r.optional_string("minTier");
    r.accept("position");
    std::optional<int> position;
    if (const auto* v = obj.if_contains("position"); v && !v->is_null()) {
      if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > 500)
        r.fail("position", "must be an integer 1-500");
      else
        position = static_cast<int>(v->as_int64());
    }
    check_title(r, "title", title);
    check_tier(r, tier);
    r.finish();
    const auto result = co_await s.add_track(ctx.db(), who, std::string(ctx.param("id")), title,
                                             tier.value_or("free"), position);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::put, "/api/releases/{id:uuid}/track-order", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    r.accept("trackIds");
    std::vector<std::string> ids;
    const auto* v = obj.if_contains("trackIds");
    if (!v || !v->is_array() || v->as_array().empty() || v->as_array().size() > 500) {
      r.fail("trackIds", "is required: the release's track ids in the new order (1-500)");
    } else {
      for (const auto& e : v->as_array()) {
        if (!e.is_string() || !is_uuid(std::string(e.as_string()))) {
          r.fail("trackIds", "must be track ids (UUIDs)");
          break;
        }
        ids.emplace_back(e.as_string());
      }
    }
    r.finish();
    const auto result = co_await s.reorder_tracks(ctx.db(), who, std::string(ctx.param("id")), ids);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/artists/{id}/content", [&s](Context& ctx) -> awaitable<Response> {
    const auto who = ctx.optional_auth();
    const bj::object body =
        co_await s.artist_content(ctx.db(), who, std::string(ctx.param("id")), ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  auto like = [&s](bool on) {
    return [&s, on](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      const auto result = co_await s.like(ctx.db(), who, std::string(ctx.param("id")), on);
      co_return http::written(ctx, 200, bj::object{{"liked", result.value}}, result.lsn);
    };
  };
  router.add(Verb::get, "/api/content/{id:uuid}/like", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const bool liked = co_await s.is_liked(ctx.db(), who, std::string(ctx.param("id")), ctx.consistency_in);
    co_return http::json_response(200, bj::object{{"liked", liked}});
  });
  router.add(Verb::get, "/api/me/likes", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const http::Page page = http::pagination(ctx);
    const bj::object body = co_await s.likes(ctx.db(), who, page.page, page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });
  router.add(Verb::post, "/api/content/{id:uuid}/like", like(true));
  router.add(Verb::delete_, "/api/content/{id:uuid}/like", like(false));

  router.add(Verb::post, "/api/content/{id:uuid}/plays", [&s](Context& ctx) -> awaitable<Response> {
    const auto who = ctx.optional_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    r.accept("listenedSeconds");
    double listened = 0;
    const auto* v = obj.if_contains("listenedSeconds");
    if (!v || !v->is_number()) {
      r.fail("listenedSeconds", "is required: the seconds listened, a number");
    } else {
      listened = v->to_number<double>();
      if (listened < 0 || listened > 86400) r.fail("listenedSeconds", "must be between 0 and 86400");
    }
    r.finish();
    // Anonymous listeners are told apart by address and client, stored only as a hash.
    const std::string anonymous =
        to_hex(sha256(ctx.client_ip + "|" + std::string(ctx.req[http::bhttp::field::user_agent])));
    const auto result = co_await s.report_play(ctx.db(), who, anonymous, std::string(ctx.param("id")),
                                               listened, ctx.viewer_country);
    // A listen that was not counted wrote nothing, so it carries no consistency token.
    if (result.lsn.value) ctx.consistency_out = result.lsn;
    co_return http::json_response(202, bj::object{{"counted", result.value}});
  });

  router.add(Verb::get, "/api/content/{id:uuid}/comments", [&s](Context& ctx) -> awaitable<Response> {
    const auto who = ctx.optional_auth();
    const http::Page page = http::pagination(ctx);
    const bj::object body = co_await s.comments(ctx.db(), who, std::string(ctx.param("id")), page.page,
                                                page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::post, "/api/content/{id:uuid}/comments", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const catalog::NewComment c = catalog::read_new_comment(ctx);
    const auto result =
        co_await s.add_comment(ctx.db(), who, std::string(ctx.param("id")), c.body, c.parent_id);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::patch, "/api/comments/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto body = r.required_string("body", json::Text::multi_line);
    catalog::check_comment_body(r, body);
    r.finish();
    const auto result = co_await s.edit_comment(ctx.db(), who, std::string(ctx.param("id")), body);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::delete_, "/api/comments/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto lsn =
        co_await s.delete_comment(ctx.db(), who, std::string(ctx.param("id")), audit::origin_of(ctx));
    co_return http::written_empty(ctx, lsn);
  });

  router.add(Verb::post, "/api/comments/{id:uuid}/report", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto reason = r.required_string("reason", json::Text::multi_line);
    if (!r.has_error("reason") && (reason.empty() || reason.size() > 500))
      r.fail("reason", "must be 1-500 characters");
    r.finish();
    const auto lsn = co_await s.report_comment(ctx.db(), who, std::string(ctx.param("id")), reason);
    co_return http::written(ctx, 202, bj::object{{"status", "reported"}}, lsn);
  });

  router.add(Verb::get, "/api/content/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const auto who = ctx.optional_auth();
    const bj::object body =
        co_await s.content(ctx.db(), who, std::string(ctx.param("id")), ctx.consistency_in);
    co_return http::json_response(200, body);
  });
}

}  // namespace mc::catalog
