#include "core/jwt.hpp"

#include <boost/json.hpp>
#include <stdexcept>

#include "core/crypto.hpp"

namespace mc {
namespace bj = boost::json;

namespace {
constexpr std::string_view kIssuer = "musicconnect";
}

JwtCodec::JwtCodec(std::vector<JwtKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("JwtCodec needs at least one key");
}

std::string JwtCodec::sign(const AccessClaims& c) const {
  const JwtKey& key = keys_.front();
  bj::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", key.kid}};
  bj::object payload{{"sub", c.user_id}, {"sid", c.session_id}, {"role", c.role},
                     {"iat", c.issued_at}, {"exp", c.expires_at}, {"iss", kIssuer}};
  std::string input = base64url_encode(bj::serialize(header)) + "." + base64url_encode(bj::serialize(payload));
  const std::string sig = hmac_sha256(key.secret, input);
  return input + "." + base64url_encode(sig);
}

JwtCodec::Verified JwtCodec::verify(std::string_view token, int64_t now) const {
  Verified out;
  if (token.size() > 4096) return out;
  const auto d1 = token.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) return out;
  const auto header_raw = base64url_decode(token.substr(0, d1));
  const auto payload_raw = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  const auto sig = base64url_decode(token.substr(d2 + 1));
  if (!header_raw || !payload_raw || !sig) return out;

  boost::system::error_code ec;
  const bj::value header = bj::parse(*header_raw, ec);
  if (ec || !header.is_object()) return out;
  const auto* alg = header.as_object().if_contains("alg");
  const auto* kid = header.as_object().if_contains("kid");
  if (!alg || !alg->is_string() || alg->as_string() != "HS256") return out;
  if (!kid || !kid->is_string()) {
    out.error = JwtError::unknown_kid;
    return out;
  }
  const JwtKey* key = nullptr;
  for (const auto& k : keys_) {
    if (k.kid == std::string_view(kid->as_string())) key = &k;
  }
  if (!key) {
    out.error = JwtError::unknown_kid;
    return out;
  }
  if (!constant_time_equal(hmac_sha256(key->secret, token.substr(0, d2)), *sig)) {
    out.error = JwtError::bad_signature;
    return out;
  }
  const bj::value payload = bj::parse(*payload_raw, ec);
  if (ec || !payload.is_object()) return out;
  const auto& p = payload.as_object();
  const auto* sub = p.if_contains("sub");
  const auto* sid = p.if_contains("sid");
  const auto* role = p.if_contains("role");
  const auto* iat = p.if_contains("iat");
  const auto* exp = p.if_contains("exp");
  const auto* iss = p.if_contains("iss");
  if (!sub || !sub->is_string() || !sid || !sid->is_string() || !role || !role->is_string() ||
      !exp || !exp->is_int64() || !iat || !iat->is_int64()) {
    return out;
  }
  if (!iss || !iss->is_string() || iss->as_string() != kIssuer) {
    out.error = JwtError::wrong_issuer;
    return out;
  }
  if (exp->as_int64() <= now) {
    out.error = JwtError::expired;
    return out;
  }
  out.claims = AccessClaims{std::string(sub->as_string()), std::string(sid->as_string()),
                            std::string(role->as_string()), iat->as_int64(), exp->as_int64()};
  return out;
}

const char* to_string(JwtError e) {
  switch (e) {
    case JwtError::malformed: return "malformed";
    case JwtError::unknown_kid: return "unknown_kid";
    case JwtError::bad_signature: return "bad_signature";
    case JwtError::expired: return "expired";
    case JwtError::wrong_issuer: return "wrong_issuer";
  }
  return "malformed";
}

}  // namespace mc
