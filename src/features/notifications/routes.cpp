#include "features/notifications/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "features/notifications/types.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::notifications {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

constexpr std::size_t kMaxIds = 100;

}  // namespace

void register_routes(http::Router& router, NotificationService& s) {
  router.add(Verb::get, "/api/notifications", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto page = http::cursor_pagination(ctx);
    const auto unread = ctx.query_param("unread");
    if (unread && *unread != "true" && *unread != "false") {
      throw ApiError(400, "invalid_query", "Query parameters are invalid",
                     {{"unread", "must be true or false"}});
    }
    co_return http::json_response(200, co_await s.list(ctx.db(), who, page.cursor, page.limit,
                                                       unread && *unread == "true", ctx.consistency_in));
  });

  router.add(Verb::get, "/api/notifications/unread-count", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    co_return http::json_response(200, co_await s.unread(ctx.db(), who, ctx.consistency_in));
  });

  router.add(Verb::post, "/api/notifications/read", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    r.accept("ids");
    std::vector<std::string> ids;
    const auto* v = obj.if_contains("ids");
    if (!v || !v->is_array() || v->as_array().empty() || v->as_array().size() > kMaxIds) {
      r.fail("ids", "must list 1-100 notification ids (POST /api/notifications/read-all marks every one)");
    } else {
      for (const auto& e : v->as_array()) {
        const auto* id = e.if_string();
        const bool digits =
            id && !id->empty() && id->size() <= 18 && id->find_first_not_of("0123456789") == bj::string::npos;
        if (!digits) {
          r.fail("ids", "must be notification ids as the list gave them");
          break;
        }
        ids.emplace_back(*id);
      }
    }
    r.finish();
    const auto result = co_await s.mark_read(ctx.db(), who, ids);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::post, "/api/notifications/read-all", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto result = co_await s.mark_read(ctx.db(), who, std::nullopt);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/notifications/preferences", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    co_return http::json_response(200, co_await s.preferences(ctx.db(), who, ctx.consistency_in));
  });

  // {"preferences": {"<type>": "in_app" | "email" | "off", …}}: the types given change, others stay.
  router.add(Verb::put, "/api/notifications/preferences", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    r.accept("preferences");
    std::vector<std::pair<std::string, std::string>> prefs;
    const auto* v = obj.if_contains("preferences");
    if (!v || !v->is_object() || v->as_object().empty()) {
      r.fail("preferences", "must map notification types to in_app, email or off");
    } else {
      for (const auto& kv : v->as_object()) {
        const std::string field = "preferences." + std::string(kv.key());
        if (!is_type(kv.key())) {
          r.fail(field, "is not a notification type");
        } else if (!kv.value().is_string() || !is_delivery(kv.value().get_string())) {
          r.fail(field, "must be in_app, email or off");
        } else {
          prefs.emplace_back(kv.key(), kv.value().get_string());
        }
      }
    }
    r.finish();
    const auto result = co_await s.set_preferences(ctx.db(), who, prefs);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });
}

}  // namespace mc::notifications
