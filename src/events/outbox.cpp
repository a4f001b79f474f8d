#include "events/outbox.hpp"
#include "core/json.hpp"
#include "core/trace.hpp"

#include "db/batches.hpp"

namespace mc::events {

namespace {
// The NOTIFY is delivered at commit to every relay listening on the writer (events/relay.cpp), so
// they read the event at once instead of at their next poll; PostgreSQL folds a transaction's
// identical notifications into one.
constexpr db::Query kAppend{"outbox_append",
                            "WITH e AS (INSERT INTO outbox (topic, key, payload, channel, traceparent) "
                            "VALUES ($1, $2, $3::jsonb, nullif($4, ''), nullif($5, '')) "
                            "RETURNING 1) SELECT pg_notify('mc_outbox', '') FROM e"};
// Found through outbox_created_at_brin; a batch at a time keeps each transaction short. The newest
// deleted position moves the horizon that channel recovery checks (realtime/store.cpp).
constexpr db::Query kPrune{
    "outbox_prune",
    "WITH gone AS (DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < "
    "now() - $1::bigint * interval '1 hour' LIMIT $2) RETURNING xid, id), "
    "newest AS (SELECT xid, id FROM gone ORDER BY xid DESC, id DESC LIMIT 1), "
    "moved AS (UPDATE outbox_horizon h SET xid = n.xid, id = n.id FROM newest n "
    "WHERE (n.xid, n.id) > (h.xid, h.id) RETURNING 1) "
    "SELECT 1 FROM gone"};
constexpr int kPruneBatch = 5000;
}  // namespace

boost::asio::awaitable<void> append(db::Transaction& tx, std::string_view topic, std::string_view key,
                                    const boost::json::object& payload, std::string_view channel) {
  // The relay continues the trace of whatever appended the event (core/trace.hpp).
  const std::string traceparent = trace::current().traceparent();
  co_await tx.exec(kAppend, db::params(topic, key, mc::json::serialize(payload), channel, traceparent));
}

}  // namespace mc::events

namespace mc::events {

boost::asio::awaitable<int64_t> prune(db::Cluster& db, std::chrono::hours retention) {
  co_return co_await db::delete_in_batches(db, kPrune, db::params(static_cast<int64_t>(retention.count())),
                                           kPruneBatch);
}

}  // namespace mc::events
