#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/jwt.hpp"
#include "events/relay.hpp"
#include "http/session_gate.hpp"
#include "http/upgrade.hpp"

namespace mc::cache {
class RedisPubSub;
}
#include "realtime/authorizer.hpp"

namespace mc::realtime {

struct GatewayOptions {
  std::vector<std::string> allowed_origins;  // besides the page's own (Origin host = Host)
  unsigned max_connections_per_user = 10;
  unsigned max_subscriptions = 100;         // per socket
  std::size_t send_queue_bytes = 1 << 20;   // per socket; beyond it the socket is a slow consumer
  std::chrono::seconds idle_timeout{40};    // a ping after half of it; closed after all of it
  std::chrono::seconds auth_timeout{10};    // from the handshake to a valid `auth`
  std::chrono::seconds expiry_warning{60};  // `auth.expiring` this long before the token expires
  double messages_per_second = 20;          // per socket, with a burst of twice that
  int recovery_limit = 1000;                // messages replayed on resume; more means reload
  bool permessage_deflate = false;
};

struct GatewayStats {
  std::size_t sockets = 0;
  std::size_t subscriptions = 0;
};

// The WebSocket endpoint /ws (docs/realtime.md): sessions authenticated with the access token,
// channel subscriptions authorised by `authorizer`, messages from the outbox relay fanned out to the
// sockets of every event loop, resume from offsets. One per process; each socket lives on the event
// loop that accepted it.
class Gateway : public http::UpgradeHandler {
 public:
  Gateway(GatewayOptions options, const JwtCodec& jwt, http::SessionGate* sessions,
          ChannelAuthorizer& authorizer, const std::vector<boost::asio::any_io_executor>& loops);
  ~Gateway() override;

  bool wants(const http::Request& head) const override;
  boost::asio::awaitable<void> take(boost::beast::tcp_stream stream, boost::beast::flat_buffer buffer,
                                    http::Request request, std::string peer_address,
                                    const http::Loop& loop) override;

  // From the outbox relay, on any thread, in outbox order: a channel message goes to the sockets
  // subscribed to it; a session's end (logout, revocation, password change) closes its sockets.
  void publish(const events::Event& event);
  // Cross-node fan-out (REDIS_URL, docs/realtime.md): from now on `publish` goes to Redis, and this
  // node hears a channel's messages from Redis while one of its sockets listens to it. Call before
  // the event loops run.
  void use_redis(cache::RedisPubSub& bus);
  // A message the bus heard (any node's relay published it); on the bus's executor.
  void redis_message(std::string_view redis_channel, std::string_view payload);
  // How many sockets listen to a party channel: this node's now, or every node's as of the last
  // presence tick when that is more (with Redis; docs/realtime.md).
  int listeners(const std::string& channel) const;
  // Called at most every two seconds per party channel whose total changed, with the new total
  // (the party's peak listeners). Each listening socket also gets it as an ephemeral `presence`.
  void on_presence(std::function<void(const std::string& channel, int listeners)> observer);
  // Shutdown: every socket is told to reconnect elsewhere (with its offsets) and closed.
  void begin_drain();
  GatewayStats stats() const;

  struct Impl;  // defined in gateway.cpp, with the sockets that share it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mc::realtime
