#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cache/rate_limiter.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/jwt.hpp"
#include "http/body_stream.hpp"
#include "http/context.hpp"
#include "http/router.hpp"
#include "http/session_gate.hpp"
#include "http/static_files.hpp"
#include "http/upload_gate.hpp"

namespace mc::db {
class Cluster;
}

namespace mc::http {

struct Peer {
  std::string address;
};

// Everything around a handler, in order: request id, CORS preflight, routing (404/405), bearer
// token, rate limits, consistency token, the handler, error envelope, security/CORS/rate headers,
// metrics and the access log. A GET or HEAD that no route takes, outside the API, media, ops and
// real-time paths, goes to the web app (`web`, when given).
class Pipeline {
 public:
  Pipeline(const Config& config, const Router& router, cache::RateLimiter& limiter, const JwtCodec& jwt,
           const StaticFiles* web = nullptr, SessionGate* sessions = nullptr);

  // How a request's body is read: its size limit, and whether it is spooled to disk (uploads).
  struct BodyPolicy {
    std::size_t limit = 0;
    bool spool = false;
  };
  BodyPolicy body_policy(Verb method, std::string_view target) const;
  // For spooling routes, on the headers alone, before any body byte is read: a bearer token, the
  // route's own checks (RouteOptions::admit), a place among the caller's uploads in flight and room
  // in the spool for `body_bytes` (the declared length, or the body limit) plus what the route
  // needs, and, for uploads, the caller's upload budget. Either the refusal to send instead of
  // reading the body, or the ticket holding the upload's place until the request is over.
  struct Admission {
    std::optional<ApiError> refusal;
    UploadGate::Ticket ticket;
  };
  boost::asio::awaitable<Admission> admit_upload(const Request& req, const Peer& peer, const Loop& loop,
                                                 std::uint64_t body_bytes);
  // `body_out`: where a handler's streamed body (Context::body_stream) goes, for the server to send
  // after the headers; without it such a response cannot be sent and is refused.
  boost::asio::awaitable<Response> handle(const Request& req, const Peer& peer, const Loop& loop,
                                          UploadSpool* upload = nullptr,
                                          std::shared_ptr<BodyStream>* body_out = nullptr);
  // Tags a page of the web app adds to index.html (link previews), looked up by path; nullopt for
  // pages that have none. Set once, before serving.
  using PageHeads =
      std::function<boost::asio::awaitable<std::optional<PageHead>>(db::Cluster&, std::string path)>;
  void set_page_heads(PageHeads heads) { page_heads_ = std::move(heads); }

  // For requests the server refused before they were complete (too large, malformed).
  Response refuse(const Request& req, const Peer& peer, const ApiError& error);

 private:
  void finish(const Request& req, Response& res, const Context* ctx, std::string_view route,
              std::string_view request_id, const Peer& peer, std::chrono::steady_clock::time_point started);
  void apply_cors(const Request& req, Response& res) const;
  std::optional<Response> preflight(const Request& req) const;
  void authenticate(Context& ctx) const;
  // A token whose session has ended becomes a refused token (JwtError::revoked).
  boost::asio::awaitable<void> check_session(Context& ctx) const;
  std::optional<ApiError> rate_limit(Context& ctx, const RouteOptions& options, Response& headers_out);

  const Config& config_;
  const Router& router_;
  cache::RateLimiter& limiter_;
  const JwtCodec& jwt_;
  const StaticFiles* web_;
  PageHeads page_heads_;
  SessionGate* sessions_;
  UploadGate uploads_;
};

}  // namespace mc::http
