#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/error.hpp"
#include "core/json.hpp"

using mc::json::serialize;
namespace bj = boost::json;

TEST(JsonSerialize, whole_doubles_are_written_as_integers) {
  EXPECT_EQ(serialize(bj::value(40.0)), "40");
  EXPECT_EQ(serialize(bj::value(-3.0)), "-3");
  EXPECT_EQ(serialize(bj::value(0.0)), "0");
  EXPECT_EQ(serialize(bj::value(-0.0)), "0");
  EXPECT_EQ(serialize(bj::value(1e15)), "1000000000000000");
  EXPECT_EQ(serialize(bj::value(9007199254740992.0)), "9007199254740992");
}

TEST(JsonSerialize, fractions_use_plain_notation) {
  EXPECT_EQ(serialize(bj::value(-1.7)), "-1.7");
  EXPECT_EQ(serialize(bj::value(0.1)), "0.1");
  EXPECT_EQ(serialize(bj::value(215.04)), "215.04");
  EXPECT_EQ(serialize(bj::value(1e-7)), "0.0000001");
  EXPECT_EQ(serialize(bj::value(-14.000000000000002)), "-14.000000000000002");
}

TEST(JsonSerialize, huge_and_tiny_doubles_round_trip_without_exponent) {
  for (double d : {1e300, -1.5e200, 5e-324, 1.2345678901234567e-100, std::numeric_limits<double>::max()}) {
    const std::string text = serialize(bj::value(d));
    EXPECT_EQ(text.find_first_of("eE"), std::string::npos) << text;
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), d) << text;  // Boost parses numbers imprecisely
  }
}

TEST(JsonSerialize, non_finite_doubles_become_null) {
  EXPECT_EQ(serialize(bj::value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(serialize(bj::value(std::nan(""))), "null");
}

TEST(JsonSerialize, integers_and_structures_match_boost) {
  const bj::value v = bj::parse(
      R"({"a":[1,-2,18446744073709551615,true,false,null],"b":{"c":"x\"y\\z\n\t\u0001\u001f/é"},"":[]})");
  EXPECT_EQ(
      serialize(v),
      R"({"a":[1,-2,18446744073709551615,true,false,null],"b":{"c":"x\"y\\z\n\t\u0001\u001f/é"},"":[]})");
  EXPECT_EQ(bj::parse(serialize(v)), v);
}

TEST(JsonSerialize, nul_in_a_string_is_escaped) {
  EXPECT_EQ(serialize(bj::value(std::string("a\0b", 3))), R"("a\u0000b")");
}
