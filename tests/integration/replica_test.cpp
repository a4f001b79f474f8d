// A real streaming replica (pg_basebackup + standby) behind the cluster API: reads go to the
// replica, token reads see the caller's writes, and with replay paused token reads fall back to
// the writer while plain reads keep working.
#include <gtest/gtest.h>

#include <fstream>

#include "core/process.hpp"
#include "db/cluster.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using boost::asio::awaitable;

namespace {

constexpr db::Query kInRecovery{"t_in_recovery", "SELECT pg_is_in_recovery()"};
constexpr db::Query kInsert{
    "t_replica_insert",
    "INSERT INTO users (username, email, password_hash, role) VALUES ($1, $1 || '@example.com', 'x', 'fan')"};
constexpr db::Query kFind{"t_replica_find", "SELECT count(*) FROM users WHERE username = $1"};
constexpr db::Query kPauseReplay{"t_pause_replay", "SELECT pg_wal_replay_pause()"};
constexpr db::Query kResumeReplay{"t_resume_replay", "SELECT pg_wal_replay_resume()"};

class Replica : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_ = new std::string(fresh_database());
    dir_ = new std::filesystem::path(make_temp_dir("mc-it-standby"));
    const auto pg_root = *dir_ / "pg";
    std::filesystem::create_directories(pg_root);
    const auto& user = primary().run_as();
    if (user) run_process({"chown", "-R", *user, dir_->string()});
    std::filesystem::permissions(pg_root, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    const auto r = run_process(
        {db::find_postgres_bin_dir() + "/pg_basebackup", "-D", (pg_root / "data").string(), "-R", "-X",
         "stream", "-c", "fast", "-h", primary().socket_dir().string(), "-p", "5432", "-U", "postgres"},
        ProcessOptions{.run_as_user = user});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    standby_ = new db::EmbeddedPostgres(*dir_);
    standby_->start("postgres");
  }

  static void TearDownTestSuite() {
    delete standby_;
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
    delete database_;
  }

  db::ClusterOptions options() const {
    const std::string db_name = database_->substr(
        std::string("postgresql:///").size(), database_->find('?') - std::string("postgresql:///").size());
    db::ClusterOptions o;
    o.writer = db::PoolOptions{"writer", *database_, 2, 100};
    o.reader = db::PoolOptions{"reader", standby_->url_for(db_name), 2, 100};
    o.token_wait = std::chrono::milliseconds(200);
    return o;
  }

  boost::asio::io_context io;
  static std::string* database_;
  static std::filesystem::path* dir_;
  static db::EmbeddedPostgres* standby_;
};

std::string* Replica::database_ = nullptr;
std::filesystem::path* Replica::dir_ = nullptr;
db::EmbeddedPostgres* Replica::standby_ = nullptr;

awaitable<db::Lsn> insert(db::Cluster& cluster, const std::string& username) {
  auto tx = co_await cluster.begin();
  co_await tx.exec(kInsert, db::params(username));
  co_return co_await tx.commit();
}

}  // namespace

TEST_F(Replica, plain_reads_go_to_the_replica) {
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), options());
    auto lease = co_await cluster.reader();
    EXPECT_EQ(lease.served_by, db::Role::reader);
    EXPECT_TRUE((co_await lease->exec(kInRecovery)).boolean(0, 0));
    auto writer = co_await cluster.writer();
    EXPECT_FALSE((co_await writer->exec(kInRecovery)).boolean(0, 0));
  }());
}

TEST_F(Replica, fast_path_reads_follow_the_same_routing) {
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), options());
    EXPECT_TRUE((co_await cluster.read(kInRecovery, {})).boolean(0, 0)) << "plain read on the replica";
    const db::Lsn token = co_await insert(cluster, "fast_path_ryw");
    EXPECT_EQ((co_await cluster.read(kFind, db::params("fast_path_ryw"), token)).int64(0, 0), 1);
    {
      auto replica = co_await cluster.reader();
      co_await replica->exec(kPauseReplay);
    }
    const db::Lsn paused = co_await insert(cluster, "fast_path_paused");
    EXPECT_FALSE((co_await cluster.read(kInRecovery, {}, paused)).boolean(0, 0))
        << "token read went to the writer";
    EXPECT_EQ((co_await cluster.read(kFind, db::params("fast_path_paused"), paused)).int64(0, 0), 1);
    {
      auto replica = co_await cluster.reader();
      co_await replica->exec(kResumeReplay);
    }
  }());
}

TEST_F(Replica, a_token_read_right_after_a_write_sees_it) {
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), options());
    for (int i = 0; i < 20; ++i) {
      const std::string name = "ryw_" + std::to_string(i);
      const db::Lsn token = co_await insert(cluster, name);
      auto lease = co_await cluster.reader(token);
      EXPECT_EQ((co_await lease->exec(kFind, db::params(name))).int64(0, 0), 1) << name;
      EXPECT_EQ(lease.served_by, db::Role::reader) << "the replica caught up within the wait";
    }
  }());
}

TEST_F(Replica, with_replay_paused_token_reads_fall_back_to_the_writer) {
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), options());
    {
      auto replica = co_await cluster.reader();
      co_await replica->exec(kPauseReplay);
    }
    const db::Lsn token = co_await insert(cluster, "while_paused");
    {
      auto lease = co_await cluster.reader(token);
      EXPECT_EQ(lease.served_by, db::Role::writer);
      EXPECT_FALSE((co_await lease->exec(kInRecovery)).boolean(0, 0));
      EXPECT_EQ((co_await lease->exec(kFind, db::params("while_paused"))).int64(0, 0), 1);
    }
    {
      auto plain = co_await cluster.reader();
      EXPECT_EQ(plain.served_by, db::Role::reader);
      EXPECT_EQ((co_await plain->exec(kFind, db::params("while_paused"))).int64(0, 0), 0)
          << "the paused replica has not replayed the write";
    }
    {
      auto replica = co_await cluster.reader();
      co_await replica->exec(kResumeReplay);
    }
    auto caught_up = co_await cluster.reader(token);
    EXPECT_EQ(caught_up.served_by, db::Role::reader);
    EXPECT_EQ((co_await caught_up->exec(kFind, db::params("while_paused"))).int64(0, 0), 1);
  }());
}
