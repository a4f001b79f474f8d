#include "http/pipeline.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <variant>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/rejected_input.hpp"
#include "core/trace.hpp"
#include "db/result.hpp"
#include "http/db_errors.hpp"
#include "http/forwarded.hpp"
#include "http/response.hpp"

namespace mc::http {
namespace asio = boost::asio;

namespace {

constexpr std::string_view kExposedHeaders =
    "X-Request-Id, X-Consistency-Token, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
    "Retry-After";

std::string_view path_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

bool safe_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool is_ops_path(std::string_view path) {
  return path == "/health" || path == "/ready" || path == "/metrics";
}

void append_json_string(std::string& out, std::string_view s) {
  out += boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Pipeline::Pipeline(const Config& config, const Router& router, cache::RateLimiter& limiter,
                   const JwtCodec& jwt, const StaticFiles* web, SessionGate* sessions)
    : config_(config),
      router_(router),
      limiter_(limiter),
      jwt_(jwt),
      web_(web),
      sessions_(sessions),
      uploads_(UploadLimits{config.upload_max_concurrent_per_user, config.upload_spool_max_bytes,
                            config.upload_spool_min_free_bytes, config.upload_tmp_dir}) {}

Pipeline::BodyPolicy Pipeline::body_policy(Verb method, std::string_view target) const {
  const auto m = router_.match(method, path_of(target));
  BodyPolicy p;
  p.limit = m.route && m.route->options.body_limit ? m.route->options.body_limit : config_.json_body_limit;
  p.spool = m.route && m.route->options.spool_body;
  return p;
}

asio::awaitable<Pipeline::Admission> Pipeline::admit_upload(const Request& req, const Peer& peer,
                                                            const Loop& loop, std::uint64_t body_bytes) {
  Admission out;
  auto m = router_.match(req.method(), path_of(req.target()));
  if (!m.route) co_return out;
  Context ctx(req, loop);
  ctx.client_ip = forwarded_client(req, peer.address, config_.trust_proxy_hops);
  ctx.path = path_of(req.target());
  ctx.params = std::move(m.params);
  authenticate(ctx);
  try {
    co_await check_session(ctx);  // a revoked session uploads nothing
    const AccessClaims& who = ctx.require_auth();
    std::uint64_t extra = 0;
    if (m.route->options.admit) extra = co_await m.route->options.admit(ctx);
    auto admitted = uploads_.admit(who.user_id, body_bytes + extra);
    if (auto* refused = std::get_if<ApiError>(&admitted)) throw *refused;
    out.ticket = std::move(std::get<UploadGate::Ticket>(admitted));
    // Spent last, so that an upload refused for another reason costs no budget.
    if (m.route->options.upload_rate_limited) {
      const auto d =
          limiter_.consume("upload:u:" + who.user_id, {config_.rate_uploads_per_hour, std::chrono::hours(1)},
                           std::chrono::steady_clock::now());
      if (!d.allowed) {
        throw ApiError(429, "rate_limited", "Too many uploads; try again later")
            .with_header("Retry-After", std::to_string(d.retry_after_seconds));
      }
    }
  } catch (const ApiError& e) {
    out.refusal = e;
  } catch (const db::Unavailable& e) {
    log::error("database unavailable", {{"error", e.what()}});
    out.refusal =
        ApiError::unavailable("The service is temporarily unavailable").with_header("Retry-After", "1");
  } catch (const std::exception& e) {
    log::error("upload admission failed", {{"error", e.what()}});
    out.refusal = ApiError(500, "internal_error", "Something went wrong; the request id identifies it");
  }
  if (out.refusal) out.ticket = UploadGate::Ticket{};
  co_return out;
}

std::optional<Response> Pipeline::preflight(const Request& req) const {
  if (req.method() != Verb::options) return std::nullopt;
  const auto origin = req[bhttp::field::origin];
  if (origin.empty() || req[bhttp::field::access_control_request_method].empty()) return std::nullopt;
  Response res = empty_response(204);
  if (std::find(config_.cors_origins.begin(), config_.cors_origins.end(), origin) !=
      config_.cors_origins.end()) {
    res.set(bhttp::field::access_control_allow_methods, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    res.set(bhttp::field::access_control_allow_headers,
            "Authorization, Content-Type, X-Consistency-Token, X-Request-Id, Idempotency-Key");
    res.set(bhttp::field::access_control_max_age, "600");
  }
  return res;
}

void Pipeline::apply_cors(const Request& req, Response& res) const {
  const auto origin = req[bhttp::field::origin];
  if (origin.empty()) return;
  res.set(bhttp::field::vary, "Origin");
  if (std::find(config_.cors_origins.begin(), config_.cors_origins.end(), origin) ==
      config_.cors_origins.end()) {
    return;
  }
  res.set(bhttp::field::access_control_allow_origin, origin);
  res.set(bhttp::field::access_control_expose_headers, kExposedHeaders);
}

void Pipeline::authenticate(Context& ctx) const {
  const auto header = ctx.req[bhttp::field::authorization];
  if (header.empty()) return;
  constexpr std::string_view prefix = "Bearer ";
  if (!header.starts_with(prefix)) return;  // another scheme is no bearer token at all
  if (header.size() <= prefix.size()) {
    ctx.auth_error = JwtError::malformed;
    return;
  }
  auto verified = jwt_.verify(header.substr(prefix.size()), unix_now());
  if (verified.claims) {
    ctx.auth = std::move(verified.claims);
  } else {
    ctx.auth_error = verified.error;
  }
}

std::optional<ApiError> Pipeline::rate_limit(Context& ctx, const RouteOptions& options,
                                             Response& headers_out) {
  const auto now = std::chrono::steady_clock::now();
  std::optional<ApiError> refused;
  auto apply = [&](const cache::RateDecision& d) {
    headers_out.set("RateLimit-Limit", std::to_string(d.limit));
    headers_out.set("RateLimit-Remaining", std::to_string(d.remaining));
    headers_out.set("RateLimit-Reset", std::to_string(d.reset_seconds));
    if (!d.allowed && !refused) {
      refused = ApiError(429, "rate_limited", "Too many requests; slow down")
                    .with_header("Retry-After", std::to_string(d.retry_after_seconds));
    }
  };
  if (options.api_rate_limited) {
    if (ctx.auth) {
      apply(limiter_.consume("api:u:" + ctx.auth->user_id, {config_.rate_api_per_min}, now));
    } else {
      apply(limiter_.consume("api:ip:" + ctx.client_ip, {config_.rate_anon_per_min}, now));
    }
  }
  // Spooling routes spent the upload budget before their body was read.
  if (options.upload_rate_limited && !options.spool_body && !refused && ctx.auth) {
    apply(limiter_.consume("upload:u:" + ctx.auth->user_id,
                           {config_.rate_uploads_per_hour, std::chrono::hours(1)}, now));
  }
  if (options.login_rate_limited && !refused) {
    apply(limiter_.consume("login:ip:" + ctx.client_ip, {config_.rate_login_per_min}, now));
  }
  return refused;
}

asio::awaitable<void> Pipeline::check_session(Context& ctx) const {
  if (!ctx.auth || !sessions_) co_return;
  const bool live = co_await sessions_->session_live(ctx.db(), *ctx.auth);
  if (!live) {
    ctx.auth.reset();
    ctx.auth_error = JwtError::revoked;
  }
}

asio::awaitable<Response> Pipeline::handle(const Request& req, const Peer& peer, const Loop& loop,
                                           UploadSpool* upload, std::shared_ptr<BodyStream>* body_out) {
  const auto started = std::chrono::steady_clock::now();
  // The request's span: a child of the caller's (W3C traceparent) or the root of a new trace. It is
  // the connection's current context (trace::Executor, http/server.cpp) until the response is
  // made, so logs, enqueued jobs, outbox events and outgoing calls carry it.
  const auto caller_trace = trace::parse_traceparent(req["traceparent"]);
  trace::Span span(std::string("HTTP ").append(bhttp::to_string(req.method())), trace::Kind::server,
                   caller_trace);
  Context ctx(req, loop);
  ctx.upload = upload;
  const auto incoming_id = req["X-Request-Id"];
  ctx.request_id = safe_request_id(incoming_id) ? std::string(incoming_id) : fast_random_hex(8);
  ctx.client_ip = forwarded_client(req, peer.address, config_.trust_proxy_hops);
  ctx.viewer_country = viewer_country(req, config_.trust_proxy_hops);
  const std::string_view target = req.target();
  const auto q = target.find('?');
  ctx.path = path_of(target);
  ctx.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);

  if (auto res = preflight(req)) {
    finish(req, *res, &ctx, "preflight", ctx.request_id, peer, started);
    co_return std::move(*res);
  }

  Response res;
  std::string_view route_label = "unmatched";
  std::optional<ApiError> error;
  auto match = router_.match(req.method(), ctx.path);
  Response limit_headers;
  const bool web_request = web_ && !match.route &&
                           (req.method() == Verb::get || req.method() == Verb::head) &&
                           StaticFiles::owns(ctx.path);
  if (web_request) {
    // Static files are CDN traffic: not API-limited (SPEC §5), no token needed.
    route_label = "web";
    std::optional<PageHead> head;
    if (page_heads_ && web_->has_index()) {
      try {
        head = co_await page_heads_(ctx.db(), std::string(ctx.path));
      } catch (const std::exception& e) {
        // a link preview is a courtesy: the page itself is still served
        log::warn("page head lookup failed", {{"request_id", ctx.request_id}, {"error", e.what()}});
      }
    }
    res = head ? web_->serve_page(req, *head) : web_->serve(req, ctx.path);
  } else if (!match.route) {
    // Unknown API paths still spend the caller's API budget (and say so in the headers).
    if (ctx.path.starts_with("/api/")) {
      authenticate(ctx);
      error = rate_limit(ctx, RouteOptions{}, limit_headers);
    }
    if (!error && !match.allowed.empty()) {
      std::string allow;
      for (auto v : match.allowed) allow += (allow.empty() ? "" : ", ") + std::string(bhttp::to_string(v));
      error =
          ApiError(405, "method_not_allowed", "Method not allowed on this path").with_header("Allow", allow);
    } else if (!error) {
      error = ApiError::not_found("No such route");
    }
  } else {
    route_label = match.route->path_template;
    ctx.params = std::move(match.params);
    authenticate(ctx);
    try {
      co_await check_session(ctx);
    } catch (const db::Unavailable& e) {
      log::error("database unavailable", {{"request_id", ctx.request_id}, {"error", e.what()}});
      error = ApiError::unavailable("The service is temporarily unavailable").with_header("Retry-After", "1");
    }
    if (!error) error = rate_limit(ctx, match.route->options, limit_headers);
    if (!error) {
      const auto token = req["X-Consistency-Token"];
      if (!token.empty()) {
        ctx.consistency_in = db::Lsn::parse(token);
        if (!ctx.consistency_in) {
          error = ApiError(400, "invalid_consistency_token", "X-Consistency-Token is not a WAL position");
        }
      }
    }
    if (!error) {
      try {
        res = co_await match.route->handler(ctx);
      } catch (const ApiError& e) {
        error = e;
      } catch (const db::Unavailable& e) {
        log::error("database unavailable", {{"request_id", ctx.request_id}, {"error", e.what()}});
        error =
            ApiError::unavailable("The service is temporarily unavailable").with_header("Retry-After", "1");
      } catch (const RejectedInput& e) {
        error = ApiError(e.status(), e.code(), e.what());  // e.g. an upload refused for what it is
      } catch (const db::DbError& e) {
        error = client_error_of(e);
        log::write(error ? log::Level::warn : log::Level::error, "request failed in the database",
                   {{"request_id", ctx.request_id},
                    {"route", route_label},
                    {"sqlstate", e.sqlstate()},
                    {"constraint", e.constraint()},
                    {"error", e.what()}});
        if (!error)
          error = ApiError(500, "internal_error", "Something went wrong; the request id identifies it");
      } catch (const std::exception& e) {
        log::error("request failed",
                   {{"request_id", ctx.request_id}, {"route", route_label}, {"error", e.what()}});
        error = ApiError(500, "internal_error", "Something went wrong; the request id identifies it");
      }
    }
  }
  if (!error && ctx.body_stream) {
    if (body_out) {
      *body_out = std::move(ctx.body_stream);
    } else {
      error = ApiError(500, "internal_error", "Something went wrong; the request id identifies it");
    }
  }
  if (error) res = error_response(*error);
  for (const auto& field : limit_headers) res.set(field.name_string(), field.value());
  if (ctx.consistency_out) res.set("X-Consistency-Token", ctx.consistency_out->str());
  if (trace::exporting()) {
    // OpenTelemetry's HTTP server conventions (only built when spans are exported): named by
    // method and route template, never the path.
    span.rename(std::string(bhttp::to_string(req.method())).append(" ").append(route_label));
    span.attribute("http.request.method", std::string(bhttp::to_string(req.method())));
    span.attribute("http.route", std::string(route_label));
    span.attribute("http.response.status_code", static_cast<std::int64_t>(res.result_int()));
    span.attribute("musicconnect.request_id", ctx.request_id);
    if (res.result_int() >= 500)
      span.error(error ? error->code() : std::string("HTTP ") + std::to_string(res.result_int()));
  }
  finish(req, res, &ctx, route_label, ctx.request_id, peer, started);
  co_return res;
}

Response Pipeline::refuse(const Request& req, const Peer& peer, const ApiError& error) {
  const auto started = std::chrono::steady_clock::now();
  Response res = error_response(error);
  res.keep_alive(false);
  const std::string id = fast_random_hex(8);
  finish(req, res, nullptr, "refused", id, peer, started);
  return res;
}

void Pipeline::finish(const Request& req, Response& res, const Context* ctx, std::string_view route,
                      std::string_view request_id, const Peer& peer,
                      std::chrono::steady_clock::time_point started) {
  res.set("X-Request-Id", request_id);
  res.set("X-Content-Type-Options", "nosniff");
  // a page that lets other sites frame it says so in its CSP (frame-ancestors *), the modern
  // control; X-Frame-Options has no "anyone" value, so it is left off for that page only
  const auto csp = res.find("Content-Security-Policy");
  if (csp == res.end() || csp->value().find("frame-ancestors *") == std::string_view::npos) {
    res.set("X-Frame-Options", "DENY");
  }
  res.set("Referrer-Policy", "no-referrer");
  if (res.find("Content-Security-Policy") == res.end()) {
    res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
  res.set("Cross-Origin-Resource-Policy", "same-origin");
  if (config_.public_url.starts_with("https://")) {
    res.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  }
  if (res.find(bhttp::field::cache_control) == res.end()) res.set(bhttp::field::cache_control, "no-store");
  apply_cors(req, res);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto method = bhttp::to_string(req.method());
  const unsigned status = res.result_int();
  metrics::observe_request(route, method, status, seconds);

  const std::string_view path = ctx ? ctx->path : path_of(req.target());
  if (!config_.access_log || (is_ops_path(path) && status < 400 && !log::enabled(log::Level::debug))) return;
  std::string line;
  line.reserve(256);
  line += "{\"ts\":\"" + log::now_iso8601() + "\",\"level\":\"info\",\"msg\":\"http\",\"method\":\"";
  line.append(method);
  line += "\",\"path\":";
  append_json_string(line, path.substr(0, 512));
  line += ",\"route\":";
  append_json_string(line, route);
  line += ",\"status\":" + std::to_string(status);
  const auto micros = static_cast<long long>(seconds * 1e6);
  char duration[64];
  std::snprintf(duration, sizeof duration, ",\"duration_ms\":%lld.%03lld", micros / 1000, micros % 1000);
  line += duration;
  line += ",\"bytes\":" + std::to_string(res.body().size());
  line += ",\"request_id\":\"";
  line.append(request_id);
  line += "\"";
  if (const trace::SpanContext t = trace::current(); t.valid()) {
    line += ",\"trace_id\":\"" + t.trace_id_hex() + "\",\"span_id\":\"" + t.span_id_hex() + "\"";
  }
  line += ",\"ip\":";
  append_json_string(line, ctx ? std::string_view(ctx->client_ip) : std::string_view(peer.address));
  if (ctx && ctx->auth) line += ",\"user_id\":\"" + ctx->auth->user_id + "\"";
  line += "}";
  log::write_line(line);
}

}  // namespace mc::http
