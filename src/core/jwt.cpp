#include "core/jwt.hpp"

#include <atomic>
#include <boost/json.hpp>
#include <stdexcept>
#include <unordered_map>

#include "core/crypto.hpp"
#include "core/uuid.hpp"

namespace mc {
namespace bj = boost::json;

namespace {
constexpr std::string_view kIssuer = "musicconnect";
std::atomic<uint64_t> next_codec_id{1};

}  // namespace

JwtCodec::JwtCodec(std::vector<JwtKey> keys) : keys_(std::move(keys)), id_(next_codec_id.fetch_add(1)) {
  if (keys_.empty()) throw std::invalid_argument("JwtCodec needs at least one key");
}

std::string JwtCodec::sign(const AccessClaims& c) const {
  const JwtKey& key = keys_.front();
  bj::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", key.kid}};
  bj::object payload{{"sub", c.user_id},   {"sid", c.session_id}, {"role", c.role},
                     {"iat", c.issued_at}, {"exp", c.expires_at}, {"iss", kIssuer}};
  std::string input =
      base64url_encode(bj::serialize(header)) + "." + base64url_encode(bj::serialize(payload));
  const std::string sig = hmac_sha256(key.secret, input);
  return input + "." + base64url_encode(sig);
}

namespace {

// Clients send the same access token for up to 15 minutes, so each event-loop thread remembers
// tokens it has already verified (exact token text → claims) and skips the base64, HMAC and JSON
// work for them. Only verified tokens enter; expiry is still checked on every use.
struct VerifiedCache {
  static constexpr std::size_t kMax = 8192;
  uint64_t owner = 0;
  std::unordered_map<std::string, AccessClaims> entries;
};

VerifiedCache& verified_cache(uint64_t owner) {
  thread_local VerifiedCache cache;
  if (cache.owner != owner) {
    cache.entries.clear();
    cache.owner = owner;
  }
  return cache;
}

}  // namespace

JwtCodec::Verified JwtCodec::verify(std::string_view token, int64_t now) const {
  auto& cache = verified_cache(id_);
  if (auto it = cache.entries.find(std::string(token)); it != cache.entries.end()) {
    Verified hit;
    if (it->second.expires_at <= now) {
      hit.error = JwtError::expired;
      cache.entries.erase(it);
    } else {
      hit.claims = it->second;
    }
    return hit;
  }
  Verified out = verify_uncached(token, now);
  if (out.claims) {
    if (cache.entries.size() >= VerifiedCache::kMax) cache.entries.clear();
    cache.entries.emplace(std::string(token), *out.claims);
  }
  return out;
}

JwtCodec::Verified JwtCodec::verify_uncached(std::string_view token, int64_t now) const {
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
  if (!sub || !sub->is_string() || !sid || !sid->is_string() || !role || !role->is_string() || !exp ||
      !exp->is_int64() || !iat || !iat->is_int64() ||
      !is_uuid(sub->as_string()) ||  // sub and sid name rows by uuid
      !is_uuid(sid->as_string())) {
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
    case JwtError::malformed:
      return "malformed";
    case JwtError::unknown_kid:
      return "unknown_kid";
    case JwtError::bad_signature:
      return "bad_signature";
    case JwtError::expired:
      return "expired";
    case JwtError::wrong_issuer:
      return "wrong_issuer";
    case JwtError::revoked:
      return "session is no longer valid";
  }
  return "malformed";
}

}  // namespace mc
