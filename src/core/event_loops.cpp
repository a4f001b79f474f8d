#include "core/event_loops.hpp"

#include "core/log.hpp"

namespace mc {

EventLoops::EventLoops(unsigned count) {
  for (unsigned i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

EventLoops::~EventLoops() {
  stop();
}

void EventLoops::start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] {
      for (;;) {
        try {
          c->run();
          return;
        } catch (const std::exception& e) {
          log::error("uncaught exception on event loop", {{"error", e.what()}});
        }
      }
    });
  }
}

void EventLoops::stop() {
  guards_.clear();
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace mc
