#include <gtest/gtest.h>

#include "db/query.hpp"

using mc::db::to_param;

TEST(QueryParams, text_arrays_become_escaped_postgres_literals) {
  EXPECT_EQ(to_param(std::vector<std::string>{}), "{}");
  EXPECT_EQ(to_param(std::vector<std::string>{"a", "b\"c", "d\\e", "f,g"}), R"({"a","b\"c","d\\e","f,g"})");
  EXPECT_EQ(to_param(std::optional<std::vector<std::string>>{}), std::nullopt);
}
