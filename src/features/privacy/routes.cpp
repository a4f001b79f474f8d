#include "features/privacy/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/context.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::privacy {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

}  // namespace

void register_routes(http::Router& router, PrivacyService& s) {
  router.add(Verb::post, "/api/me/exports", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    http::no_body(ctx);
    const Origin origin = audit::origin_of(ctx);
    const auto result = co_await s.request_export(ctx.db(), who, origin);
    co_return http::written(ctx, 202, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/me/exports", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    co_return http::json_response(200, co_await s.exports(ctx.db(), who, ctx.consistency_in));
  });

  router.add(Verb::get, "/api/me/exports/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const std::string id(ctx.param("id"));
    co_return http::json_response(200, co_await s.export_status(ctx.db(), who, id, ctx.consistency_in));
  });

  router.add(Verb::get, "/api/me/consents", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    co_return http::json_response(200, co_await s.consents(ctx.db(), who, ctx.consistency_in));
  });

  router.add(Verb::put, "/api/me/consents", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    r.accept("marketingEmail");
    const auto* v = obj.if_contains("marketingEmail");
    if (!v) {
      r.fail("marketingEmail", "is required: true to receive news by email, false not to");
    } else if (!v->is_bool()) {
      r.fail("marketingEmail", "must be true or false");
    }
    r.finish();
    const Origin origin = audit::origin_of(ctx);
    const auto result = co_await s.set_marketing_consent(ctx.db(), who, v->as_bool(), origin);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::delete_, "/api/me", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto password = r.required_string("password");
    if (!r.has_error("password") && password.size() > 256) r.fail("password", "is too long");
    r.finish();
    const Origin origin = audit::origin_of(ctx);
    const auto lsn = co_await s.delete_account(ctx.db(), who, password, origin);
    co_return http::written(ctx, 202, bj::object{{"status", "deleted"}}, lsn);
  });
}

}  // namespace mc::privacy
