#include <gtest/gtest.h>

#include "db/lsn.hpp"

using mc::db::Lsn;

TEST(Lsn, parses_and_orders_wal_positions) {
  const auto a = Lsn::parse("0/16B3748");
  const auto b = Lsn::parse("1/0");
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);
  EXPECT_EQ(a->str(), "0/16B3748");
  EXPECT_EQ(b->value, 1ull << 32);
}

TEST(Lsn, rejects_malformed_tokens) {
  for (const char* bad : {"", "/", "1/", "/1", "xyz", "1/2/3", "G/1", "123456789/1"}) {
    EXPECT_FALSE(Lsn::parse(bad)) << bad;
  }
}
