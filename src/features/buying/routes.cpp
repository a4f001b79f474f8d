#include "features/buying/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "features/memberships/routes.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::buying {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void register_routes(http::Router& router, BuyingService& s) {
  auto put_price = [&s](std::string type) {
    return [&s, type](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      const auto obj = http::json_body(ctx);
      json::FieldReader r(obj);
      const auto price = memberships::optional_cents(obj, "priceCents", r, kMinPriceCents, kMaxPriceCents);
      if (!price && !r.has_error("priceCents")) r.fail("priceCents", "is required");
      r.accept("nameYourPrice");
      bool nyp = false;
      if (const auto* v = obj.if_contains("nameYourPrice"); v && !v->is_null()) {
        if (v->is_bool())
          nyp = v->as_bool();
        else
          r.fail("nameYourPrice", "must be true or false");
      }
      r.finish();
      const std::string id(ctx.param("id"));
      const auto result = co_await s.set_price(ctx.db(), who, type, id, price, nyp);
      co_return http::written(ctx, 200, result.value, result.lsn);
    };
  };
  auto delete_price = [&s](std::string type) {
    return [&s, type](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      http::no_body(ctx);
      const std::string id(ctx.param("id"));
      const auto result = co_await s.set_price(ctx.db(), who, type, id, std::nullopt, false);
      co_return http::written(ctx, 200, result.value, result.lsn);
    };
  };
  router.add(Verb::put, "/api/releases/{id:uuid}/price", put_price("release"));
  router.add(Verb::delete_, "/api/releases/{id:uuid}/price", delete_price("release"));
  router.add(Verb::put, "/api/tracks/{id:uuid}/price", put_price("track"));
  router.add(Verb::delete_, "/api/tracks/{id:uuid}/price", delete_price("track"));

  router.add(Verb::get, "/api/artists/{id}/offers", [&s](Context& ctx) -> awaitable<Response> {
    const std::string id(ctx.param("id"));
    const bj::object body = co_await s.offers(ctx.db(), ctx.optional_auth(), id, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::post, "/api/purchases", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto release = r.optional_string("releaseId");
    const auto track = r.optional_string("trackId");
    const auto amount = memberships::optional_cents(obj, "amountCents", r, kMinPriceCents, kMaxPaidCents);
    if (release && track) {
      r.fail("trackId", "send either releaseId or trackId, not both");
    } else if (!release && !track) {
      if (!r.has_error("releaseId") && !r.has_error("trackId"))
        r.fail("releaseId", "is required (or trackId)");
    }
    if (release && !r.has_error("releaseId") && !is_uuid(*release)) r.fail("releaseId", "must be a UUID");
    if (track && !r.has_error("trackId") && !is_uuid(*track)) r.fail("trackId", "must be a UUID");
    r.finish();
    const std::string type = release ? "release" : "track";
    const std::string id = release ? *release : *track;
    const auto result = co_await s.buy(ctx.db(), who, type, id, amount);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/me/collection", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const bj::object body = co_await s.collection(ctx.db(), who, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::get, "/api/artists/sales", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const http::Page page = http::pagination(ctx);
    const bj::object body = co_await s.sales(ctx.db(), who, page.page, page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::post, "/api/artists/sales/{id:uuid}/refund", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    http::no_body(ctx);
    const std::string id(ctx.param("id"));
    const auto result = co_await s.refund_sale(ctx.db(), who, id);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });
}

}  // namespace mc::buying
