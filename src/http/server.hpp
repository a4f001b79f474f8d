#pragma once
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <list>
#include <memory>
#include <vector>

#include "core/config.hpp"
#include "http/context.hpp"
#include "http/pipeline.hpp"
#include "http/upgrade.hpp"

namespace boost::beast {
template <class Protocol, class Executor, class RatePolicy>
class basic_stream;
}

namespace mc::http {

// HTTP/1.1 with keep-alive: one acceptor per event loop (SO_REUSEPORT lets the kernel spread
// connections), one coroutine per connection. Shutdown stops accepting, closes idle keep-alive
// connections and lets in-flight requests finish.
class Server {
 public:
  // `upgrade`: where requests to switch protocols go (the WebSocket gateway); none when null.
  Server(const Config& config, Pipeline& pipeline, std::vector<Loop> loops,
         std::vector<boost::asio::io_context*> contexts, UpgradeHandler* upgrade = nullptr);
  ~Server();

  void start();           // binds and listens on every loop (throws if the port is taken)
  void begin_shutdown();  // thread-safe
  unsigned open_connections() const { return open_connections_.load(); }
  uint16_t port() const { return bound_port_; }

 private:
  struct LoopState;
  boost::asio::awaitable<void> accept_loop(LoopState& state);
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket, LoopState& state);

  const Config& config_;
  Pipeline& pipeline_;
  UpgradeHandler* upgrade_;
  std::vector<std::unique_ptr<LoopState>> loops_;
  std::atomic<unsigned> open_connections_{0};
  uint16_t bound_port_ = 0;
};

}  // namespace mc::http
