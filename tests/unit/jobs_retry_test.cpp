#include <gtest/gtest.h>

#include "jobs/queue.hpp"
#include "jobs/worker.hpp"

using mc::jobs::retry_delay;
using std::chrono::milliseconds;

TEST(JobsRetry, delay_doubles_per_attempt_within_the_upper_half) {
  const milliseconds base(1000), cap(std::chrono::hours(1));
  EXPECT_EQ(retry_delay(1, base, cap, 0.0), milliseconds(500));
  EXPECT_EQ(retry_delay(1, base, cap, 0.5), milliseconds(750));
  EXPECT_LT(retry_delay(1, base, cap, 0.999), milliseconds(1000));
  EXPECT_EQ(retry_delay(2, base, cap, 0.0), milliseconds(1000));
  EXPECT_EQ(retry_delay(4, base, cap, 0.0), milliseconds(4000));
  EXPECT_LT(retry_delay(4, base, cap, 0.999), milliseconds(8000));
}

TEST(JobsRetry, delay_is_capped_and_never_overflows) {
  const milliseconds base(1000), cap(60000);
  EXPECT_EQ(retry_delay(10, base, cap, 0.0), milliseconds(30000));
  EXPECT_LE(retry_delay(10, base, cap, 1.0), cap);
  EXPECT_LE(retry_delay(1000000, base, cap, 0.7), cap);
  EXPECT_GE(retry_delay(1000000, base, cap, 0.7), cap / 2);
  EXPECT_EQ(retry_delay(0, base, cap, 0.0), milliseconds(500));  // treated as the first attempt
}

TEST(JobsNames, queue_and_kind_names_are_restricted) {
  EXPECT_TRUE(mc::jobs::valid_name("mail.send"));
  EXPECT_TRUE(mc::jobs::valid_name("media:process-v2_x"));
  EXPECT_FALSE(mc::jobs::valid_name(""));
  EXPECT_FALSE(mc::jobs::valid_name("a b"));
  EXPECT_FALSE(mc::jobs::valid_name("quote\""));
  EXPECT_FALSE(mc::jobs::valid_name(std::string(101, 'a')));
}
