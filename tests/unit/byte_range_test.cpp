#include <gtest/gtest.h>

#include "http/byte_range.hpp"

using mc::http::parse_byte_range;

TEST(ByteRange, the_three_single_range_forms) {
  auto r = parse_byte_range("bytes=2-5", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 2u);
  EXPECT_EQ(r->last, 5u);
  r = parse_byte_range("bytes=7-", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 7u);
  EXPECT_EQ(r->last, 9u);
  r = parse_byte_range("bytes=-3", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 7u);
  EXPECT_EQ(r->last, 9u);
  r = parse_byte_range("bytes=-30", 10);  // more than the whole: the whole
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0u);
  r = parse_byte_range("bytes=4-99999999999999999", 10);  // clamped to the end
  ASSERT_TRUE(r);
  EXPECT_EQ(r->last, 9u);
}

TEST(ByteRange, anything_else_is_refused) {
  for (const char* h : {"bytes=abc", "bytes=5-2", "bytes=10-", "bytes=-0", "bytes=0-1,3-4", "items=0-1",
                        "bytes=", "bytes=-", "bytes= 1-2", "bytes=1-2 ", "bytes=99999999999999999999-"}) {
    EXPECT_FALSE(parse_byte_range(h, 10)) << h;
  }
  EXPECT_FALSE(parse_byte_range("bytes=0-0", 0)) << "an empty representation has no ranges";
}
