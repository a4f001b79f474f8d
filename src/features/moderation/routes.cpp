#include "features/moderation/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/uuid.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::moderation {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

// An optional body with one optional free-text field of at most 500 characters.
std::optional<std::string> optional_note(Context& ctx, std::string_view field) {
  if (ctx.req.body().empty()) return std::nullopt;
  const auto obj = http::json_body(ctx);
  json::FieldReader r(obj);
  auto note = r.optional_string(field, json::Text::multi_line);
  if (note && !r.has_error(field) && (note->empty() || json::utf8_length(*note) > 500))
    r.fail(field, "must be 1-500 characters");
  r.finish();
  return note;
}

std::string target_type(const Context& ctx, bool content_only) {
  std::string type(ctx.param("type"));
  if (content_only ? !is_content_type(type) : !is_target_type(type)) {
    throw ApiError::not_found(content_only ? "Only tracks, posts, comments and messages can be hidden"
                                           : "Reports are on tracks, posts, comments, messages and users");
  }
  return type;
}

}  // namespace

void register_routes(http::Router& router, ModerationService& s) {
  router.add(Verb::post, "/api/reports", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto type = r.required_string("targetType");
    if (!r.has_error("targetType") && !is_target_type(type))
      r.fail("targetType", "must be one of track, post, comment, message, user");
    const auto id = r.required_string("targetId");
    if (!r.has_error("targetId") && !is_uuid(id))
      r.fail("targetId", "must be the id (UUID) of what you report");
    const auto reason = r.required_string("reason");
    if (!r.has_error("reason") && !is_reason(reason))
      r.fail("reason",
             "must be one of spam, harassment, hate, sexual, violence, self_harm, copyright, impersonation, "
             "other");
    const auto note = r.optional_string("note", json::Text::multi_line);
    if (note && !r.has_error("note") && (note->empty() || json::utf8_length(*note) > 500))
      r.fail("note", "must be 1-500 characters");
    r.finish();
    const auto lsn = co_await s.report(ctx.db(), who, type, id, reason, note);
    co_return http::written(ctx, 202, bj::object{{"status", "reported"}}, lsn);
  });

  router.add(Verb::get, "/api/admin/reports", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto page = http::cursor_pagination(ctx, 20);
    const auto type = ctx.query_param("type");
    if (type && !is_target_type(*type)) {
      throw ApiError(400, "invalid_query", "Query parameters are invalid",
                     {{"type", "must be one of track, post, comment, message, user"}});
    }
    const auto result = co_await s.queue(ctx.db(), who, type, page.cursor, page.limit, audit::origin_of(ctx));
    co_return http::written(ctx, 200, result.value, result.lsn);
  });

  for (const std::string status : {"resolved", "dismissed"}) {
    const std::string verb = status == "resolved" ? "resolve" : "dismiss";
    router.add(Verb::post, "/api/admin/reports/{type}/{id:uuid}/" + verb,
               [&s, status](Context& ctx) -> awaitable<Response> {
                 const auto& who = ctx.require_auth();
                 const auto note = optional_note(ctx, "note");
                 const std::string type = target_type(ctx, false);
                 const std::string id(ctx.param("id"));
                 const auto result =
                     co_await s.close(ctx.db(), who, type, id, status, note, audit::origin_of(ctx));
                 co_return http::written(ctx, 200, result.value, result.lsn);
               });
  }

  router.add(Verb::post, "/api/admin/content/{type}/{id:uuid}/hide",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto& who = ctx.require_auth();
               const auto reason = optional_note(ctx, "reason");
               const std::string type = target_type(ctx, true);
               const std::string id(ctx.param("id"));
               const auto result =
                   co_await s.set_hidden(ctx.db(), who, type, id, true, reason, audit::origin_of(ctx));
               co_return http::written(ctx, 200, result.value, result.lsn);
             });

  router.add(Verb::post, "/api/admin/content/{type}/{id:uuid}/restore",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto& who = ctx.require_auth();
               http::no_body(ctx);
               const std::string type = target_type(ctx, true);
               const std::string id(ctx.param("id"));
               const std::optional<std::string> none;
               const auto result =
                   co_await s.set_hidden(ctx.db(), who, type, id, false, none, audit::origin_of(ctx));
               co_return http::written(ctx, 200, result.value, result.lsn);
             });
}

}  // namespace mc::moderation
