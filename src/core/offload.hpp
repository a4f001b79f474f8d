#pragma once
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <stdexcept>
#include <type_traits>

#include "core/trace.hpp"

namespace mc {

// The one way to run blocking or CPU-heavy work (libcurl, file I/O) off the event loops; argon2id
// has its own BoundedPool (below, owned by accounts::AccountsService).
//
// GCC 12 destroys a capturing lambda temporary twice when it appears inside a co_await
// expression (and likewise a brace-elided aggregate argument), so name the job first:
//   auto job = [p = std::move(password)] { return password_hash(p); };
//   auto hash = co_await offload(std::move(job));
boost::asio::thread_pool& blocking_pool();

namespace detail {
template <class F>
auto run_job(F fn) -> boost::asio::awaitable<std::invoke_result_t<F>> {
  co_return fn();
}
}  // namespace detail

// Not a coroutine itself: GCC 12 mishandles moving a closure-typed coroutine parameter.
// The job runs under the caller's trace context (trace::current()), so a call it makes (S3,
// Stripe) carries the request's or job's traceparent.
template <class F>
auto offload(F fn) -> boost::asio::awaitable<std::invoke_result_t<F>> {
  auto job = [f = std::move(fn), context = trace::current()]() mutable {
    const trace::Continue traced(context);
    return f();
  };
  return boost::asio::co_spawn(blocking_pool(), detail::run_job(std::move(job)), boost::asio::use_awaitable);
}

// Thrown by BoundedPool::run when its queue is full: the caller answers 503 instead of queueing.
struct PoolFull : std::runtime_error {
  PoolFull() : std::runtime_error("pool queue full") {}
};

// A pool of its own for one kind of CPU-heavy work reachable by anonymous callers (argon2id): a
// flood of it cannot take blocking_pool()'s threads from storage and media work, and at most
// `max_pending` jobs wait or run at once; beyond that run() throws PoolFull at once.
class BoundedPool {
 public:
  BoundedPool(unsigned threads, std::size_t max_pending) : pool_(threads), max_pending_(max_pending) {}
  ~BoundedPool() { pool_.join(); }

  template <class F>
  auto run(F fn) -> boost::asio::awaitable<std::invoke_result_t<F>> {
    if (pending_.fetch_add(1) >= max_pending_) {
      pending_.fetch_sub(1);
      refused_.fetch_add(1);
      throw PoolFull();
    }
    auto job = [this, f = std::move(fn)]() mutable {
      struct Done {
        BoundedPool& p;
        ~Done() {
          p.pending_.fetch_sub(1);
          p.completed_.fetch_add(1);
        }
      } done{*this};
      return f();
    };
    return boost::asio::co_spawn(pool_, detail::run_job(std::move(job)), boost::asio::use_awaitable);
  }

  std::size_t pending() const { return pending_.load(); }
  std::uint64_t completed() const { return completed_.load(); }
  std::uint64_t refused() const { return refused_.load(); }

 private:
  boost::asio::thread_pool pool_;
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace mc
