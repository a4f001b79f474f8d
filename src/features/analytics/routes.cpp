#include "features/analytics/routes.hpp"

#include <boost/json.hpp>

#include "features/analytics/service.hpp"
#include "http/context.hpp"
#include "http/response.hpp"

namespace mc::analytics {
namespace {

using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

}  // namespace

void register_routes(http::Router& router) {
  router.add(Verb::get, "/api/artists/analytics", [](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const Request request = parse_request(ctx.query_param("period"), ctx.query_param("metric"));
    const boost::json::object body = co_await dashboard(ctx.db(), who, request);
    Response res = http::json_response(200, body);
    res.set(http::bhttp::field::cache_control, "private, no-store");
    co_return res;
  });

  router.add(Verb::get, "/api/artists/analytics/export", [](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const Request request = parse_request(ctx.query_param("period"), std::nullopt);
    std::string csv = co_await export_csv(ctx.db(), who, request);
    Response res = http::text_response(200, std::move(csv), "text/csv; charset=utf-8");
    res.set(http::bhttp::field::content_disposition,
            "attachment; filename=\"analytics-" + request.period + ".csv\"");
    res.set(http::bhttp::field::cache_control, "private, no-store");
    co_return res;
  });
}

}  // namespace mc::analytics
