#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>
#include <memory>
#include <type_traits>
#include <utility>

#include "core/trace.hpp"

namespace mc::trace {

// An executor that runs everything through `Inner` with its slot active (trace::Activate): a
// coroutine spawned on it, and whatever it spawns on its own executor, sees the slot's context as
// trace::current() each time it resumes, while other chains on the same thread see theirs.
template <class Inner>
class BasicExecutor {
 public:
  BasicExecutor(Inner inner, std::shared_ptr<Slot> slot) : inner_(std::move(inner)), slot_(std::move(slot)) {}

  template <class Property>
  auto query(const Property& p) const -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
    return boost::asio::query(inner_, p);
  }

  template <class Property>
  auto require(const Property& p) const
      -> BasicExecutor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
    return {boost::asio::require(inner_, p), slot_};
  }

  template <class Property>
  auto prefer(const Property& p) const
      -> BasicExecutor<std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>> {
    return {boost::asio::prefer(inner_, p), slot_};
  }

  template <class F>
  void execute(F f) const {
    inner_.execute([slot = slot_, f = std::move(f)]() mutable {
      Activate active(slot.get());
      std::move(f)();
    });
  }

  friend bool operator==(const BasicExecutor& a, const BasicExecutor& b) noexcept {
    return a.inner_ == b.inner_ && a.slot_ == b.slot_;
  }
  friend bool operator!=(const BasicExecutor& a, const BasicExecutor& b) noexcept { return !(a == b); }

 private:
  template <class>
  friend class BasicExecutor;
  Inner inner_;
  std::shared_ptr<Slot> slot_;
};

// `ex` with a slot of its own, starting with `context` (for a job: the context it was stored with).
inline BasicExecutor<boost::asio::any_io_executor> traced(boost::asio::any_io_executor ex,
                                                          const SpanContext& context = {}) {
  return {std::move(ex), std::make_shared<Slot>(Slot{context})};
}

}  // namespace mc::trace
