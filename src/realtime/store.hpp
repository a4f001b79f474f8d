#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "db/cluster.hpp"
#include "realtime/offset.hpp"

namespace mc::realtime::store {

struct StoredMessage {
  Offset offset;
  std::string type;     // the event's topic
  std::string payload;  // JSON text
};

struct Recovery {
  bool reload = false;                  // messages after the offset were deleted, or more than the limit wait
  std::vector<StoredMessage> messages;  // oldest first
};

// What `channel` carried after `after`, read from the local database (the one the relay tails), and
// only what the relay could already have delivered. At most `limit` messages; more means reload.
boost::asio::awaitable<Recovery> recover(db::Cluster& db, std::string_view channel, const Offset& after,
                                         int limit);

// Where a fresh subscriber starts: the channel's newest deliverable offset, or the outbox's newest
// when the channel has none (so a later resume from it asks only for what came after).
boost::asio::awaitable<Offset> head(db::Cluster& db, std::string_view channel);

}  // namespace mc::realtime::store
