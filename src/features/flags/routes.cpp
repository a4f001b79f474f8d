#include "features/flags/routes.hpp"

#include <boost/json.hpp>
#include <set>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/uuid.hpp"
#include "http/context.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::flags {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

std::string key_of(const Context& ctx) {
  std::string key(ctx.param("key"));
  if (!valid_key(key)) {
    throw ApiError(400, "validation_failed", "The flag key is invalid",
                   {{"key", "must be 1-64 of a-z, 0-9 and _, starting with a letter"}});
  }
  return key;
}

FlagInput read_input(Context& ctx) {
  const auto obj = http::json_body(ctx);
  json::FieldReader r(obj);
  FlagInput in;
  in.description = r.optional_string("description", json::Text::multi_line).value_or("");
  if (!r.has_error("description") && json::utf8_length(in.description) > 500)
    r.fail("description", "must be at most 500 characters");
  r.accept("enabled");
  const auto* enabled = obj.if_contains("enabled");
  if (!enabled || !enabled->is_bool()) {
    r.fail("enabled", "is required: true or false");
  } else {
    in.enabled = enabled->as_bool();
  }
  r.accept("rolloutPercent");
  const auto* pct = obj.if_contains("rolloutPercent");
  if (pct && (!pct->is_int64() || pct->as_int64() < 0 || pct->as_int64() > 100)) {
    r.fail("rolloutPercent", "must be a whole number 0-100");
  } else if (pct) {
    in.rollout_percent = static_cast<int>(pct->as_int64());
  }
  r.accept("userIds");
  if (const auto* users = obj.if_contains("userIds")) {
    if (!users->is_array() || users->as_array().size() > kMaxTargetedUsers) {
      r.fail("userIds", "must be a list of at most 1000 user ids");
    } else {
      std::set<std::string> seen;
      for (const auto& e : users->as_array()) {
        if (!e.is_string() || !is_uuid(std::string(e.as_string()))) {
          r.fail("userIds", "must be user ids (UUIDs)");
          break;
        }
        if (seen.insert(std::string(e.as_string())).second) in.user_ids.emplace_back(e.as_string());
      }
    }
  }
  r.finish();
  return in;
}

}  // namespace

void register_routes(http::Router& router, FlagService& s) {
  router.add(Verb::get, "/api/flags", [&s](Context& ctx) -> awaitable<Response> {
    const auto who = ctx.optional_auth();
    co_return http::json_response(200, co_await s.for_viewer(ctx.db(), who, ctx.consistency_in));
  });

  router.add(Verb::get, "/api/admin/flags", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto result = co_await s.list(ctx.db(), who, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::put, "/api/admin/flags/{key}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto input = read_input(ctx);
    const std::string key = key_of(ctx);
    const auto result = co_await s.put(ctx.db(), who, key, input, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  router.add(Verb::delete_, "/api/admin/flags/{key}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const std::string key(ctx.param("key"));
    if (!valid_key(key)) throw ApiError::not_found("No such flag");  // no flag has a key of that form
    const auto lsn = co_await s.remove(ctx.db(), who, key, audit::origin_of(ctx));
    co_return http::written_empty(ctx, lsn);
  });
}

}  // namespace mc::flags
