#include "features/admin/routes.hpp"

#include <boost/json.hpp>
#include <cctype>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/uuid.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::admin {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

bool valid_action(std::string_view a) {
  if (a.empty() || a.size() > 100) return false;
  for (char c : a) {
    if (!((c >= 'a' && c <= 'z') || c == '_' || c == '.')) return false;
  }
  return true;
}

}  // namespace

void register_routes(http::Router& router, AdminService& s) {
  router.add(Verb::post, "/api/admin/users/{id:uuid}/suspend", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    std::optional<std::string> reason;
    if (!ctx.req.body().empty()) {
      const auto obj = http::json_body(ctx);
      json::FieldReader r(obj);
      reason = r.optional_string("reason", json::Text::multi_line);
      if (reason && reason->size() > 500) r.fail("reason", "must be at most 500 characters");
      r.finish();
    }
    const std::string id(ctx.param("id"));
    const auto result = co_await s.suspend(ctx.db(), who, id, reason, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::post, "/api/admin/users/{id:uuid}/restore", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    http::no_body(ctx);
    const std::string id(ctx.param("id"));
    const auto result = co_await s.restore(ctx.db(), who, id, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/admin/audit", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto page = http::cursor_pagination(ctx, 50);
    AuditQuery q;
    q.cursor = page.cursor;
    q.limit = page.limit;
    bj::object bad;
    q.actor_id = ctx.query_param("actorId");
    if (q.actor_id && !is_uuid(*q.actor_id)) bad["actorId"] = "must be a user id (UUID)";
    q.target_id = ctx.query_param("targetId");
    if (q.target_id && (q.target_id->empty() || q.target_id->size() > 100))
      bad["targetId"] = "must be 1-100 characters";
    q.action = ctx.query_param("action");
    if (q.action && !valid_action(*q.action)) bad["action"] = "must be an action name such as user.suspended";
    if (!bad.empty()) throw ApiError(400, "invalid_query", "Query parameters are invalid", std::move(bad));
    const auto result = co_await s.audit(ctx.db(), who, q, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/admin/stats", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto result = co_await s.stats(ctx.db(), who, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/admin/users", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto page = http::pagination(ctx, 20);
    auto q = ctx.query_param("q");
    if (q) {
      if (q->empty() || json::utf8_length(*q) > 100) {
        throw ApiError(400, "invalid_query", "Query parameters are invalid",
                       {{"q", "must be 1-100 characters"}});
      }
      for (auto& c : *q) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto result = co_await s.users(ctx.db(), who, q, page.page, page.limit, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });
}

}  // namespace mc::admin
