#include "events/outbox.hpp"
#include "core/json.hpp"

namespace mc::events {

namespace {
constexpr db::Query kAppend{"outbox_append",
                            "INSERT INTO outbox (topic, key, payload) VALUES ($1, $2, $3::jsonb)"};
}

boost::asio::awaitable<void> append(db::Transaction& tx, std::string_view topic, std::string_view key,
                                    const boost::json::object& payload) {
  co_await tx.exec(kAppend, db::params(topic, key, mc::json::serialize(payload)));
}

}  // namespace mc::events
