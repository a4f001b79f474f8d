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

namespace {
// The details of the validation error parse_object throws for body, or "" when it parses.
std::string refusal(std::string_view body) {
  try {
    mc::json::parse_object(body);
  } catch (const mc::ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "validation_failed");
    return serialize(e.details());
  }
  return "";
}
}  // namespace

TEST(JsonParseObject, control_characters_anywhere_are_refused_naming_the_field) {
  EXPECT_EQ(refusal(R"({"title":"a\u0000b","kind":"ep"})"),
            R"({"title":"must not contain control characters"})");
  EXPECT_EQ(refusal(R"({"tags":["ok","x\u001b"]})"), R"({"tags":"must not contain control characters"})");
  EXPECT_EQ(refusal(R"({"links":[{"label":"\u007f","url":"u"}]})"),
            R"({"links":"must not contain control characters"})");
  EXPECT_EQ(refusal(R"({"a":{"k\u0001":1}})"), R"({"a":"must not contain control characters"})");
  EXPECT_EQ(refusal(R"({"c1":"\u0085"})"), R"({"c1":"must not contain control characters"})");
  EXPECT_EQ(refusal(R"({"bio":"one\r\ntwo\tthree","name":"é ü \u00a0 ok"})"), "");
}

TEST(JsonParseObject, numbers_beyond_a_double_are_refused_naming_the_field) {
  // Boost.JSON reads them as infinity, which no answer could carry back (found by fuzzing).
  EXPECT_EQ(refusal(R"({"priceCents":5e312})"), R"({"priceCents":"holds a number out of range"})");
  EXPECT_EQ(refusal(R"({"a":{"b":[1,-1e999]}})"), R"({"a":"holds a number out of range"})");
  EXPECT_EQ(refusal(R"({"x":1.7e308,"y":-0,"z":1e-400})"), "");
}

TEST(JsonFieldReader, single_line_strings_refuse_line_breaks_multi_line_ones_keep_them) {
  const auto obj = mc::json::parse_object(R"({"title":"a\nb","bio":"a\nb\tc"})");
  mc::json::FieldReader r(obj);
  EXPECT_FALSE(r.optional_string("title").has_value());
  EXPECT_EQ(r.optional_string("bio", mc::json::Text::multi_line), "a\nb\tc");
  EXPECT_TRUE(r.has_error("title"));
  EXPECT_FALSE(r.has_error("bio"));
}

TEST(JsonFieldReader, timestamps_are_range_checked_and_normalised_to_utc) {
  const auto obj = mc::json::parse_object(
      R"({"ok":"2026-05-01T20:00:00+02:00","bad":"2026-13-45T99:99:99Z","early":"1969-12-31T23:59:59Z",
          "late":"2200-01-01T00:00:00Z","num":5})");
  mc::json::FieldReader r(obj);
  EXPECT_EQ(r.optional_timestamp("ok"), "2026-05-01T18:00:00.000000Z");
  for (const char* f : {"bad", "early", "late", "num"}) {
    EXPECT_FALSE(r.optional_timestamp(f).has_value()) << f;
    EXPECT_TRUE(r.has_error(f)) << f;
  }
}
