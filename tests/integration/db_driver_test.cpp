#include <gtest/gtest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "db/cluster.hpp"
#include "db/pool.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using boost::asio::awaitable;
using namespace boost::asio::experimental::awaitable_operators;

namespace {
constexpr db::Query kEcho{"t_echo", "SELECT $1::text, $2::int + 1, $3::text IS NULL"};
constexpr db::Query kInsertUser{
    "t_insert_user", "INSERT INTO users (username, email, password_hash, role) VALUES ($1, $2, 'x', 'fan')"};
constexpr db::Query kCountUsers{"t_count_users", "SELECT count(*) FROM users"};
constexpr db::Query kSleep{"t_sleep", "SELECT pg_sleep(0.2)"};
constexpr db::Query kBackendPid{"t_backend_pid", "SELECT pg_backend_pid()"};

db::PoolOptions pool_options(const std::string& url, unsigned size, unsigned waiters,
                             std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
  return db::PoolOptions{"writer", url, size, waiters, timeout};
}

class DbDriver : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  std::string url = fresh_database();
};
}  // namespace

TEST_F(DbDriver, parameters_and_nulls_round_trip) {
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    const auto r = co_await c->exec(kEcho, db::params("héllo", 41, std::nullopt));
    EXPECT_EQ(r.str(0, 0), "héllo");
    EXPECT_EQ(r.int64(0, 1), 42);
    EXPECT_TRUE(r.boolean(0, 2));
  }());
}

TEST_F(DbDriver, unique_violation_names_its_constraint_and_connection_stays_usable) {
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    co_await c->exec(kInsertUser, db::params("dup_user", "dup@example.com"));
    std::optional<db::DbError> error;
    try {
      co_await c->exec(kInsertUser, db::params("other_user", "DUP@example.com"));
    } catch (const db::DbError& e) {
      error = e;
    }
    EXPECT_TRUE(error && error->unique_violation());
    EXPECT_EQ(error ? error->constraint() : "", "users_email_key");
    const auto r = co_await c->exec(kCountUsers);
    EXPECT_EQ(r.int64(0, 0), 1);
  }());
}

TEST_F(DbDriver, pipeline_returns_every_result_in_order) {
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    std::vector<db::Statement> batch;
    for (int i = 0; i < 5; ++i) batch.push_back({&kEcho, db::params("n" + std::to_string(i), i, "x")});
    const auto results = co_await c->pipeline(batch);
    EXPECT_EQ(results.size(), 5u);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(results[i].str(0, 0), "n" + std::to_string(i));
      EXPECT_EQ(results[i].int64(0, 1), i + 1);
      EXPECT_FALSE(results[i].boolean(0, 2));
    }
  }());
}

TEST_F(DbDriver, transaction_rolls_back_unless_committed) {
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), db::ClusterOptions{pool_options(url, 1, 10)});
    {
      auto tx = co_await cluster.begin();
      co_await tx.exec(kInsertUser, db::params("ghost", "ghost@example.com"));
    }  // dropped without commit
    {
      auto tx = co_await cluster.begin();
      co_await tx.exec(kInsertUser, db::params("kept", "kept@example.com"));
      const db::Lsn lsn = co_await tx.commit();
      EXPECT_GT(lsn.value, 0u);
    }
    auto conn = co_await cluster.reader();
    EXPECT_FALSE(conn->in_transaction());
    const auto r = co_await conn->exec(kCountUsers);
    EXPECT_EQ(r.int64(0, 0), 1);
  }());
}

TEST_F(DbDriver, commit_tokens_advance_with_each_write) {
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), db::ClusterOptions{pool_options(url, 2, 10)});
    db::Lsn previous;
    for (int i = 0; i < 3; ++i) {
      auto tx = co_await cluster.begin();
      co_await tx.exec(kInsertUser,
                       db::params("u" + std::to_string(i), "u" + std::to_string(i) + "@example.com"));
      const db::Lsn lsn = co_await tx.commit();
      EXPECT_GT(lsn, previous);
      previous = lsn;
    }
  }());
}

TEST_F(DbDriver, pool_reuses_connections_and_hands_them_to_waiters) {
  run(io, [&]() -> awaitable<void> {
    db::Pool pool(io.get_executor(), pool_options(url, 1, 10));
    int64_t first_pid = 0;
    {
      auto lease = co_await pool.acquire();
      first_pid = (co_await lease->exec(kBackendPid)).int64(0, 0);
    }
    // Two callers share the single connection: the second waits for the first.
    auto use = [&]() -> awaitable<int64_t> {
      auto lease = co_await pool.acquire();
      co_await lease->exec(kSleep);
      co_return (co_await lease->exec(kBackendPid)).int64(0, 0);
    };
    const auto [a, b] = co_await (use() && use());
    EXPECT_EQ(a, first_pid);
    EXPECT_EQ(b, first_pid);
    EXPECT_EQ(pool.stats().in_use.load(), 0u);
    EXPECT_EQ(pool.stats().idle.load(), 1u);
  }());
}

