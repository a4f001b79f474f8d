#include <gtest/gtest.h>

#include "events/outbox.hpp"
#include "events/relay.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using boost::asio::awaitable;

namespace {
class Outbox : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  std::string url = fresh_database();
  db::Cluster cluster{io.get_executor(), db::ClusterOptions{db::PoolOptions{"writer", url, 4, 100}}};
  events::Relay relay{cluster, std::chrono::milliseconds(10)};
  std::vector<std::string> seen;

  void SetUp() override {
    relay.subscribe("test.", [this](const events::Event& e) { seen.push_back(e.key); });
  }

  awaitable<void> append(db::Transaction& tx, const std::string& key) {
    const boost::json::object payload{{"key", key}};
    co_await events::append(tx, "test.happened", key, payload);
  }
};
}  // namespace

TEST_F(Outbox, delivers_committed_events_in_order_and_never_rolled_back_ones) {
  run(io, [&]() -> awaitable<void> {
    co_await relay.start_from_tail();
    for (const char* key : {"a", "b", "c"}) {
      auto tx = co_await cluster.begin();
      co_await append(tx, key);
      co_await tx.commit();
    }
    {
      auto tx = co_await cluster.begin();
      co_await append(tx, "rolled-back");
    }
    co_await relay.poll_once();
    co_await relay.poll_once();
  }());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(Outbox, an_event_that_commits_late_is_not_skipped) {
  run(io, [&]() -> awaitable<void> {
    co_await relay.start_from_tail();
    auto early = co_await cluster.begin();
    co_await append(early, "early-but-slow");  // lower id, still uncommitted
    {
      auto late = co_await cluster.begin();
      co_await append(late, "late-but-fast");
      co_await late.commit();
    }
    // While the earlier transaction is open nothing after it may be delivered.
    EXPECT_EQ(co_await relay.poll_once(), 0u);
    co_await early.commit();
    EXPECT_EQ(co_await relay.poll_once(), 2u);
    EXPECT_EQ(co_await relay.poll_once(), 0u);
  }());
  EXPECT_EQ(seen, (std::vector<std::string>{"early-but-slow", "late-but-fast"}));
}

TEST_F(Outbox, subscribers_start_from_the_tail) {
  run(io, [&]() -> awaitable<void> {
    {
      auto tx = co_await cluster.begin();
      co_await append(tx, "before-start");
      co_await tx.commit();
    }
    co_await relay.start_from_tail();
    {
      auto tx = co_await cluster.begin();
      co_await append(tx, "after-start");
      co_await tx.commit();
    }
    co_await relay.poll_once();
  }());
  EXPECT_EQ(seen, (std::vector<std::string>{"after-start"}));
}
