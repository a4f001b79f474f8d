#include <gtest/gtest.h>

#include "cache/rate_limiter.hpp"

using namespace mc::cache;
using namespace std::chrono;

TEST(RateLimiter, allows_burst_then_refuses_with_retry_after) {
  auto limiter = make_in_process_rate_limiter();
  const auto t0 = steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    const auto d = limiter->consume("k", {10}, t0);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, static_cast<unsigned>(9 - i));
  }
  const auto refused = limiter->consume("k", {10}, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 6u);  // 10/min refills one token every 6 s
}

TEST(RateLimiter, refills_over_time) {
  auto limiter = make_in_process_rate_limiter();
  const auto t0 = steady_clock::now();
  for (int i = 0; i < 10; ++i) limiter->consume("k", {10}, t0);
  EXPECT_FALSE(limiter->consume("k", {10}, t0 + seconds(5)).allowed);
  EXPECT_TRUE(limiter->consume("k", {10}, t0 + seconds(12)).allowed);
}

TEST(RateLimiter, keys_are_independent) {
  auto limiter = make_in_process_rate_limiter();
  const auto t0 = steady_clock::now();
  EXPECT_TRUE(limiter->consume("a", {1}, t0).allowed);
  EXPECT_FALSE(limiter->consume("a", {1}, t0).allowed);
  EXPECT_TRUE(limiter->consume("b", {1}, t0).allowed);
}

TEST(RateLimiter, longer_windows_refill_proportionally) {
  auto limiter = make_in_process_rate_limiter();
  const auto t0 = steady_clock::now();
  const RateRule hourly{100, hours(1)};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter->consume("u", hourly, t0).allowed) << i;
  const auto refused = limiter->consume("u", hourly, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 36u);  // 100/hour refills one token every 36 s
  EXPECT_FALSE(limiter->consume("u", hourly, t0 + seconds(30)).allowed);
  EXPECT_TRUE(limiter->consume("u", hourly, t0 + seconds(37)).allowed);
}