// At shutdown the event loops, and the coroutines still holding leases, go after the cluster: a
// lease that outlives its pool closes its connection instead of returning it (ASan saw the pool
// used after free when a notification consumer's transaction was destroyed with its loop).
TEST_F(DbDriver, a_lease_that_outlives_its_pool_closes_its_connection) {
  db::Lease kept;
  run(io, [&]() -> awaitable<void> {
    auto pool = std::make_unique<db::Pool>(io.get_executor(), pool_options(url, 1, 10));
    kept = co_await pool->acquire();
    co_await kept->exec_script("BEGIN");  // an abandoned transaction: the pool would roll it back
    pool.reset();
  }());
  EXPECT_TRUE(static_cast<bool>(kept));
  kept = db::Lease();  // releases into a pool that is gone: must not touch it
  EXPECT_FALSE(static_cast<bool>(kept));
}

TEST_F(DbDriver, pool_refuses_beyond_its_wait_queue) {
  run(io, [&]() -> awaitable<void> {
    db::Pool pool(io.get_executor(), pool_options(url, 1, 1));
    auto holder = co_await pool.acquire();
    auto waiter = [&]() -> awaitable<bool> {
      try {
        auto lease = co_await pool.acquire();
        co_return true;
      } catch (const db::Unavailable&) {
        co_return false;
      }
    };
    auto release_later = [&]() -> awaitable<bool> {
      boost::asio::steady_timer t(io, std::chrono::milliseconds(100));
      co_await t.async_wait(boost::asio::use_awaitable);
      holder = db::Lease();
      co_return true;
    };
    // One waiter fits in the queue and gets the connection; the next is refused at once.
    const auto [queued, refused, released] = co_await (waiter() && waiter() && release_later());
    EXPECT_TRUE(queued);
    EXPECT_FALSE(refused);
    EXPECT_TRUE(released);
  }());
}

TEST_F(DbDriver, pool_wait_times_out) {
  run(io, [&]() -> awaitable<void> {
    db::Pool pool(io.get_executor(), pool_options(url, 1, 10, std::chrono::milliseconds(50)));
    auto holder = co_await pool.acquire();
    bool timed_out = false;
    try {
      auto lease = co_await pool.acquire();
    } catch (const db::Unavailable&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_EQ(pool.stats().timeouts.load(), 1u);
  }());
}

TEST_F(DbDriver, multiplexed_reads_share_one_connection_and_keep_their_own_results) {
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    std::shared_ptr<db::Connection> shared = std::move(conn);
    auto one = [&](int i) -> awaitable<int64_t> {
      const auto r = co_await shared->exec_shared(kEcho, db::params("x", i, std::nullopt));
      co_return r.int64(0, 1);
    };
    const auto [a, b, c, d] = co_await (one(1) && one(2) && one(3) && one(4));
    EXPECT_EQ(a, 2);
    EXPECT_EQ(b, 3);
    EXPECT_EQ(c, 4);
    EXPECT_EQ(d, 5);
    EXPECT_EQ(shared->inflight(), 0u);
  }());
}

TEST_F(DbDriver, a_failing_multiplexed_read_does_not_fail_its_neighbours) {
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    std::shared_ptr<db::Connection> shared = std::move(conn);
    auto ok = [&](int i) -> awaitable<bool> {
      const auto r = co_await shared->exec_shared(kEcho, db::params("x", i, "y"));
      co_return r.int64(0, 1) == i + 1;
    };
    auto bad = [&]() -> awaitable<bool> {
      try {
        co_await shared->exec_shared(kEcho, db::params("x", "not a number", "y"));
      } catch (const db::DbError& e) {
        co_return e.sqlstate() == "22P02";
      }
      co_return false;
    };
    // Sent in one pipeline segment: the failure aborts the statements after it, which are sent again.
    const auto [before, failed, after1, after2] = co_await (ok(1) && bad() && ok(2) && ok(3));
    EXPECT_TRUE(before);
    EXPECT_TRUE(failed);
    EXPECT_TRUE(after1);
    EXPECT_TRUE(after2);
  }());
}

