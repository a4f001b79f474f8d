#include <gtest/gtest.h>

#include "http/byte_range.hpp"

using mc::http::parse_range;
using mc::http::RangeRequest;

TEST(ByteRange, the_three_single_range_forms) {
  auto r = parse_range("bytes=2-5", 10);
  ASSERT_EQ(r.kind, RangeRequest::slice);
  EXPECT_EQ(r.range.first, 2u);
  EXPECT_EQ(r.range.last, 5u);
  r = parse_range("bytes=7-", 10);
  ASSERT_EQ(r.kind, RangeRequest::slice);
  EXPECT_EQ(r.range.first, 7u);
  EXPECT_EQ(r.range.last, 9u);
  r = parse_range("bytes=-3", 10);
  ASSERT_EQ(r.kind, RangeRequest::slice);
  EXPECT_EQ(r.range.first, 7u);
  EXPECT_EQ(r.range.last, 9u);
  r = parse_range("bytes=-30", 10);  // more than the whole: the whole
  ASSERT_EQ(r.kind, RangeRequest::slice);
  EXPECT_EQ(r.range.first, 0u);
  r = parse_range("bytes=4-99999999999999999", 10);  // clamped to the end
  ASSERT_EQ(r.kind, RangeRequest::slice);
  EXPECT_EQ(r.range.last, 9u);
}

TEST(ByteRange, a_well_formed_range_past_the_end_is_unsatisfiable) {
  for (const char* h : {"bytes=10-", "bytes=10-12", "bytes=-0"}) {
    EXPECT_EQ(parse_range(h, 10).kind, RangeRequest::unsatisfiable) << h;
  }
  EXPECT_EQ(parse_range("bytes=0-0", 0).kind, RangeRequest::unsatisfiable) << "an empty representation";
}

TEST(ByteRange, anything_else_is_ignored_and_the_whole_is_served) {
  for (const char* h : {"", "bytes=abc", "bytes=5-2", "bytes=0-1,3-4", "items=0-1", "bytes=", "bytes=-",
                        "bytes= 1-2", "bytes=1-2 ", "bytes=99999999999999999999-", "bytes=+1-2"}) {
    EXPECT_EQ(parse_range(h, 10).kind, RangeRequest::whole) << h;
  }
}
