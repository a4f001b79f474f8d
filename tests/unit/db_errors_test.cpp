#include <gtest/gtest.h>

#include "http/db_errors.hpp"

using mc::db::DbError;
using mc::http::client_error_of;

TEST(DbErrors, constraint_violations_are_conflicts_bad_values_are_client_errors_the_rest_server_faults) {
  const auto unique = client_error_of(DbError("dup", "23505", "subscriptions_live_key"));
  ASSERT_TRUE(unique);
  EXPECT_EQ(unique->status(), 409);
  EXPECT_EQ(unique->code(), "conflict");
  const auto foreign = client_error_of(DbError("fk", "23503", "releases_artist_id_fkey"));
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status(), 409);
  for (const char* state : {"22P02", "22003", "22007", "22008", "22021", "22P05"}) {
    const auto bad = client_error_of(DbError("bad", state));
    ASSERT_TRUE(bad) << state;
    EXPECT_EQ(bad->status(), 400) << state;
    EXPECT_EQ(bad->code(), "invalid_input") << state;
  }
  for (const char* state : {"", "42P01", "42703", "40001", "57014", "23514", "XX000"}) {
    EXPECT_FALSE(client_error_of(DbError("fault", state))) << state;
  }
}
