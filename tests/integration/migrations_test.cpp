#include <gtest/gtest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "core/crypto.hpp"
#include "db/migrations.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using boost::asio::awaitable;
using namespace boost::asio::experimental::awaitable_operators;

namespace {
std::string empty_database() {
  const std::string name = "m_" + fast_random_hex(6);
  exec_sql(primary().url_for("postgres"), "CREATE DATABASE " + name);
  return primary().url_for(name);
}
}  // namespace

TEST(Migrations, bring_an_empty_database_to_the_latest_version_once) {
  boost::asio::io_context io;
  const std::string url = empty_database();
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    EXPECT_EQ(co_await db::applied_version(*c), 0);
    EXPECT_EQ(co_await db::migrate(*c), static_cast<int>(db::known_migrations().size()));
    EXPECT_EQ(co_await db::applied_version(*c), db::latest_known_version());
    EXPECT_EQ(co_await db::migrate(*c), 0);
  }());
}

TEST(Migrations, concurrent_runners_apply_each_migration_once) {
  boost::asio::io_context io;
  const std::string url = empty_database();
  run(io, [&]() -> awaitable<void> {
    auto a = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    auto b = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    const auto [ran_a, ran_b] = co_await (db::migrate(*a) && db::migrate(*b));
    EXPECT_EQ(ran_a + ran_b, static_cast<int>(db::known_migrations().size()));
    EXPECT_EQ(co_await db::applied_version(*a), db::latest_known_version());
  }());
}

TEST(Migrations, refuse_a_schema_newer_than_the_binary) {
  boost::asio::io_context io;
  const std::string url = fresh_database();
  exec_sql(url, "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')");
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    bool refused = false;
    try {
      co_await db::migrate(*c);
    } catch (const std::runtime_error& e) {
      refused = std::string(e.what()).find("newer") != std::string::npos;
    }
    EXPECT_TRUE(refused);
  }());
}
