#include <gtest/gtest.h>

#include "features/accounts/session_cache.hpp"

using namespace mc::accounts;
using namespace std::chrono_literals;

TEST(SessionCache, remembers_an_answer_until_its_ttl) {
  SessionCache cache(5s);
  const auto t0 = SessionCache::Clock::now();
  EXPECT_FALSE(cache.get("s1", "u1", t0).has_value());
  cache.put("s1", "u1", true, t0);
  EXPECT_EQ(cache.get("s1", "u1", t0 + 4s), true);
  EXPECT_FALSE(cache.get("s1", "u1", t0 + 5s).has_value());
  cache.put("s2", "u1", false, t0);
  EXPECT_EQ(cache.get("s2", "u1", t0 + 1s), false);
}

TEST(SessionCache, a_session_is_live_only_for_its_own_user) {
  SessionCache cache(5s);
  const auto t0 = SessionCache::Clock::now();
  cache.put("s1", "u1", true, t0);
  EXPECT_EQ(cache.get("s1", "someone-else", t0), false);
}

TEST(SessionCache, forgetting_a_session_or_a_user_forces_a_fresh_look) {
  SessionCache cache(5s);
  const auto t0 = SessionCache::Clock::now();
  cache.put("s1", "u1", true, t0);
  cache.put("s2", "u1", true, t0);
  cache.put("s3", "u2", true, t0);
  cache.forget("s1");
  EXPECT_FALSE(cache.get("s1", "u1", t0).has_value());
  cache.forget_user("u1");
  EXPECT_FALSE(cache.get("s2", "u1", t0).has_value());
  EXPECT_EQ(cache.get("s3", "u2", t0), true);
}

TEST(SessionCache, stays_bounded_and_a_zero_ttl_caches_nothing) {
  SessionCache cache(5s, 32);
  const auto t0 = SessionCache::Clock::now();
  for (int i = 0; i < 10000; ++i) cache.put("s" + std::to_string(i), "u", true, t0);
  int kept = 0;
  for (int i = 0; i < 10000; ++i) kept += cache.get("s" + std::to_string(i), "u", t0).has_value() ? 1 : 0;
  EXPECT_LE(kept, 32);
  SessionCache none(0s);
  none.put("s1", "u1", true, t0);
  EXPECT_FALSE(none.get("s1", "u1", t0).has_value());
}
