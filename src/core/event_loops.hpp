#pragma once
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace mc {

// One single-threaded io_context per core: connections, their DB pools and timers stay on one
// thread, so nothing in the request path needs a lock.
class EventLoops {
 public:
  explicit EventLoops(unsigned count);
  ~EventLoops();

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& at(std::size_t i) { return *contexts_[i]; }
  void start();  // one thread per loop
  void stop();   // stops and joins
  bool running() const { return !threads_.empty(); }

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace mc
