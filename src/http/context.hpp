#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "db/lsn.hpp"
#include "http/body_stream.hpp"
#include "http/router.hpp"
#include "http/types.hpp"
#include "http/upload_spool.hpp"

namespace mc::http {

// What one event loop owns: its executor and its database pools.
struct Loop {
  std::size_t index = 0;
  boost::asio::any_io_executor executor;
  db::Cluster* cluster = nullptr;
};

// Everything a handler knows about the request it serves.
class Context {
 public:
  Context(const Request& request, const Loop& loop) : req(request), loop_(loop) {}

  const Request& req;
  std::string_view path;
  std::string_view query;
  PathParams params;
  std::string request_id;
  std::string client_ip;
  std::string viewer_country;  // ISO 3166-1 alpha-2 from the edge, "ZZ" unknown (http/forwarded.hpp)
  std::string user_agent;

  std::optional<AccessClaims> auth;        // a valid bearer token was sent
  std::optional<JwtError> auth_error;      // a bearer token was sent and refused
  std::optional<db::Lsn> consistency_in;   // X-Consistency-Token from the client
  std::optional<db::Lsn> consistency_out;  // set by handlers that wrote
  UploadSpool* upload = nullptr;           // the spooled body of a spool_body route
  // Set by handlers whose body is sent as it is produced (the server sends it after the headers).
  std::shared_ptr<BodyStream> body_stream;

  std::string_view param(std::string_view name) const;
  // A query parameter, decoded; ApiError 400 invalid_query when it holds a control character.
  std::optional<std::string> query_param(std::string_view name) const;
  // The caller's claims, or ApiError 401 (unauthorized / invalid_token).
  const AccessClaims& require_auth() const;
  // The caller's claims, or nullopt for an anonymous caller; a bad token is still 401, not anonymity.
  std::optional<AccessClaims> optional_auth() const;
  db::Cluster& db() const { return *loop_.cluster; }
  const Loop& loop() const { return loop_; }

 private:
  const Loop& loop_;
};

}  // namespace mc::http
