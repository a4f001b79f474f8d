#include "features/memberships/routes.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"
#include "payments/money.hpp"

namespace mc::memberships {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

constexpr int64_t kTipMin = 100;
constexpr int64_t kTipMax = 1'000'000;

std::optional<std::string> optional_currency(json::FieldReader& r) {
  auto c = r.optional_string("currency");
  if (c && !r.has_error("currency") && !payments::valid_currency(*c)) {
    r.fail("currency", "must be an ISO 4217 code in capitals, such as \"USD\"");
  }
  return c;
}

std::string field(const bj::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// What the web app's sandbox checkout page (/sandbox/checkout/{id}) shows: what is bought, and where
// Pay and Decline lead.
bj::object checkout_view(const bj::object& s) {
  std::string currency = field(s, "currency");
  for (auto& c : currency) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto* amount = s.if_contains("amount_total");
  const bool subscription = field(s, "mode") == "subscription";
  std::string item = field(s, "description");
  if (subscription) {
    const auto* meta = s.if_contains("metadata");
    item = "Monthly " + (meta && meta->is_object() ? field(meta->as_object(), "tier") : "") + " membership";
  }
  return bj::object{{"id", field(s, "id")},
                    {"status", field(s, "status")},
                    {"mode", field(s, "mode")},
                    {"item", item},
                    {"amountCents", amount && amount->is_int64() ? amount->as_int64() : 0},
                    {"currency", currency},
                    {"monthly", subscription}};
}

std::string param(const Context& ctx, std::string_view name) {
  return std::string(ctx.param(name));
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<int64_t> optional_cents(const bj::object& obj, std::string_view name, json::FieldReader& r,
                                      int64_t min, int64_t max) {
  r.accept(name);
  const auto* v = obj.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  const std::string rule =
      "must be a whole number of cents from " + std::to_string(min) + " to " + std::to_string(max);
  if (v->is_int64() && v->as_int64() >= min && v->as_int64() <= max) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(max) &&
      static_cast<int64_t>(v->as_uint64()) >= min) {
    return static_cast<int64_t>(v->as_uint64());
  }
  r.fail(name, rule);
  return std::nullopt;
}

void register_routes(http::Router& router, MembershipsService& s, payments::WebhookPipeline& webhooks) {
  router.add(Verb::get, "/api/artists/{id}/pricing", [&s](Context& ctx) -> awaitable<Response> {
    const bj::object body = co_await s.pricing(ctx.db(), param(ctx, "id"), ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::put, "/api/artists/tiers/{tier}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    TierUpdate u;
    u.price_cents = optional_cents(obj, "priceCents", r, 100, 100000);
    u.currency = optional_currency(r);
    r.accept("perks");
    if (const auto* perks = obj.if_contains("perks"); perks && !perks->is_null()) {
      std::vector<std::string> list;
      bool ok = perks->is_array() && perks->as_array().size() <= 10;
      if (ok) {
        for (const auto& p : perks->as_array()) {
          if (!p.is_string() || p.as_string().empty() || p.as_string().size() > 200) {
            ok = false;
            break;
          }
          list.emplace_back(p.as_string());
        }
      }
      if (ok)
        u.perks = std::move(list);
      else
        r.fail("perks", "must be an array of at most 10 texts of 1-200 characters");
    }
    r.finish();
    const auto result = co_await s.update_tier(ctx.db(), who, param(ctx, "tier"), u);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/artists/subscribers", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const http::Page page = http::pagination(ctx);
    const auto tier = ctx.query_param("tier");
    if (tier && *tier != "supporter" && *tier != "superfan") {
      throw ApiError(400, "invalid_query", "Query parameters are invalid",
                     {{"tier", "must be supporter or superfan"}});
    }
    const bj::object body =
        co_await s.subscribers(ctx.db(), who, tier, page.page, page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::post, "/api/artists/payouts/connect", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    http::no_body(ctx);
    const auto result = co_await s.connect_payouts(ctx.db(), who);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::post, "/api/subscriptions/create", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const std::string artist = r.required_string("artistId");
    const std::string tier = r.required_string("tier");
    const auto currency = optional_currency(r);
    if (!r.has_error("tier") && tier != "supporter" && tier != "superfan") {
      r.fail("tier", "must be supporter or superfan");
    }
    r.finish();
    const auto result = co_await s.subscribe(ctx.db(), who, artist, tier, currency);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/subscriptions/active", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const bj::object body = co_await s.active(ctx.db(), who, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  auto cancel = [&s](bool on) {
    return [&s, on](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      http::no_body(ctx);
      const auto result = co_await s.set_cancel(ctx.db(), who, param(ctx, "id"), on);
      co_return http::written(ctx, 200, result.value, result.lsn);
    };
  };
  router.add(Verb::post, "/api/subscriptions/{id:uuid}/cancel", cancel(true));
  router.add(Verb::post, "/api/subscriptions/{id:uuid}/resume", cancel(false));

  router.add(Verb::post, "/api/subscriptions/{id:uuid}/change", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const std::string tier = r.required_string("tier");
    if (!r.has_error("tier") && tier != "supporter" && tier != "superfan") {
      r.fail("tier", "must be supporter or superfan");
    }
    r.finish();
    const auto result = co_await s.change_tier(ctx.db(), who, param(ctx, "id"), tier);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::post, "/api/tips", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const std::string artist = r.required_string("artistId");
    const auto amount = optional_cents(obj, "amountCents", r, kTipMin, kTipMax);
    if (!amount && !r.has_error("amountCents")) r.fail("amountCents", "is required");
    const auto currency = optional_currency(r);
    const auto message = r.optional_string("message", json::Text::multi_line);
    if (message && message->size() > 500) r.fail("message", "must be at most 500 characters");
    r.finish();
    const auto result = co_await s.tip(ctx.db(), who, artist, *amount, currency, message);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/payments/history", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const http::Page page = http::pagination(ctx);
    const bj::object body = co_await s.history(ctx.db(), who, page.page, page.limit, ctx.consistency_in);
    co_return http::json_response(200, body);
  });

  router.add(Verb::post, "/api/admin/payments/{id:uuid}/refund", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    std::optional<int64_t> amount;
    if (!ctx.req.body().empty()) {
      const auto obj = http::json_body(ctx);
      json::FieldReader r(obj);
      amount = optional_cents(obj, "amountCents", r, 1, payments::kMaxAmountCents);
      r.finish();
    }
    const audit::Origin origin = audit::origin_of(ctx);
    const auto result = co_await s.refund(ctx.db(), who, param(ctx, "id"), amount, origin);
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  http::RouteOptions webhook_options;
  webhook_options.api_rate_limited = false;  // the processor's retries must never be throttled
  router.add(
      Verb::post, "/api/webhooks/stripe",
      [&webhooks](Context& ctx) -> awaitable<Response> {
        const auto header = ctx.req["Stripe-Signature"];
        const std::string signature(header.data(), header.size());
        const std::string& body = ctx.req.body();
        const int64_t now = now_seconds();
        const payments::Delivery d = co_await webhooks.receive(ctx.db(), body, signature, now);
        const bj::object out{{"received", true}, {"outcome", payments::to_string(d)}};
        co_return http::json_response(200, out);
      },
      webhook_options);

  // The sandbox: its hosted checkout (the web app's page /sandbox/checkout/{id} calls these with the
  // fan's token) and simulations. 404 when Stripe is configured; only the checkout's own fan.
  router.add(Verb::get, "/api/sandbox/checkouts/{id}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const bj::object session = co_await s.sandbox_checkout(ctx.db(), who, param(ctx, "id"));
    co_return http::json_response(200, checkout_view(session));
  });
  auto button = [&s](bool pay) {
    return [&s, pay](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      http::no_body(ctx);
      const bj::object session = co_await s.sandbox_pay(ctx.db(), who, param(ctx, "id"), pay);
      const bj::object out{{"checkoutSessionId", field(session, "id")},
                           {"status", field(session, "status")},
                           {"paymentStatus", field(session, "payment_status")},
                           {"redirectUrl", field(session, pay ? "success_url" : "cancel_url")}};
      co_return http::json_response(200, out);
    };
  };
  router.add(Verb::post, "/api/sandbox/checkouts/{id}/pay", button(true));
  router.add(Verb::post, "/api/sandbox/checkouts/{id}/decline", button(false));

  router.add(Verb::post, "/api/sandbox/subscriptions/{id:uuid}/simulate",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto& who = ctx.require_auth();
               const auto obj = http::json_body(ctx);
               json::FieldReader r(obj);
               const std::string event = r.required_string("event");
               if (!r.has_error("event") && event != "renewal" && event != "payment_failure" &&
                   event != "recovery" && event != "period_end") {
                 r.fail("event", "must be renewal, payment_failure, recovery or period_end");
               }
               r.finish();
               const auto result = co_await s.sandbox_simulate(ctx.db(), who, param(ctx, "id"), event);
               co_return http::written(ctx, 200, result.value, result.lsn);
             });

  router.add(Verb::post, "/api/sandbox/payments/{id:uuid}/simulate",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto& who = ctx.require_auth();
               const auto obj = http::json_body(ctx);
               json::FieldReader r(obj);
               const std::string event = r.required_string("event");
               if (!r.has_error("event") && event != "dispute_created" && event != "dispute_won" &&
                   event != "dispute_lost") {
                 r.fail("event", "must be dispute_created, dispute_won or dispute_lost");
               }
               r.finish();
               const auto result = co_await s.sandbox_dispute(ctx.db(), who, param(ctx, "id"), event);
               co_return http::written(ctx, 200, result.value, result.lsn);
             });
}

}  // namespace mc::memberships
