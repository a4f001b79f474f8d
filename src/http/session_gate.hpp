#pragma once
#include <boost/asio/awaitable.hpp>

#include "core/jwt.hpp"
#include "db/cluster.hpp"

namespace mc::http {

// Whether the session behind a validly signed access token is still live. The pipeline asks it for
// every request that carries a token, so a revoked session's tokens stop working on every route
// (accounts answers from a short per-process cache, see accounts::SessionCache).
class SessionGate {
 public:
  virtual ~SessionGate() = default;
  virtual boost::asio::awaitable<bool> session_live(db::Cluster& db, const AccessClaims& claims) = 0;
};

}  // namespace mc::http
