#include "db/pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mc::db {
namespace asio = boost::asio;

namespace {
constexpr Query kRollback{"pool_rollback", "ROLLBACK"};
}

Lease::Lease(Pool* pool, std::unique_ptr<Connection> conn)
    : pool_(pool), pool_alive_(pool->alive_), conn_(std::move(conn)) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (conn_ && pool_alive()) pool_->release(std::move(conn_));
    pool_ = other.pool_;
    pool_alive_ = std::move(other.pool_alive_);
    conn_ = std::move(other.conn_);
  }
  return *this;
}

Lease::~Lease() {
  if (conn_ && pool_alive()) pool_->release(std::move(conn_));
}

Pool::Pool(asio::any_io_executor ex, PoolOptions options)
    : ex_(std::move(ex)), options_(std::move(options)) {}

Pool::~Pool() {
  *alive_ = false;
}

void Pool::publish_stats() {
  stats_.idle.store(static_cast<unsigned>(idle_.size()), std::memory_order_relaxed);
  stats_.in_use.store(open_ - static_cast<unsigned>(idle_.size()), std::memory_order_relaxed);
  stats_.waiting.store(static_cast<unsigned>(waiters_.size()), std::memory_order_relaxed);
}

asio::awaitable<Lease> Pool::acquire() {
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (!conn->dead_while_idle()) {
      publish_stats();
      co_return Lease(this, std::move(conn));
    }
    --open_;
  }
  bool may_open = open_ < options_.max_size;
  if (!may_open) {
    if (waiters_.size() >= options_.max_waiters) {
      throw Unavailable("database pool " + options_.name + " is saturated");
    }
    Waiter waiter(ex_);
    waiter.timer.expires_after(options_.acquire_timeout);
    waiters_.push_back(&waiter);
    publish_stats();
    co_await waiter.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::erase(waiters_, &waiter);
    publish_stats();
    if (waiter.handed) co_return Lease(this, std::move(waiter.handed));
    if (!waiter.may_open) {
      stats_.timeouts.fetch_add(1, std::memory_order_relaxed);
      throw Unavailable("timed out waiting for a database connection (" + options_.name + ")");
    }
  }
  ++open_;
  publish_stats();
  try {
    auto conn = co_await Connection::open(ex_, options_.conninfo, options_.connect_timeout);
    publish_stats();
    co_return Lease(this, std::move(conn));
  } catch (...) {
    --open_;
    publish_stats();
    throw;
  }
}

asio::awaitable<std::shared_ptr<Connection>> Pool::shared_connection() {
  std::erase_if(shared_,
                [](const auto& c) { return c->inflight() == 0 ? c->dead_while_idle() : c->broken(); });
  std::shared_ptr<Connection> best;
  for (const auto& c : shared_) {
    if (!best || c->inflight() < best->inflight()) best = c;
  }
  const bool room = shared_.size() + shared_opening_ < options_.shared_size;
  if (best && (best->inflight() == 0 || !room)) co_return best;
  if (!room) {
    // Every multiplexed connection is still being opened: wait for one.
    asio::steady_timer t(ex_, std::chrono::milliseconds(1));
    const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
    while (shared_.empty() && shared_opening_ > 0 && std::chrono::steady_clock::now() < deadline) {
      t.expires_after(std::chrono::milliseconds(1));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (shared_.empty()) throw Unavailable("no multiplexed connection to " + options_.name);
    co_return shared_.front();
  }
  ++shared_opening_;
  std::unique_ptr<Connection> conn;
  try {
    conn = co_await Connection::open(ex_, options_.conninfo, options_.connect_timeout);
  } catch (...) {
    --shared_opening_;
    throw;
  }
  --shared_opening_;
  shared_.push_back(std::move(conn));
  co_return shared_.back();
}

asio::awaitable<Result> Pool::exec_shared(const Query& q, Params params) {
  const std::shared_ptr<Connection> conn = co_await shared_connection();
  stats_.shared_inflight.fetch_add(1, std::memory_order_relaxed);
  struct Done {
    PoolStats& s;
    ~Done() { s.shared_inflight.fetch_sub(1, std::memory_order_relaxed); }
  } done{stats_};
  co_return co_await conn->exec_shared(q, std::move(params));
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
  if (conn->broken()) {
    --open_;
    if (!waiters_.empty()) {
      Waiter* w = waiters_.front();
      waiters_.pop_front();
      w->may_open = true;
      w->timer.cancel();
    }
  } else if (!waiters_.empty()) {
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    w->handed = std::move(conn);
    w->timer.cancel();
  } else {
    idle_.push_back(std::move(conn));
  }
  publish_stats();
}

void Pool::release(std::unique_ptr<Connection> conn) {
  if (conn->broken() || !conn->in_transaction()) {
    give_back(std::move(conn));
    return;
  }
  // An abandoned transaction: roll it back before anyone else gets the connection.
  asio::co_spawn(
      ex_,
      [this, alive = alive_, c = std::move(conn)]() mutable -> asio::awaitable<void> {
        try {
          co_await c->exec(kRollback);
        } catch (const std::exception&) {
          c->mark_broken();
        }
        if (*alive) give_back(std::move(c));
      },
      asio::detached);
}

}  // namespace mc::db
