#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "db/cluster.hpp"

namespace mc::events {

struct Event {
  int64_t id = 0;
  std::string xid;
  std::string topic;
  std::string key;
  std::string payload;  // JSON text
  std::string created_at;
  std::string channel;      // the real-time channel it is a message on; empty for none
  std::string traceparent;  // of the request or job that appended it; empty for none
};

// Tails the outbox on the local database and hands committed events to subscribers in order.
// Only rows whose transaction is older than every transaction still running are read, so an event
// that commits late (a lower id committing after a higher one) is never skipped.
class Relay {
 public:
  using Subscriber = std::function<void(const Event&)>;

  Relay(db::Cluster& cluster, std::chrono::milliseconds interval);

  void subscribe(std::string topic_prefix, Subscriber subscriber);
  // Skips what is already in the outbox: subscribers see events committed from now on.
  boost::asio::awaitable<void> start_from_tail();
  // Delivers everything deliverable now; returns how many events were delivered.
  boost::asio::awaitable<std::size_t> poll_once();
  // Polls until stop(); failures are logged and retried. With `listen_conninfo`, a NOTIFY from
  // events::append on that database (the writer) wakes the poll at once; polling every `interval`
  // remains the floor (replicas do not relay NOTIFY, and the listening connection may be down).
  boost::asio::awaitable<void> run(std::string listen_conninfo = {});
  void stop();

  uint64_t delivered() const { return delivered_; }

 private:
  db::Cluster& cluster_;
  std::chrono::milliseconds interval_;
  std::vector<std::pair<std::string, Subscriber>> subscribers_;
  std::string cursor_xid_ = "0";
  int64_t cursor_id_ = 0;
  bool stopping_ = false;
  bool woken_ = false;                                // set by the listener (same executor as the poll loop)
  std::unique_ptr<boost::asio::steady_timer> timer_;  // the poll loop's wait; cancelled to wake it
  boost::asio::awaitable<void> listen(std::string conninfo);
  uint64_t delivered_ = 0;
};

}  // namespace mc::events
