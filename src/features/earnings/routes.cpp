#include "features/earnings/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"
#include "payments/money.hpp"

namespace mc::earnings {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

}  // namespace

void register_routes(http::Router& router, EarningsService& s) {
  router.add(Verb::get, "/api/artists/earnings", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const bj::object body = co_await s.earnings(ctx.db(), who, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::get, "/api/artists/payouts", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const http::Page page = http::pagination(ctx);
    const bj::object body = co_await s.payouts(ctx.db(), who, page.page, page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::post, "/api/artists/payouts", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    std::optional<std::string> currency;
    if (!ctx.req.body().empty()) {
      const auto obj = http::json_body(ctx);
      json::FieldReader r(obj);
      currency = r.optional_string("currency");
      if (currency && !r.has_error("currency") && !payments::valid_currency(*currency)) {
        r.fail("currency", "must be an ISO 4217 code in capitals, such as \"USD\"");
      }
      r.finish();
    }
    const auto result = co_await s.request_payout(ctx.db(), who, currency);
    co_return http::written(ctx, 202, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/admin/payments/reconciliation", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const audit::Origin origin = audit::origin_of(ctx);
    const auto result = co_await s.reconciliation(ctx.db(), who, origin);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::post, "/api/sandbox/payouts/{id:uuid}/simulate",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto& who = ctx.require_auth();
               const auto obj = http::json_body(ctx);
               json::FieldReader r(obj);
               const std::string event = r.required_string("event");
               if (!r.has_error("event") && event != "transfer_reversed")
                 r.fail("event", "must be transfer_reversed");
               r.finish();
               const auto result = co_await s.sandbox_reverse(ctx.db(), who, std::string(ctx.param("id")));
               co_return http::written(ctx, 200, result.value, result.lsn);
             });
}

}  // namespace mc::earnings
