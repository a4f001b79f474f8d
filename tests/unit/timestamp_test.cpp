#include <gtest/gtest.h>

#include "core/timestamp.hpp"

using mc::format_rfc3339_utc;
using mc::parse_rfc3339;

TEST(Timestamp, parses_rfc3339_with_offsets_and_fractions) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2026-05-01T18:00:00Z"), 1777658400LL * 1000000);
  EXPECT_EQ(parse_rfc3339("2026-05-01T20:00:00+02:00"), 1777658400LL * 1000000);
  EXPECT_EQ(parse_rfc3339("2026-05-01t16:30:00.25-01:30z").has_value(), false);  // Z after an offset
  EXPECT_EQ(parse_rfc3339("2026-05-01t16:30:00.25-01:30"), 1777658400LL * 1000000 + 250000);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00.123456789z"), 1709164800LL * 1000000 + 123456);
  EXPECT_EQ(parse_rfc3339("0001-01-01T00:00:00Z"), -62135596800LL * 1000000);
  EXPECT_EQ(parse_rfc3339("9999-12-31T23:59:59Z"), 253402300799LL * 1000000);
}

TEST(Timestamp, refuses_anything_out_of_range_or_malformed) {
  for (const char* bad : {"2026-13-45T99:99:99Z",
                          "0000-01-01T00:00:00Z",
                          "2026-05-01T10:00:00+99:99",
                          "2026-05-01T10:00:00+24:00",
                          "2026-05-01T10:00:00+05:60",
                          "2026-00-10T10:00:00Z",
                          "2026-04-31T10:00:00Z",
                          "2026-02-29T10:00:00Z",
                          "2100-02-29T10:00:00Z",
                          "2026-05-01T24:00:00Z",
                          "2026-05-01T23:60:00Z",
                          "2026-05-01T23:59:60Z",
                          "2026-05-01T10:00:00",
                          "2026-05-01 10:00:00Z",
                          "2026-05-01T10:00:00.Z",
                          "2026-05-01T10:00:00.1234567890Z",
                          "2026-5-01T10:00:00Z",
                          "+2026-05-01T10:00:00Z",
                          "2026-05-01T10:00:00Z ",
                          " 2026-05-01T10:00:00Z",
                          "2026-05-01T10:00:00+0200",
                          "2026-05-01T10:00Z",
                          "",
                          "2026-05-01",
                          "２０２６-05-01T10:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

TEST(Timestamp, formats_utc_with_microseconds_for_sql) {
  EXPECT_EQ(format_rfc3339_utc(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339_utc(1777658400LL * 1000000 + 250000), "2026-05-01T18:00:00.250000Z");
  EXPECT_EQ(format_rfc3339_utc(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339_utc(mc::kLatestTimestamp), "2199-12-31T23:59:59.999999Z");
  for (const char* t :
       {"2024-02-29T12:34:56.000001Z", "2000-03-01T00:00:00.000000Z", "1999-12-31T23:59:59.500000Z"}) {
    EXPECT_EQ(format_rfc3339_utc(*parse_rfc3339(t)), t);
  }
}
