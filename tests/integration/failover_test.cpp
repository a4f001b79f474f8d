// Following a failover through a multi-host DATABASE_URL: a real primary and a streaming standby,
// reached with target_session_attrs=read-write the way DESIGN.md §5 deploys them. libpq walks the
// host list itself; these tests check that our asynchronous connection and pools let it.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <thread>

#include "core/process.hpp"
#include "db/cluster.hpp"
#include "db/migrations.hpp"
#include "events/outbox.hpp"
#include "events/relay.hpp"
#include "jobs/queue.hpp"
#include "jobs/worker.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using namespace std::chrono_literals;
using boost::asio::awaitable;
using Clock = std::chrono::steady_clock;

namespace {

constexpr db::Query kInRecovery{"t_fo_in_recovery", "SELECT pg_is_in_recovery()"};
constexpr db::Query kInsert{
    "t_fo_insert",
    "INSERT INTO users (username, email, password_hash, role) VALUES ($1, $1 || '@example.com', 'x', 'fan')"};

std::string multi_host_url(const std::vector<const db::EmbeddedPostgres*>& hosts, const std::string& attrs) {
  std::string host_list, ports;
  for (const auto* h : hosts) {
    host_list += (host_list.empty() ? "" : ",") + h->socket_dir().string();
    ports += (ports.empty() ? "" : ",") + std::string("5432");
  }
  return "postgresql:///mc?host=" + host_list + "&port=" + ports +
         "&user=postgres&connect_timeout=5&target_session_attrs=" + attrs;
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(boost::asio::use_awaitable);
}

awaitable<void> insert(db::Cluster& cluster, const std::string& username) {
  auto tx = co_await cluster.begin();
  co_await tx.exec(kInsert, db::params(username));
  co_await tx.commit();
}

// One primary with the migrated database `mc`, two standbys streaming from it, and the directory of
// a server that is not running (a host that is down).
class Failover : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(make_temp_dir("mc-it-failover"));
    primary_ = new db::EmbeddedPostgres(*dir_ / "a");
    primary_->start("mc");
    {
      boost::asio::io_context io;
      run(io, [&]() -> awaitable<void> {
        auto conn = co_await db::Connection::open(io.get_executor(), primary_->url_for("mc"), 10s);
        co_await db::migrate(*conn);
      }());
    }
    standby_ = make_standby("b");
    second_standby_ = make_standby("c");
    down_ = new db::EmbeddedPostgres(*dir_ / "d");  // never started
  }

  static db::EmbeddedPostgres* make_standby(const std::string& name) {
    const auto pg_root = *dir_ / name / "pg";
    std::filesystem::create_directories(pg_root);
    const auto& user = primary_->run_as();
    if (user) run_process({"chown", "-R", *user, (*dir_ / name).string()});
    std::filesystem::permissions(pg_root, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    const auto r = run_process(
        {db::find_postgres_bin_dir() + "/pg_basebackup", "-D", (pg_root / "data").string(), "-R", "-X",
         "stream", "-c", "fast", "-h", primary_->socket_dir().string(), "-p", "5432", "-U", "postgres"},
        ProcessOptions{.run_as_user = user});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto* pg = new db::EmbeddedPostgres(*dir_ / name);
    pg->start("postgres");
    return pg;
  }

  static void TearDownTestSuite() {
    delete second_standby_;
    delete standby_;
    delete primary_;  // may already be dead (the failover test kills it): stop() then just logs
    delete down_;
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
  }

  // Standbys first, as a region's own endpoints come first in its URLs: every connect of the writer
  // pool is refused by at least one standby before libpq reaches the primary, before and after the
  // failover (the second standby keeps following the dead primary, as it would until Patroni
  // re-points it).
  static db::ClusterOptions cluster_options() {
    db::ClusterOptions o;
    o.writer = db::PoolOptions{"writer", multi_host_url({second_standby_, standby_, primary_}, "read-write"),
                               4, 1000};
    o.reader = db::PoolOptions{"reader", multi_host_url({standby_, primary_}, "prefer-standby"), 2, 1000};
    o.writer.connect_timeout = o.reader->connect_timeout = 3s;
    return o;
  }

  static void kill_primary() {
    std::ifstream pidfile(primary_->data_dir() / "postmaster.pid");
    int pid = 0;
    pidfile >> pid;
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
  }

  boost::asio::io_context io;
  static std::filesystem::path* dir_;
  static db::EmbeddedPostgres* primary_;
  static db::EmbeddedPostgres* standby_;
  static db::EmbeddedPostgres* second_standby_;
  static db::EmbeddedPostgres* down_;
};

std::filesystem::path* Failover::dir_ = nullptr;
db::EmbeddedPostgres* Failover::primary_ = nullptr;
db::EmbeddedPostgres* Failover::standby_ = nullptr;
db::EmbeddedPostgres* Failover::second_standby_ = nullptr;
db::EmbeddedPostgres* Failover::down_ = nullptr;