// A statement prepared for the first time behind a failing one is skipped by PostgreSQL
// (PGRES_PIPELINE_ABORTED): the connection must not believe it prepared, or every later use of that
// statement on this connection fails with "prepared statement does not exist". Found by bench/soak:
// a worker started while the migrations ran kept failing to claim jobs.
TEST_F(DbDriver, a_prepare_skipped_behind_a_failure_is_prepared_again) {
  run(io, [&]() -> awaitable<void> {
    auto c = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    const std::vector<db::Statement> batch{{&kEcho, db::params("x", "not a number", "y")},
                                           {&kCountUsers, {}}};
    std::optional<db::DbError> error;
    try {
      co_await c->pipeline(batch);
    } catch (const db::DbError& e) {
      error = e;
    }
    EXPECT_TRUE(error && error->sqlstate() == "22P02");
    const auto r = co_await c->exec(kCountUsers);
    EXPECT_EQ(r.int64(0, 0), 0);
  }());
}

TEST_F(DbDriver, a_multiplexed_prepare_skipped_behind_a_failure_is_prepared_again) {
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    std::shared_ptr<db::Connection> shared = std::move(conn);
    co_await shared->exec_shared(kEcho, db::params("x", 1, "y"));  // prepared: only the next one is new
    auto bad = [&]() -> awaitable<bool> {
      try {
        co_await shared->exec_shared(kEcho, db::params("x", "not a number", "y"));
      } catch (const db::DbError& e) {
        co_return e.sqlstate() == "22P02";
      }
      co_return false;
    };
    auto count = [&]() -> awaitable<long> {
      const auto r = co_await shared->exec_shared(kCountUsers, {});
      co_return static_cast<long>(r.int64(0, 0));
    };
    // One pipeline segment: the failure aborts the first prepare of kCountUsers, which is resent.
    const auto [failed, users] = co_await (bad() && count());
    EXPECT_TRUE(failed);
    EXPECT_EQ(users, 0);
    EXPECT_EQ(co_await count(), 0);
  }());
}

// A backend that PostgreSQL terminates mid-query (a crash of the postmaster, a fast shutdown, an
// operator's pg_terminate_backend) answers FATAL 57P01: that is the database being unavailable (503,
// retry), not a bug (500). Found by bench/chaos: queries in flight when PostgreSQL was killed got 500.
TEST_F(DbDriver, a_backend_terminated_mid_query_is_unavailable) {
  run(io, [&]() -> awaitable<void> {
    constexpr db::Query kLongSleep{"t_long_sleep", "SELECT pg_sleep(5)"};
    constexpr db::Query kTerminate{"t_terminate", "SELECT pg_terminate_backend($1::int)"};
    auto admin = co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
    // Both paths: a statement of its own (pipeline) and a multiplexed read (exec_shared).
    for (const bool multiplexed : {false, true}) {
      std::shared_ptr<db::Connection> victim =
          co_await db::Connection::open(io.get_executor(), url, std::chrono::seconds(5));
      const auto pid = (co_await victim->exec(kBackendPid)).str(0, 0);
      auto sleeper = [&]() -> awaitable<std::string> {
        try {
          if (multiplexed) {
            co_await victim->exec_shared(kLongSleep, {});
          } else {
            co_await victim->exec(kLongSleep);
          }
        } catch (const db::Unavailable&) {
          co_return "unavailable";
        } catch (const db::DbError& e) {
          co_return "db error " + e.sqlstate();
        }
        co_return "finished";
      };
      auto terminator = [&]() -> awaitable<void> {
        boost::asio::steady_timer t(io, std::chrono::milliseconds(300));
        co_await t.async_wait(boost::asio::use_awaitable);
        co_await admin->exec(kTerminate, db::params(pid));
      };
      const std::string outcome = co_await (sleeper() && terminator());
      EXPECT_EQ(outcome, "unavailable") << (multiplexed ? "exec_shared" : "exec");
    }
  }());
}

TEST_F(DbDriver, cluster_read_uses_the_pool_fast_path) {
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), db::ClusterOptions{pool_options(url, 2, 10)});
    {
      auto tx = co_await cluster.begin();
      co_await tx.exec(kInsertUser, db::params("fast", "fast@example.com"));
      co_await tx.commit();
    }
    const auto r = co_await cluster.read(kCountUsers, {});
    EXPECT_EQ(r.int64(0, 0), 1);
    EXPECT_EQ(cluster.writer_pool().stats().in_use.load(), 0u);
  }());
}

TEST_F(DbDriver, unreachable_database_is_unavailable) {
  run(io, [&]() -> awaitable<void> {
    bool unavailable = false;
    try {
      co_await db::Connection::open(io.get_executor(), "postgresql:///x?host=/nonexistent&port=1",
                                    std::chrono::seconds(2));
    } catch (const db::Unavailable&) {
      unavailable = true;
    }
    EXPECT_TRUE(unavailable);
  }());
}
