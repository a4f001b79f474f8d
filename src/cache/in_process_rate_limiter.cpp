#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cache/rate_limiter.hpp"

namespace mc::cache {
namespace {

class InProcessRateLimiter final : public RateLimiter {
 public:
  RateDecision consume(std::string_view key, const RateRule& rule,
                       std::chrono::steady_clock::time_point now) override {
    const double capacity = rule.limit;
    const double per_second = capacity / static_cast<double>(std::max<long>(1, rule.window.count()));
    Shard& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
    std::lock_guard lock(shard.mutex);
    if (shard.buckets.size() > kMaxKeysPerShard) evict_full(shard, now, per_second, capacity);
    auto [it, inserted] = shard.buckets.try_emplace(std::string(key), Bucket{capacity, now});
    Bucket& b = it->second;
    if (!inserted) {
      const double elapsed = std::chrono::duration<double>(now - b.updated).count();
      b.tokens = std::min(capacity, b.tokens + elapsed * per_second);
      b.updated = now;
    }
    RateDecision d;
    d.limit = rule.limit;
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      d.allowed = true;
    } else {
      d.allowed = false;
      d.retry_after_seconds = static_cast<unsigned>(std::ceil((1.0 - b.tokens) / per_second));
      if (d.retry_after_seconds == 0) d.retry_after_seconds = 1;
    }
    d.remaining = static_cast<unsigned>(std::floor(b.tokens));
    d.reset_seconds = static_cast<unsigned>(std::ceil((capacity - b.tokens) / per_second));
    return d;
  }

 private:
  static constexpr std::size_t kMaxKeysPerShard = 50000;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };

  // A bucket that has refilled completely carries no information: forget it.
  static void evict_full(Shard& shard, std::chrono::steady_clock::time_point now, double per_second,
                         double capacity) {
    std::erase_if(shard.buckets, [&](const auto& kv) {
      const double elapsed = std::chrono::duration<double>(now - kv.second.updated).count();
      return kv.second.tokens + elapsed * per_second >= capacity;
    });
  }

  std::array<Shard, 32> shards_;
};

}  // namespace

std::unique_ptr<RateLimiter> make_in_process_rate_limiter() {
  return std::make_unique<InProcessRateLimiter>();
}

}  // namespace mc::cache
