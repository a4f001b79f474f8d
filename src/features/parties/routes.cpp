#include "features/parties/routes.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/uuid.hpp"
#include "features/memberships/tiers.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::parties {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

std::optional<int64_t> integer_field(const bj::object& obj, std::string_view name, json::FieldReader& r,
                                     int64_t min, int64_t max, std::string_view reason) {
  r.accept(name);
  const auto* v = obj.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_int64() || v->get_int64() < min || v->get_int64() > max) {
    r.fail(name, reason);
    return std::nullopt;
  }
  return v->get_int64();
}

NewPartyRequest new_party(const bj::object& obj) {
  json::FieldReader r(obj);
  NewPartyRequest req;
  req.title = r.required_string("title");
  if (!r.has_error("title") && (req.title.empty() || json::utf8_length(req.title) > 120)) {
    r.fail("title", "must be 1-120 characters");
  }
  r.accept("trackIds");
  const auto* ids = obj.if_contains("trackIds");
  if (!ids || !ids->is_array() || ids->as_array().empty() || ids->as_array().size() > kMaxQueue) {
    r.fail("trackIds", "must list 1-200 of your tracks, in the order they play");
  } else {
    for (const auto& e : ids->as_array()) {
      if (!e.is_string() || !is_uuid(e.get_string())) {
        r.fail("trackIds", "must be track ids (UUIDs)");
        break;
      }
      req.track_ids.emplace_back(e.get_string());
    }
  }
  if (const auto tier = r.optional_string("minTier")) {
    if (!memberships::parse_tier(*tier)) r.fail("minTier", "must be free, supporter or superfan");
    req.min_tier = *tier;
  }
  if (const auto c =
          integer_field(obj, "capacity", r, 1, 100000, "must be a whole number from 1 to 100000")) {
    req.capacity = static_cast<int>(*c);
  }
  req.scheduled_at = r.optional_timestamp("scheduledAt");
  r.accept("startNow");
  if (const auto* s = obj.if_contains("startNow"); s && !s->is_null()) {
    if (!s->is_bool())
      r.fail("startNow", "must be true or false");
    else
      req.start_now = s->get_bool();
  }
  if (req.start_now && req.scheduled_at) r.fail("scheduledAt", "leave it out to start the party now");
  r.finish();
  return req;
}

Control control(const bj::object& obj) {
  json::FieldReader r(obj);
  Control c;
  c.action = r.required_string("action");
  if (!r.has_error("action") && c.action != "play" && c.action != "pause" && c.action != "seek" &&
      c.action != "skip" && c.action != "previous") {
    r.fail("action", "must be play, pause, seek, skip or previous");
  }
  c.position_ms =
      integer_field(obj, "positionMs", r, 0, 24LL * 3600 * 1000, "must be a position in milliseconds");
  if (const auto i =
          integer_field(obj, "index", r, 0, kMaxQueue - 1, "must be a position in the queue (from 0)")) {
    c.index = static_cast<int>(*i);
  }
  if (c.action == "seek" && !c.position_ms && !r.has_error("positionMs")) {
    r.fail("positionMs", "is required to seek: where to, in milliseconds");
  }
  r.finish();
  return c;
}

}  // namespace

