#pragma once
#include <string_view>

#include "cache/rate_limiter.hpp"
#include "core/config.hpp"
#include "media/signed_url.hpp"

namespace mc::streaming {

// Budgets of the /media routes (docs/media.md, "Media rate limits"). Media is CDN traffic (SPEC §5):
// not API-limited, and limited generously, per client address (before the link is checked, so
// floods of forged links are limited too) and per grant once its signature checked out (a leaked
// link is throttled wherever it is used). Originals, the expensive ones, have budgets of their own.
class MediaLimits {
 public:
  enum class Kind { hls, image, original };

  MediaLimits(cache::RateLimiter& limiter, const Config& config) : limiter_(limiter), config_(config) {}

  // Throw ApiError 429 rate_limited (with Retry-After) when the budget is spent.
  void check_address(Kind kind, std::string_view ip);
  void check_grant(Kind kind, const media::MediaGrant& grant);

 private:
  cache::RateLimiter& limiter_;
  const Config& config_;
};

}  // namespace mc::streaming
