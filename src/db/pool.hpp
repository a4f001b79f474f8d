#pragma once
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "db/connection.hpp"

namespace mc::db {

struct PoolOptions {
  std::string name;  // "writer" or "reader": used in metrics and logs
  std::string conninfo;
  unsigned max_size = 8;
  unsigned max_waiters = 1024;
  std::chrono::milliseconds acquire_timeout{2000};
  std::chrono::milliseconds connect_timeout{5000};
  unsigned shared_size = 2;  // multiplexed connections for single-statement reads
};

struct PoolStats {
  std::atomic<unsigned> in_use{0};
  std::atomic<unsigned> idle{0};
  std::atomic<unsigned> waiting{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<unsigned> shared_inflight{0};
};

class Pool;

// Exclusive use of one pooled connection; returns it on destruction (rolling back an open
// transaction first, so an abandoned transaction never leaks into the next user).
class Lease {
 public:
  Lease() = default;
  Lease(Pool* pool, std::unique_ptr<Connection> conn);
  Lease(Lease&&) noexcept = default;
  Lease& operator=(Lease&& other) noexcept;
  ~Lease();

  Connection* operator->() const { return conn_.get(); }
  Connection& operator*() const { return *conn_; }
  explicit operator bool() const { return conn_ != nullptr; }

 private:
  // A lease can outlive its pool: a coroutine still holding one is destroyed with its event loop,
  // after the cluster at shutdown. Then the connection is just closed.
  bool pool_alive() const { return pool_ && pool_alive_ && *pool_alive_; }

  Pool* pool_ = nullptr;
  std::shared_ptr<bool> pool_alive_;
  std::unique_ptr<Connection> conn_;
};

// A bounded pool owned by one event loop (no locks). Waiters queue up to max_waiters; beyond that,
// or after acquire_timeout, acquire() throws Unavailable so callers shed load with a 503.
class Pool {
 public:
  Pool(boost::asio::any_io_executor ex, PoolOptions options);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();

  boost::asio::awaitable<Lease> acquire();
  // One statement on a multiplexed connection (no lease, no transaction): the fast path for reads.
  boost::asio::awaitable<Result> exec_shared(const Query& q, Params params);
  const PoolOptions& options() const { return options_; }
  const PoolStats& stats() const { return stats_; }

 private:
  friend class Lease;
  struct Waiter {
    explicit Waiter(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    std::unique_ptr<Connection> handed;
    bool may_open = false;  // woken because capacity freed up
  };

  void give_back(std::unique_ptr<Connection> conn);
  void release(std::unique_ptr<Connection> conn);
  void publish_stats();

  boost::asio::any_io_executor ex_;
  PoolOptions options_;
  boost::asio::awaitable<std::shared_ptr<Connection>> shared_connection();

  std::vector<std::unique_ptr<Connection>> idle_;
  std::vector<std::shared_ptr<Connection>> shared_;  // shared: a broken one may still be awaited
  unsigned shared_opening_ = 0;
  std::deque<Waiter*> waiters_;
  unsigned open_ = 0;  // connections in existence or being opened
  PoolStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mc::db
