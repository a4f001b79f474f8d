#include <gtest/gtest.h>

#include "features/catalog/visibility.hpp"

using namespace mc::catalog;
using mc::memberships::Access;
using mc::memberships::Tier;
using std::chrono::hours;

namespace {
const Clock::time_point kNow = Clock::now();
const Access kAnonymous{Tier::free, false};
const Access kSupporter{Tier::supporter, false};
const Access kSuperfan{Tier::superfan, false};
const Access kOwner{Tier::superfan, true};
}  // namespace

TEST(Visibility, tier_gates_lock_with_the_tier_needed) {
  const auto v = evaluate(kSupporter, Tier::superfan, true, std::nullopt, kNow);
  EXPECT_TRUE(v.listed);
  EXPECT_FALSE(v.playable);
  EXPECT_EQ(v.locked_by_tier, Tier::superfan);
  EXPECT_TRUE(evaluate(kSuperfan, Tier::supporter, true, std::nullopt, kNow).playable);
  EXPECT_TRUE(evaluate(kAnonymous, Tier::free, true, std::nullopt, kNow).playable);
}

TEST(Visibility, early_access_windows_per_tier) {
  const auto in30h = kNow + hours(30);
  const auto in20h = kNow + hours(20);
  const auto in60h = kNow + hours(60);
  EXPECT_TRUE(evaluate(kSuperfan, Tier::free, true, in30h, kNow).playable) << "48 h early";
  EXPECT_FALSE(evaluate(kSuperfan, Tier::free, true, in60h, kNow).playable);
  EXPECT_FALSE(evaluate(kSupporter, Tier::free, true, in30h, kNow).playable) << "only 24 h early";
  EXPECT_TRUE(evaluate(kSupporter, Tier::free, true, in20h, kNow).playable);
  const auto anon = evaluate(kAnonymous, Tier::free, true, in20h, kNow);
  EXPECT_FALSE(anon.playable);
  EXPECT_EQ(anon.available_at, in20h);
  EXPECT_TRUE(evaluate(kAnonymous, Tier::free, true, kNow - hours(1), kNow).playable);
}

TEST(Visibility, drafts_are_only_for_their_artist) {
  EXPECT_FALSE(evaluate(kSuperfan, Tier::free, false, std::nullopt, kNow).listed);
  const auto own = evaluate(kOwner, Tier::superfan, false, kNow + hours(60), kNow);
  EXPECT_TRUE(own.listed);
  EXPECT_TRUE(own.playable);
}
