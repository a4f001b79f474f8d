#include "features/accounts/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/context.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::accounts {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

Client client_of(const Context& ctx) {
  return Client{std::string(ctx.req[http::bhttp::field::user_agent]), ctx.client_ip};
}

bj::object tokens_json(const AuthResult& r) {
  bj::object out{{"token", r.tokens.access}, {"refreshToken", r.tokens.refresh}};
  if (r.user) out["user"] = to_json(*r.user);
  return out;
}

}  // namespace

void register_routes(http::Router& router, AccountsService& s) {
  router.add(Verb::post, "/api/auth/register", [&s](Context& ctx) -> awaitable<Response> {
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    RegisterInput in{r.required_string("username"),   r.required_string("email"),
                     r.required_string("password"),   r.required_string("role"),
                     r.optional_string("artistName"), r.optional_string("genre")};
    s.check_registration(in, r);
    r.finish();
    const auto result = co_await s.register_user(ctx.db(), in, client_of(ctx));
    co_return http::written(ctx, 201, tokens_json(result), result.lsn);
  });

  router.add(Verb::post, "/api/auth/login",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto obj = http::json_body(ctx);
               json::FieldReader r(obj);
               const auto email = r.required_string("email");
               const auto password = r.required_string("password");
               // An empty field is a missing one: say which, instead of "invalid email or password".
               if (!r.has_error("email") && email.empty()) r.fail("email", "is required");
               if (!r.has_error("password") && password.empty()) r.fail("password", "is required");
               if (!r.has_error("password") && password.size() > 256) r.fail("password", "is too long");
               r.finish();
               const auto result = co_await s.login(ctx.db(), email, password, client_of(ctx));
               co_return http::written(ctx, 200, tokens_json(result), result.lsn);
             },
             {.login_rate_limited = true});

  router.add(Verb::post, "/api/auth/refresh", [&s](Context& ctx) -> awaitable<Response> {
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto token = r.required_string("refreshToken");
    r.finish();
    const auto result = co_await s.refresh(ctx.db(), token, client_of(ctx));
    co_return http::written(ctx, 200, tokens_json(result), result.lsn);
  });

  router.add(Verb::post, "/api/auth/logout", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    http::no_body(ctx);
    const auto lsn = co_await s.logout(ctx.db(), who);
    co_return http::written_empty(ctx, lsn);
  });

  router.add(Verb::get, "/api/auth/me", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const User user = co_await s.me(ctx.db(), who, ctx.consistency_in);
    co_return http::json_response(200, to_json(user));
  });

  router.add(Verb::post, "/api/auth/verify-email", [&s](Context& ctx) -> awaitable<Response> {
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto token = r.required_string("token");
    r.finish();
    const auto result = co_await s.verify_email(ctx.db(), token);
    co_return http::written(ctx, 200, to_json(result.value), result.lsn);
  });

  router.add(Verb::post, "/api/auth/verify-email/resend", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    http::no_body(ctx);
    const auto lsn = co_await s.resend_verification(ctx.db(), who);
    co_return http::written(ctx, 202, bj::object{{"status", "sent"}}, lsn);
  });

  router.add(Verb::post, "/api/auth/password/forgot",
             [&s](Context& ctx) -> awaitable<Response> {
               const auto obj = http::json_body(ctx);
               json::FieldReader r(obj);
               const auto email = r.required_string("email");
               if (!r.has_error("email") && !AccountsService::valid_email(email)) {
                 r.fail("email", "must be a valid email address");
               }
               r.finish();
               const auto lsn = co_await s.forgot_password(ctx.db(), email);
               if (lsn) ctx.consistency_out = *lsn;
               co_return http::json_response(202, bj::object{{"status", "sent"}});
             },
             {.login_rate_limited = true});

  router.add(Verb::post, "/api/auth/password/reset", [&s](Context& ctx) -> awaitable<Response> {
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto token = r.required_string("token");
    const auto password = r.required_string("password");
    s.check_new_password("password", password, r);
    r.finish();
    const auto lsn = co_await s.reset_password(ctx.db(), token, password, client_of(ctx));
    co_return http::written(ctx, 200, bj::object{{"status", "ok"}}, lsn);
  });

  router.add(Verb::post, "/api/auth/password/change", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto current = r.required_string("currentPassword");
    const auto next = r.required_string("newPassword");
    s.check_new_password("newPassword", next, r);
    if (!r.has_error("currentPassword") && current.size() > 256) r.fail("currentPassword", "is too long");
    r.finish();
    const auto lsn = co_await s.change_password(ctx.db(), who, current, next, client_of(ctx));
    co_return http::written(ctx, 200, bj::object{{"status", "ok"}}, lsn);
  });

  router.add(Verb::post, "/api/auth/email/change", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto obj = http::json_body(ctx);
    json::FieldReader r(obj);
    const auto email = r.required_string("newEmail");
    const auto password = r.required_string("password");
    if (!r.has_error("newEmail") && !AccountsService::valid_email(email)) {
      r.fail("newEmail", "must be a valid email address");
    }
    if (!r.has_error("password") && password.size() > 256) r.fail("password", "is too long");
    r.finish();
    const auto result = co_await s.change_email(ctx.db(), who, email, password, client_of(ctx));
    co_return http::written(ctx, 200, to_json(result.value), result.lsn);
  });

  router.add(Verb::get, "/api/auth/sessions", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto list = co_await s.sessions(ctx.db(), who, ctx.consistency_in);
    bj::array out;
    for (const auto& x : list) {
      out.push_back(bj::object{{"id", x.id},
                               {"createdAt", x.created_at},
                               {"lastUsedAt", x.last_used_at},
                               {"expiresAt", x.expires_at},
                               {"userAgent", x.user_agent ? bj::value(*x.user_agent) : bj::value(nullptr)},
                               {"ip", x.ip ? bj::value(*x.ip) : bj::value(nullptr)},
                               {"current", x.id == who.session_id}});
    }
    co_return http::json_response(200, bj::object{{"sessions", std::move(out)}});
  });

  router.add(Verb::delete_, "/api/auth/sessions/{id:uuid}", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const auto lsn = co_await s.revoke_session(ctx.db(), who, std::string(ctx.param("id")), client_of(ctx));
    co_return http::written_empty(ctx, lsn);
  });
}

}  // namespace mc::accounts
