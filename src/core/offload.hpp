#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace mc {

// The one way to run blocking or CPU-heavy work (argon2id, libcurl, file I/O) off the event loops.
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
template <class F>
auto offload(F fn) -> boost::asio::awaitable<std::invoke_result_t<F>> {
  return boost::asio::co_spawn(blocking_pool(), detail::run_job(std::move(fn)), boost::asio::use_awaitable);
}

}  // namespace mc
