#include "features/streaming/media_limits.hpp"

#include <string>

#include "core/error.hpp"

namespace mc::streaming {
namespace {

void enforce(cache::RateLimiter& limiter, const std::string& key, unsigned per_minute) {
  const auto d =
      limiter.consume(key, {per_minute, std::chrono::seconds(60)}, std::chrono::steady_clock::now());
  if (!d.allowed) {
    throw ApiError(429, "rate_limited", "Too many media requests; slow down")
        .with_header("Retry-After", std::to_string(d.retry_after_seconds));
  }
}

}  // namespace

void MediaLimits::check_address(Kind kind, std::string_view ip) {
  if (kind == Kind::original) {
    enforce(limiter_, "orig:ip:" + std::string(ip), config_.rate_originals_per_min_ip);
  } else {
    enforce(limiter_, "media:ip:" + std::string(ip), config_.rate_media_per_min_ip);
  }
}

void MediaLimits::check_grant(Kind kind, const media::MediaGrant& grant) {
  // What the signature covers identifies the grant: scope, rungs and expiry.
  std::string key = kind == Kind::original ? "orig:g:" : "media:g:";
  key += grant.scope;
  key += '|';
  key += std::to_string(grant.expires);
  for (const int rung : grant.rungs) key += "," + std::to_string(rung);
  enforce(limiter_, key,
          kind == Kind::original ? config_.rate_originals_per_min_grant : config_.rate_media_per_min_grant);
}

}  // namespace mc::streaming
