#include <gtest/gtest.h>

#include <vector>

#include "http/context.hpp"

using namespace mc::http;

namespace {

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  const Request req{Verb::get, "/", 11};
  const Loop loop;
  Context ctx(req, loop);
  ctx.query = query;
  return ctx.query_param(name);
}

}  // namespace

TEST(ContextQuery, parameters_are_percent_and_plus_decoded) {
  EXPECT_EQ(query_param("page=2&n=My%20Song+1.flac", "n"), "My Song 1.flac");
  EXPECT_EQ(query_param("page=2&n=x", "page"), "2");
  EXPECT_EQ(query_param("flag&n=", "n"), "");
  EXPECT_EQ(query_param("", "n"), std::nullopt);
  EXPECT_EQ(query_param("a=1", "n"), std::nullopt);
}

// Found by fuzzing (tests/fuzz/json_body): "?#)b" made Boost.URL's parameter iterator read past
// the end of the string (ASan: stack-buffer-overflow). A query holding '#' is no query at all.
TEST(ContextQuery, a_fragment_mark_in_the_query_is_refused_not_read_past) {
  EXPECT_EQ(query_param("#)b", "n"), std::nullopt);
  EXPECT_EQ(query_param("#", "n"), std::nullopt);
  EXPECT_EQ(query_param("n=1#x", "n"), std::nullopt);
  EXPECT_EQ(query_param("%zz", "n"), std::nullopt);
}

// The query is a view into the request line, with no NUL after it: nothing past its end may be
// read (Boost.URL's parse_query measures its input with strlen; under ASan this test caught it).
TEST(ContextQuery, only_the_query_itself_is_read) {
  const std::string line = "n=1&x=2";
  const std::vector<char> unterminated(line.begin(), line.end());
  const std::string_view query(unterminated.data(), unterminated.size());
  EXPECT_EQ(query_param(query, "x"), "2");
  EXPECT_EQ(query_param(query.substr(0, 3), "n"), "1");
  EXPECT_EQ(query_param(query.substr(0, 3), "x"), std::nullopt);
  EXPECT_EQ(query_param(query.substr(0, 0), "n"), std::nullopt);
  EXPECT_EQ(query_param(std::string_view{}, "n"), std::nullopt) << "no query at all: a null view";
}
