#include "realtime/store.hpp"

#include <charconv>

namespace mc::realtime::store {

namespace {
// ORDER BY outbox.xid: a bare `xid` would sort by the text output column (see events/relay.cpp).
constexpr db::Query kPrunedAfter{"realtime_pruned_after",
                                 "SELECT ($1::xid8, $2::bigint) < (xid, id) FROM outbox_horizon"};
constexpr db::Query kSince{
    "realtime_since",
    "SELECT xid::text, id, topic, payload::text FROM outbox "
    "WHERE channel = $1 AND (xid, id) > ($2::xid8, $3::bigint) "
    "AND xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY outbox.xid, outbox.id LIMIT $4"};
constexpr db::Query kChannelHead{"realtime_channel_head",
                                 "SELECT xid::text, id FROM outbox WHERE channel = $1 "
                                 "AND xid < pg_snapshot_xmin(pg_current_snapshot()) "
                                 "ORDER BY outbox.xid DESC, outbox.id DESC LIMIT 1"};
constexpr db::Query kOutboxHead{"realtime_outbox_head",
                                "SELECT xid::text, id FROM outbox "
                                "WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) "
                                "ORDER BY outbox.xid DESC, outbox.id DESC LIMIT 1"};

Offset offset_at(const db::Result& r, int row) {
  Offset o;
  const auto x = r.view(row, 0);
  std::from_chars(x.data(), x.data() + x.size(), o.xid);
  o.id = r.int64(row, 1);
  return o;
}
}  // namespace

boost::asio::awaitable<Recovery> recover(db::Cluster& db, std::string_view channel, const Offset& after,
                                         int limit) {
  auto conn = co_await db.reader();
  const std::string xid = std::to_string(after.xid);
  Recovery out;
  const auto pruned = co_await conn->exec(kPrunedAfter, db::params(xid, after.id));
  if (pruned.empty() || pruned.view(0, 0) == "t") {
    out.reload = true;
    co_return out;
  }
  const auto rows = co_await conn->exec(kSince, db::params(channel, xid, after.id, limit + 1));
  if (rows.rows() > limit) {
    out.reload = true;
    co_return out;
  }
  out.messages.reserve(static_cast<std::size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    out.messages.push_back({offset_at(rows, i), rows.str(i, 2), rows.str(i, 3)});
  }
  co_return out;
}

boost::asio::awaitable<Offset> head(db::Cluster& db, std::string_view channel) {
  auto conn = co_await db.reader();
  auto r = co_await conn->exec(kChannelHead, db::params(channel));
  if (r.empty()) r = co_await conn->exec(kOutboxHead);
  co_return r.empty() ? Offset{} : offset_at(r, 0);
}

}  // namespace mc::realtime::store
