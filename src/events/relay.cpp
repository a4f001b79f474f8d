#include "events/relay.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "core/trace.hpp"
#include "db/connection.hpp"

namespace mc::events {
namespace asio = boost::asio;

namespace {
constexpr int kBatch = 500;
// ORDER BY names outbox.xid, not xid: a bare name that matches an output column sorts by that
// column (SQL's rule), here the text of xid, and "1000" sorts before "999". Rows then came out of
// offset order whenever xids gained a digit, and the gateway dropped the older ones as sent.
constexpr db::Query kTail{
    "outbox_tail",
    "SELECT xid::text, id FROM outbox WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) "
    "ORDER BY outbox.xid DESC, outbox.id DESC LIMIT 1"};
constexpr db::Query kNext{"outbox_next",
                          "SELECT id, xid::text, topic, key, payload::text, "
                          "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
                          "coalesce(channel, ''), coalesce(traceparent, '') "
                          "FROM outbox WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) "
                          "AND (xid, id) > ($1::xid8, $2::bigint) "
                          "ORDER BY outbox.xid, outbox.id LIMIT 500"};
}  // namespace

Relay::Relay(db::Cluster& cluster, std::chrono::milliseconds interval)
    : cluster_(cluster), interval_(interval) {}

void Relay::subscribe(std::string topic_prefix, Subscriber subscriber) {
  subscribers_.emplace_back(std::move(topic_prefix), std::move(subscriber));
}

asio::awaitable<void> Relay::start_from_tail() {
  auto conn = co_await cluster_.reader();
  const auto r = co_await conn->exec(kTail);
  if (!r.empty()) {
    cursor_xid_ = r.str(0, 0);
    cursor_id_ = r.int64(0, 1);
  }
}

asio::awaitable<std::size_t> Relay::poll_once() {
  std::size_t total = 0;
  for (;;) {
    db::Result rows;
    {
      auto conn = co_await cluster_.reader();
      rows = co_await conn->exec(kNext, db::params(cursor_xid_, cursor_id_));
    }
    for (int i = 0; i < rows.rows(); ++i) {
      Event e{rows.int64(i, 0), rows.str(i, 1), rows.str(i, 2), rows.str(i, 3),
              rows.str(i, 4),   rows.str(i, 5), rows.str(i, 6), rows.str(i, 7)};
      // Delivery is a span in the trace of whatever appended the event; subscribers run
      // synchronously inside it (their logs carry it).
      trace::Span span("outbox " + e.topic, trace::Kind::consumer, trace::parse_traceparent(e.traceparent));
      span.attribute("musicconnect.outbox.id", e.id);
      span.attribute("musicconnect.outbox.topic", e.topic);
      for (const auto& [prefix, fn] : subscribers_) {
        if (!e.topic.starts_with(prefix)) continue;
        try {
          fn(e);
        } catch (const std::exception& ex) {
          log::error("outbox subscriber failed", {{"topic", e.topic}, {"id", e.id}, {"error", ex.what()}});
        }
      }
      cursor_xid_ = e.xid;
      cursor_id_ = e.id;
      ++delivered_;
      ++total;
    }
    if (rows.rows() < kBatch) co_return total;
  }
}

asio::awaitable<void> Relay::run(std::string listen_conninfo) {
  auto ex = co_await asio::this_coro::executor;
  timer_ = std::make_unique<asio::steady_timer>(ex);
  if (!listen_conninfo.empty()) asio::co_spawn(ex, listen(std::move(listen_conninfo)), asio::detached);
  while (!stopping_) {
    try {
      co_await poll_once();
    } catch (const std::exception& e) {
      log::warn("outbox relay poll failed", {{"error", e.what()}});
    }
    if (woken_) {  // an event committed while this poll ran
      woken_ = false;
      continue;
    }
    timer_->expires_after(interval_);
    co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled: woken early
    woken_ = false;
  }
}

void Relay::stop() {
  stopping_ = true;
}

asio::awaitable<void> Relay::listen(std::string conninfo) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer backoff(ex);
  while (!stopping_) {
    try {
      auto conn = co_await db::Connection::open(ex, conninfo, std::chrono::seconds(5));
      co_await conn->exec_script("LISTEN mc_outbox");
      for (;;) {
        co_await conn->next_notification();
        if (stopping_) co_return;
        woken_ = true;
        if (timer_) timer_->cancel();
      }
    } catch (const std::exception& e) {
      if (stopping_) co_return;
      log::warn("outbox relay cannot listen for new events; polling only", {{"error", e.what()}});
    }
    backoff.expires_after(std::chrono::seconds(5));
    co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace mc::events
