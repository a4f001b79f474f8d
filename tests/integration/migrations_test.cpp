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

TEST(Migrations, run_on_a_newer_schema_whose_migrations_declare_this_binary_compatible) {
  boost::asio::io_context io;
  const std::string url = fresh_database();
  const std::string known = std::to_string(db::latest_known_version());
  exec_sql(url,
           "INSERT INTO schema_migrations (version, name, oldest_compatible) VALUES (9998, '9998_add.sql', " +
               known + ")");
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    EXPECT_EQ(co_await db::migrate(*c), 0);
    const db::SchemaState state = co_await db::schema_state(*c);
    EXPECT_TRUE(state.ahead());
    EXPECT_TRUE(state.compatible);
  }());
  // One more that needs a binary of its own version: this binary may no longer run.
  exec_sql(url,
           "INSERT INTO schema_migrations (version, name, oldest_compatible) VALUES (9999, "
           "'9999_contract.sql', 9999)");
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    EXPECT_FALSE((co_await db::schema_state(*c)).compatible);
    bool refused = false;
    try {
      co_await db::migrate(*c);
    } catch (const std::runtime_error& e) {
      refused = std::string(e.what()).find("newer") != std::string::npos;
    }
    EXPECT_TRUE(refused);
  }());
}

TEST(Migrations, record_the_oldest_binary_each_one_runs_with) {
  // Without a declaration, a migration runs with the previous release's binary (the one before it).
  const auto& all = db::known_migrations();
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(all[i].oldest_compatible, all[i].version) << all[i].name;
    if (all[i].sql.find("-- oldest-compatible-binary:") == std::string_view::npos) {
      EXPECT_EQ(all[i].oldest_compatible, all[i - 1].version) << all[i].name;
    }
  }
  // And the migration runner records it, so an older binary can tell (schema_state).
  static constexpr db::Query kRecorded{
      "test_recorded_compat", "SELECT oldest_compatible FROM schema_migrations WHERE version = $1::int"};
  boost::asio::io_context io;
  const std::string url = fresh_database();
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    const auto r = co_await c->exec(kRecorded, db::params(all.back().version));
    EXPECT_EQ(r.int64(0, 0), all.back().oldest_compatible);
  }());
}