void register_routes(http::Router& router, PartyService& s) {
  router.add(Verb::post, "/api/parties", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto req = new_party(http::json_body(ctx));
    const auto result = co_await s.create(ctx.db(), who, req);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/parties", [&s](Context& ctx) -> awaitable<Response> {
    const http::Page page = http::pagination(ctx);
    const auto artist = ctx.query_param("artistId");
    const auto ended = ctx.query_param("ended");
    bj::object errors;
    if (artist && !is_uuid(*artist)) errors["artistId"] = "must be an artist id (a UUID)";
    if (ended && *ended != "true" && *ended != "false") errors["ended"] = "must be true or false";
    if (!errors.empty())
      throw ApiError(400, "invalid_query", "Query parameters are invalid", std::move(errors));
    co_return http::json_response(200, co_await s.list(ctx.db(), artist, ended && *ended == "true", page.page,
                                                       page.limit, ctx.consistency_in));
  });

  router.add(Verb::get, "/api/parties/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    co_return http::json_response(
        200, co_await s.get(ctx.db(), ctx.optional_auth(), std::string(ctx.param("id")), ctx.consistency_in));
  });

  auto lifecycle = [&s](bool starting) {
    return [&s, starting](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      const std::string id(ctx.param("id"));
      // Not `starting ? co_await … : co_await …`: GCC 12 miscompiles co_await in a conditional
      // expression (the answer was {}).
      if (starting) {
        const auto result = co_await s.start(ctx.db(), who, id, audit::origin_of(ctx));
        co_return http::written(ctx, 200, result.value, result.lsn);
      }
      const auto result = co_await s.end(ctx.db(), who, id, audit::origin_of(ctx));
      co_return http::written(ctx, 200, result.value, result.lsn);
    };
  };
  router.add(Verb::post, "/api/parties/{id:uuid}/start", lifecycle(true));
  router.add(Verb::post, "/api/parties/{id:uuid}/end", lifecycle(false));

  router.add(Verb::post, "/api/parties/{id:uuid}/control", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto c = control(http::json_body(ctx));
    const auto result =
        co_await s.control(ctx.db(), who, std::string(ctx.param("id")), c, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/parties/{id:uuid}/messages", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto page = http::cursor_pagination(ctx, 50);
    co_return http::json_response(200, co_await s.chat_history(ctx.db(), who, std::string(ctx.param("id")),
                                                               page.cursor, page.limit, ctx.consistency_in));
  });

  router.add(Verb::post, "/api/parties/{id:uuid}/messages", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const std::string body = r.required_string("body");
    if (!r.has_error("body")) {
      const std::size_t chars = json::utf8_length(body);
      if (chars == 0 || body.find_first_not_of(' ') == std::string::npos)
        r.fail("body", "is empty; write a message");
      else if (chars > kMaxChatChars)
        r.fail("body", "is longer than 500 characters; shorten it");
    }
    r.finish();
    const auto result = co_await s.chat(ctx.db(), who, std::string(ctx.param("id")), body);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::delete_, "/api/parties/{id:uuid}/messages/{message:int}",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto& who = ctx.require_auth();
               const auto text = ctx.param("message");
               int64_t message = 0;
               std::from_chars(text.data(), text.data() + text.size(), message);
               const db::Lsn lsn = co_await s.delete_chat(ctx.db(), who, std::string(ctx.param("id")),
                                                          message, audit::origin_of(ctx));
               co_return http::written_empty(ctx, lsn);
             });

  router.add(Verb::post, "/api/parties/{id:uuid}/reactions", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const std::string emoji = r.required_string("emoji");
    if (!r.has_error("emoji") && !PartyService::is_reaction(emoji)) {
      r.fail("emoji", "must be one of 🔥 ❤️ 👏 😮 😂 🎉");
    }
    r.finish();
    const auto result = co_await s.react(ctx.db(), who, std::string(ctx.param("id")), emoji);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  auto mute = [&s](bool on) {
    return [&s, on](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      const auto result = co_await s.set_muted(ctx.db(), who, std::string(ctx.param("id")),
                                               std::string(ctx.param("user")), on, audit::origin_of(ctx));
      co_return http::written(ctx, 200, result.value, result.lsn);
    };
  };
  router.add(Verb::put, "/api/parties/{id:uuid}/mutes/{user:uuid}", mute(true));
  router.add(Verb::delete_, "/api/parties/{id:uuid}/mutes/{user:uuid}", mute(false));

  auto cohost = [&s](bool on) {
    return [&s, on](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      const auto result = co_await s.set_cohost(ctx.db(), who, std::string(ctx.param("id")),
                                                std::string(ctx.param("user")), on, audit::origin_of(ctx));
      co_return http::written(ctx, 200, result.value, result.lsn);
    };
  };
  router.add(Verb::put, "/api/parties/{id:uuid}/cohosts/{user:uuid}", cohost(true));
  router.add(Verb::delete_, "/api/parties/{id:uuid}/cohosts/{user:uuid}", cohost(false));

  router.add(Verb::get, "/api/parties/{id:uuid}/summary", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    co_return http::json_response(200, co_await s.summary(ctx.db(), who, std::string(ctx.param("id"))));
  });
}

}  // namespace mc::parties
