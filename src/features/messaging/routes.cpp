#include "features/messaging/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/uuid.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::messaging {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

}  // namespace

void register_routes(http::Router& router, MessagingService& s) {
  router.add(Verb::post, "/api/messaging/send", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    SendRequest req;
    req.recipient_id = r.optional_string("recipientId");
    req.conversation_id = r.optional_string("conversationId");
    req.attachment_id = r.optional_string("attachmentId");
    if (req.attachment_id) {
      req.body = r.optional_string("body", json::Text::multi_line).value_or("");
    } else {
      req.body = r.required_string("body", json::Text::multi_line);
    }
    for (const auto* name : {"recipientId", "conversationId", "attachmentId"}) {
      const std::string_view n(name);
      const auto& v = n == "recipientId"      ? req.recipient_id
                      : n == "conversationId" ? req.conversation_id
                                              : req.attachment_id;
      if (v && !r.has_error(name) && !is_uuid(*v)) r.fail(name, "must be an id (a UUID)");
    }
    if (!req.recipient_id && !req.conversation_id) {
      r.fail("recipientId", "is required (or conversationId, to reply in a conversation)");
    } else if (req.recipient_id && req.conversation_id) {
      r.fail("conversationId", "give recipientId or conversationId, not both");
    }
    if (!r.has_error("body")) {
      const std::size_t chars = json::utf8_length(req.body);
      const bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
      if (req.attachment_id && chars > 0 && blank) {
        r.fail("body", "is only spaces; write a caption or leave it out");
      } else if (!req.attachment_id && (chars == 0 || blank)) {
        r.fail("body", "is empty; write a message (or attach a file)");
      } else if (chars > kMaxMessageChars) {
        r.fail("body", "is longer than 2000 characters; shorten it");
      }
    }
    r.finish();
    const auto result = co_await s.send(ctx.db(), who, req);
    co_return http::written(ctx, 201, result.value, result.lsn);
  });

  router.add(Verb::get, "/api/messaging/conversations", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const http::Page page = http::pagination(ctx);
    co_return http::json_response(
        200, co_await s.conversations(ctx.db(), who, page.page, page.limit, ctx.consistency_in));
  });

  router.add(Verb::get, "/api/messaging/conversations/{id:uuid}/messages",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto& who = ctx.require_auth();
               const auto page = http::cursor_pagination(ctx, 30);
               co_return http::json_response(
                   200, co_await s.history(ctx.db(), who, std::string(ctx.param("id")), page.cursor,
                                           page.limit, ctx.consistency_in));
             });

  router.add(Verb::post, "/api/messaging/conversations/{id:uuid}/read",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto& who = ctx.require_auth();
               std::optional<int64_t> seq;
               if (!ctx.req.body().empty()) {
                 const auto obj = http::json_body(ctx);
                 json::FieldReader r(obj);
                 r.accept("seq");
                 if (const auto* v = obj.if_contains("seq"); v && !v->is_null()) {
                   if (!v->is_int64() || v->get_int64() < 0) {
                     r.fail("seq", "must be the seq of a message (a whole number)");
                   } else {
                     seq = v->get_int64();
                   }
                 }
                 r.finish();
               }
               const auto result = co_await s.mark_read(ctx.db(), who, std::string(ctx.param("id")), seq);
               co_return http::written(ctx, 200, result.value, result.lsn);
             });

  router.add(
      Verb::put, "/api/messaging/conversations/{id:uuid}/mute", [&s](Context& ctx) -> awaitable<Response> {
        const auto& who = ctx.require_auth();
        const auto obj = http::json_body(ctx);
        json::FieldReader r(obj);
        r.accept("muted");
        const auto* v = obj.if_contains("muted");
        if (!v || !v->is_bool()) r.fail("muted", "must be true or false");
        r.finish();
        const auto result = co_await s.set_muted(ctx.db(), who, std::string(ctx.param("id")), v->get_bool());
        co_return http::written(ctx, 200, result.value, result.lsn);
      });

  router.add(Verb::get, "/api/messaging/blocks", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    co_return http::json_response(200, co_await s.blocked(ctx.db(), who, ctx.consistency_in));
  });
  auto block = [&s](bool blocked) {
    return [&s, blocked](Context& ctx) -> awaitable<Response> {
      const auto& who = ctx.require_auth();
      const auto result = co_await s.set_blocked(ctx.db(), who, std::string(ctx.param("id")), blocked);
      co_return http::written(ctx, 200, result.value, result.lsn);
    };
  };
  router.add(Verb::put, "/api/messaging/blocks/{id:uuid}", block(true));
  router.add(Verb::delete_, "/api/messaging/blocks/{id:uuid}", block(false));

  router.add(Verb::get, "/api/messaging/search", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const std::string q = ctx.query_param("q").value_or("");
    bj::object errors;
    if (q.find_first_not_of(' ') == std::string::npos) errors["q"] = "is required: the words to look for";
    if (q.size() > 200) errors["q"] = "is longer than 200 characters";
    if (json::has_control_characters(q, false)) errors["q"] = "must be plain text on one line";
    if (!errors.empty())
      throw ApiError(400, "invalid_query", "Query parameters are invalid", std::move(errors));
    const int limit = http::cursor_pagination(ctx).limit;
    co_return http::json_response(200, co_await s.search(ctx.db(), who, q, limit, ctx.consistency_in));
  });
}

}  // namespace mc::messaging
