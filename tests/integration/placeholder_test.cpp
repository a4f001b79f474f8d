#include <gtest/gtest.h>
TEST(Integration, builds) { SUCCEED(); }
