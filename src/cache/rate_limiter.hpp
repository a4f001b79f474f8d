#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

namespace mc::cache {

// A budget: `limit` requests per `window`, refilled continuously, bursting up to the whole window's worth.
struct RateRule {
  unsigned limit;
  std::chrono::seconds window{60};
};

struct RateDecision {
  bool allowed = true;
  unsigned limit = 0;
  unsigned remaining = 0;
  unsigned reset_seconds = 0;        // until the bucket is full again
  unsigned retry_after_seconds = 0;  // when refused
};

// Token buckets keyed by caller. In-process for one node now; a Redis implementation shares the
// same interface when REDIS_URL is configured.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual RateDecision consume(std::string_view key, const RateRule& rule,
                               std::chrono::steady_clock::time_point now) = 0;
};

std::unique_ptr<RateLimiter> make_in_process_rate_limiter();

}  // namespace mc::cache
