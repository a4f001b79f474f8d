#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string_view>

#include "db/transaction.hpp"

namespace mc::events {

// The one way to publish a domain event: in the same transaction as the change it describes, so an
// event exists exactly when its change committed.
boost::asio::awaitable<void> append(db::Transaction& tx, std::string_view topic, std::string_view key,
                                    const boost::json::object& payload);

}  // namespace mc::events