TEST_F(Failover, connects_when_the_first_host_is_a_standby) {
  const std::string url = multi_host_url({standby_, primary_}, "read-write");
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await db::Connection::open(io.get_executor(), url, 5s);
    EXPECT_FALSE((co_await conn->exec(kInRecovery)).boolean(0, 0)) << "libpq skipped the standby";
  }());
}

TEST_F(Failover, connects_when_the_first_host_is_down) {
  const std::string url = multi_host_url({down_, standby_, primary_}, "read-write");
  run(io, [&]() -> awaitable<void> {
    auto conn = co_await db::Connection::open(io.get_executor(), url, 5s);
    EXPECT_FALSE((co_await conn->exec(kInRecovery)).boolean(0, 0));
  }());
}

TEST_F(Failover, a_cluster_with_a_standby_listed_first_reads_from_it_and_writes_to_the_primary) {
  const auto options = cluster_options();
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), options);
    co_await insert(cluster, "fo_start");
    EXPECT_TRUE((co_await cluster.read(kInRecovery, {})).boolean(0, 0)) << "reads prefer the standby";
  }());
}

// Last in the suite: it kills the primary.
TEST_F(Failover, writes_recover_on_their_own_after_the_primary_dies_and_a_standby_is_promoted) {
  std::atomic<bool> promoted{false};
  Clock::time_point promoted_at;
  std::thread operator_thread;
  struct Attempt {
    Clock::time_point at;
    bool ok;
  };
  std::vector<Attempt> attempts;
  std::vector<std::string> relayed;
  std::size_t jobs_run = 0;

  const auto options = cluster_options();
  run(io, [&]() -> awaitable<void> {
    db::Cluster cluster(io.get_executor(), options);
    events::Relay relay(cluster, 20ms);
    relay.subscribe("test.", [&](const events::Event& e) { relayed.push_back(e.key); });
    co_await relay.start_from_tail();
    jobs::Worker worker(io.get_executor(), cluster);
    worker.handle("test.failover", [](jobs::JobContext&) -> awaitable<void> { co_return; });
    // Warm every pool so each holds connections to the primary that is about to die.
    EXPECT_FALSE((co_await (co_await cluster.writer())->exec(kInRecovery)).boolean(0, 0));
    co_await cluster.read(kInRecovery, {});
    co_await relay.poll_once();

    // A steady write load: one transaction every 10 ms, through the whole failover.
    int n = 0;
    std::optional<Clock::time_point> stop_at;
    while (!stop_at || Clock::now() < *stop_at) {
      bool ok = true;
      try {
        co_await insert(cluster, "fo_" + std::to_string(n++));
      } catch (const db::DbError&) {
        ok = false;  // Unavailable (503 to a client) while there is no writer
      }
      attempts.push_back({Clock::now(), ok});
      if (n == 30) {
        operator_thread = std::thread([&] {
          kill_primary();
          std::this_thread::sleep_for(500ms);  // an operator (or Patroni) notices the loss
          exec_sql(standby_->url_for("postgres"), "SELECT pg_promote(true, 60)");
          promoted_at = Clock::now();
          promoted = true;
        });
      }
      if (promoted && !stop_at) stop_at = Clock::now() + 2s;
      co_await sleep_for(10ms);
    }

    // Every other pool follows too: reads, the outbox relay and the job queue.
    EXPECT_FALSE((co_await cluster.read(kInRecovery, {})).boolean(0, 0))
        << "the reader follows the new primary";
    {
      auto tx = co_await cluster.begin();
      const boost::json::object payload{{"n", 1}};
      co_await events::append(tx, "test.failover", "after", payload);
      jobs::EnqueueRequest job;
      job.kind = "test.failover";
      co_await jobs::enqueue(tx, job);
      co_await tx.commit();
    }
    for (int i = 0; i < 100 && relayed.empty(); ++i) {
      co_await relay.poll_once();
      if (relayed.empty()) co_await sleep_for(20ms);
    }
    jobs_run = co_await worker.run_once();
  }());
  operator_thread.join();

  ASSERT_TRUE(promoted);
  ASSERT_GE(attempts.size(), 30u);
  for (int i = 0; i < 29; ++i) EXPECT_TRUE(attempts[i].ok) << "write " << i << " before the kill";
  const auto first_ok_after = std::find_if(attempts.begin(), attempts.end(),
                                           [&](const Attempt& a) { return a.at > promoted_at && a.ok; });
  ASSERT_NE(first_ok_after, attempts.end()) << "writes never recovered after the promotion";
  const auto recovery =
      std::chrono::duration_cast<std::chrono::milliseconds>(first_ok_after->at - promoted_at);
  EXPECT_LT(recovery, 1000ms) << "writes recovered " << recovery.count() << " ms after the promotion";
  EXPECT_TRUE(std::all_of(first_ok_after, attempts.end(), [](const Attempt& a) { return a.ok; }))
      << "once recovered, every later write succeeds";
  EXPECT_EQ(relayed, std::vector<std::string>{"after"}) << "the relay delivers events written after failover";
  EXPECT_EQ(jobs_run, 1u) << "the job queue works on the new primary";
}

}  // namespace
