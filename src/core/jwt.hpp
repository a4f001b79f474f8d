#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc {

struct JwtKey {
  std::string kid;
  std::string secret;
};

struct AccessClaims {
  std::string user_id;     // sub
  std::string session_id;  // sid
  std::string role;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

// revoked: well signed, but its session has ended (http::SessionGate).
enum class JwtError { malformed, unknown_kid, bad_signature, expired, wrong_issuer, revoked };

// HS256 access tokens with a `kid` header. The first key signs; every key verifies, so a previous
// secret keeps working during rotation.
class JwtCodec {
 public:
  explicit JwtCodec(std::vector<JwtKey> keys);
  std::string sign(const AccessClaims& claims) const;
  // Returns the claims, or the reason the token is refused.
  struct Verified {
    std::optional<AccessClaims> claims;
    JwtError error = JwtError::malformed;
  };
  Verified verify(std::string_view token, int64_t now_seconds) const;

 private:
  Verified verify_uncached(std::string_view token, int64_t now_seconds) const;

  std::vector<JwtKey> keys_;
  uint64_t id_;  // keys the per-thread cache of verified tokens to this codec
};

const char* to_string(JwtError e);

}  // namespace mc
