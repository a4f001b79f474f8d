#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::cache {

// Where REDIS_URL points: redis://[:password@]host[:port][/db].
struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int db = 0;
};
// nullopt with the reason in `error` for anything else (rediss:// needs a TLS-capable hiredis, which
// Debian bookworm's 0.14 is not: terminate TLS in a sidecar and point REDIS_URL at it).
std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string& error);

// Redis publish/subscribe for cross-node fan-out (docs/realtime.md), on hiredis's asynchronous API
// driven by one Asio executor: every call and every callback happens on that executor. Two
// connections, one publishing and one subscribed. Both reconnect on their own (backoff up to 5 s);
// after a reconnect every channel still wanted is subscribed again and `on_resubscribed` runs, so the
// owner can recover what it may have missed meanwhile. Publishes made while disconnected are
// dropped and counted: subscribers recover by offset, never by Redis keeping messages.
class RedisPubSub {
 public:
  using OnMessage = std::function<void(std::string_view channel, std::string_view payload)>;
  using OnSubscribed = std::function<void(const std::string& channel)>;

  RedisPubSub(boost::asio::any_io_executor executor, RedisEndpoint endpoint, OnMessage on_message);
  ~RedisPubSub();

  void start();
  void stop();

  void publish(std::string channel, std::string payload);
  // Any other command, on the publishing connection (presence keys, docs/realtime.md). The reply
  // as strings (a bulk string, status or integer is one item, an array each of its items, nil
  // none); ok is false for an error reply or when Redis is down. Runs on the executor.
  using OnReply = std::function<void(bool ok, std::vector<std::string> items)>;
  void command(std::vector<std::string> args, OnReply on_reply = {});
  // Counted per channel: the first subscribe sends SUBSCRIBE, the last unsubscribe UNSUBSCRIBE.
  // `on_active` runs once Redis has confirmed the subscription (at once when it already was).
  void subscribe(const std::string& channel, OnSubscribed on_active = {});
  void unsubscribe(const std::string& channel);
  // After a reconnect of the subscribed connection, for each channel again active.
  void on_resubscribed(OnSubscribed fn);

  bool connected() const;
  std::uint64_t dropped_publishes() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mc::cache
