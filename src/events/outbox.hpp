#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "db/cluster.hpp"
#include "db/transaction.hpp"

namespace mc::events {

// The one way to publish a domain event: in the same transaction as the change it describes, so an
// event exists exactly when its change committed. With a `channel` (realtime::user_channel, …) the
// event is also a message on that real-time channel, and its outbox position is the message's offset.
boost::asio::awaitable<void> append(db::Transaction& tx, std::string_view topic, std::string_view key,
                                    const boost::json::object& payload, std::string_view channel = {});

// Deletes events older than `retention`, in short batches; returns how many. Channel recovery
// (SPEC §6) reads the outbox, so the retention must cover its window.
boost::asio::awaitable<int64_t> prune(db::Cluster& db, std::chrono::hours retention);

}  // namespace mc::events
