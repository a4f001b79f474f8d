#include "app/seed_history.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/log.hpp"
#include "db/transaction.hpp"
#include "features/analytics/service.hpp"

namespace mc::app {
namespace {

using boost::asio::awaitable;
using db::params;
using db::Query;

constexpr Query kPartitions{
    "history_partitions",
    "SELECT coalesce(sum(analytics_ensure_partitions(t, (now() AT TIME ZONE 'UTC')::date - $1::int - 31, "
    "($1::int / 28) + 6)), 0)::bigint FROM unnest(ARRAY['play_events', 'follow_events', "
    "'subscription_events']) t"};
// Listener accounts: ordinary fans that cannot sign in (the hash is no password hash).
constexpr Query kListeners{
    "history_listeners",
    "INSERT INTO users (username, email, password_hash, role, email_verified_at, created_at) "
    "SELECT 'listener_' || lpad(g::text, 6, '0'), 'listener_' || g || '@history.musicconnect.local', "
    "'!generated-listener', 'fan', now(), now() - interval '400 days' FROM generate_series(1, $1::int) g "
    "ON CONFLICT DO NOTHING"};
#define MC_HISTORY_TRACKS                                                                                \
  "t AS (SELECT tr.id, tr.artist_id, (row_number() OVER (ORDER BY tr.created_at, tr.id) - 1)::int AS i " \
  "FROM tracks tr JOIN releases r ON r.id = tr.release_id WHERE r.published), "                          \
  "n AS (SELECT count(*)::int AS n FROM t), "
#define MC_HISTORY_LISTENERS                                                                  \
  "l AS (SELECT id, (row_number() OVER (ORDER BY username) - 1)::int AS i FROM users "        \
  "WHERE username ~ '^listener_[0-9]{6}$' AND email LIKE '%@history.musicconnect.local' AND " \
  "username <= 'listener_' || lpad($2::text, 6, '0')) "
constexpr Query kTrackCount{
    "history_track_count",
    "SELECT count(*) FROM tracks tr JOIN releases r ON r.id = tr.release_id WHERE r.published"};
// $1 rows, $2 listeners, $3 days, $4/$5 the batch's slice of the time distribution. Track i is drawn
// with weight falling as i grows (u³), a listener likewise (u²; 15% of plays anonymous), the time
// as now − days·v^1.3 (more plays recently) with v in [$4, $5): batches go back in time slice by
// slice and each writes its rows in time order, so the table is laid out by time as live plays
// (always appended now) would be.
constexpr Query kPlays{
    "history_plays",
    "WITH " MC_HISTORY_TRACKS MC_HISTORY_LISTENERS
    ", x AS (SELECT floor(n.n * random() ^ 3)::int AS ti, "
    "CASE WHEN random() < 0.15 THEN -1 ELSE floor($2::int * random() ^ 2)::int END AS li, "
    "now() - ($3::int * ($4::float8 + ($5::float8 - $4::float8) * random()) ^ 1.3) * interval '1 day' AS at, "
    "(ARRAY['US','GB','DE','FR','BR','JP','CA','AU','MX','NL','SE','ZZ'])[1 + floor(12 * random() ^ "
    "1.5)::int] AS c "
    "FROM generate_series(1, $1::int), n) "
    "INSERT INTO play_events (played_at, artist_id, track_id, user_id, country) "
    "SELECT x.at, t.artist_id, t.id, l.id, x.c FROM x JOIN t ON t.i = x.ti LEFT JOIN l ON l.i = x.li ORDER "
    "BY x.at"};
// Each listener follows up to three artists (through follows, so the trigger writes the events, dated
// when they followed); a fifth of them also followed an artist once and stopped.
constexpr Query kFollows{
    "history_follows",
    "WITH " MC_HISTORY_TRACKS MC_HISTORY_LISTENERS
    ", x AS (SELECT l.id AS fan, floor(n.n * random() ^ 3)::int AS ti, "
    "now() - ($3::int * random()) * interval '1 day' AS at FROM l, n, generate_series(1, $1::int)) "
    "INSERT INTO follows (fan_id, artist_id, created_at) SELECT DISTINCT ON (x.fan, t.artist_id) x.fan, "
    "t.artist_id, x.at FROM x JOIN t ON t.i = x.ti WHERE x.fan <> t.artist_id ON CONFLICT DO NOTHING"};
constexpr Query kPastFollows{
    "history_past_follows",
    "WITH " MC_HISTORY_TRACKS MC_HISTORY_LISTENERS
    ", x AS (SELECT l.id AS fan, floor(n.n * random() ^ 3)::int AS ti, $3::int * random() AS a, random() AS "
    "b "
    "FROM l, n WHERE random() < $1::float8) "
    "INSERT INTO follow_events (at, artist_id, fan_id, delta) "
    "SELECT now() - (x.a * interval '1 day') + (x.a * x.b * interval '1 day') * s, t.artist_id, x.fan, "
    "(1 - 2 * s)::smallint FROM x JOIN t ON t.i = x.ti, generate_series(0, 1) s WHERE x.fan <> t.artist_id"};
// A tenth of the listeners subscribe to one artist; 30% of those ended it later. Rows are written
// 'incomplete' (live ones) or 'canceled', their events dated in the past, then the live ones
// activated: the trigger finds them counted already and writes nothing more.
constexpr Query kSeedSubscriptions{
    "history_seed_subscriptions",
    "CREATE TEMP TABLE history_subs ON COMMIT DROP AS "
    "WITH " MC_HISTORY_TRACKS MC_HISTORY_LISTENERS
    ", x AS (SELECT l.id AS fan, floor(n.n * random() ^ 3)::int AS ti, random() AS r, $3::int * random() AS "
    "a, "
    "random() AS b FROM l, n WHERE random() < $1::float8) "
    "SELECT DISTINCT ON (x.fan, t.artist_id) gen_random_uuid() AS id, x.fan, t.artist_id AS artist, "
    "CASE WHEN x.r < 0.7 THEN 'supporter' ELSE 'superfan' END AS tier, "
    "coalesce(at.price_cents, CASE WHEN x.r < 0.7 THEN 500 ELSE 1500 END) AS price, "
    "coalesce(at.currency, 'USD') AS currency, now() - x.a * interval '1 day' AS start_at, "
    "CASE WHEN x.b < 0.3 THEN now() - x.a * (1 - x.b) * interval '1 day' END AS end_at "
    "FROM x JOIN t ON t.i = x.ti LEFT JOIN artist_tiers at ON at.artist_id = t.artist_id "
    "AND at.tier = CASE WHEN x.r < 0.7 THEN 'supporter' ELSE 'superfan' END WHERE x.fan <> t.artist_id"};
constexpr Query kInsertSubscriptions{
    "history_insert_subscriptions",
    "INSERT INTO subscriptions (id, fan_id, artist_id, tier, status, current_period_end, price_cents, "
    "currency, "
    "created_at, current_period_start, canceled_at) SELECT id, fan, artist, tier, "
    "CASE WHEN end_at IS NULL THEN 'incomplete' ELSE 'canceled' END, coalesce(end_at, now() + interval '30 "
    "days'), "
    "price, currency, start_at, coalesce(end_at, now()) - interval '30 days', end_at FROM history_subs "
    "ON CONFLICT DO NOTHING"};
constexpr Query kKeepInserted{"history_keep_inserted",
                              "DELETE FROM history_subs h WHERE NOT EXISTS (SELECT 1 FROM subscriptions s "
                              "WHERE s.id = h.id)"};
constexpr Query kSubscriptionEvents{
    "history_subscription_events",
    "INSERT INTO subscription_events (at, artist_id, fan_id, subscription_id, kind, currency, "
    "supporter_delta, "
    "superfan_delta, mrr_delta_cents) "
    "SELECT start_at, artist, fan, id, 'start', currency, (tier = 'supporter')::int, (tier = "
    "'superfan')::int, "
    "price FROM history_subs UNION ALL "
    "SELECT end_at, artist, fan, id, 'end', currency, -(tier = 'supporter')::int, -(tier = 'superfan')::int, "
    "-price FROM history_subs WHERE end_at IS NOT NULL"};
constexpr Query kActivate{
    "history_activate",
    "UPDATE subscriptions SET status = 'active' WHERE id IN (SELECT id FROM history_subs "
    "WHERE end_at IS NULL)"};
constexpr Query kCountSubs{"history_count_subs", "SELECT count(*) FROM history_subs"};
constexpr Query kCountFollows{"history_count_follows",
                              "SELECT count(*) FROM follows f JOIN users u ON u.id = f.fan_id "
                              "WHERE u.email LIKE '%@history.musicconnect.local'"};
constexpr Query kBusiest{
    "history_busiest",
    "SELECT artist_id, sum(plays)::bigint FROM analytics_daily GROUP BY 1 ORDER BY 2 DESC "
    "LIMIT 1"};

}  // namespace

awaitable<HistoryResult> seed_history(db::Cluster& cluster, const HistoryOptions& options) {
  if (options.plays < 0 || options.days < 1 || options.days > 3650 || options.batch < 1) {
    throw std::invalid_argument("seed_history: plays ≥ 0, days 1-3650, batch ≥ 1");
  }
  HistoryResult out;
  out.listeners =
      options.listeners > 0 ? options.listeners : std::clamp<int64_t>(options.plays / 100, 100, 100'000);
  {
    const db::Result n = co_await cluster.read(kTrackCount, {});
    if (n.int64(0, 0) == 0) throw std::runtime_error("seed_history: there is no published track to play");
  }
  {
    auto tx = co_await cluster.begin();
    co_await tx.exec(kPartitions, params(options.days));
    co_await tx.exec(kListeners, params(out.listeners));
    co_await tx.commit();
  }
  for (int64_t done = 0; done < options.plays;) {
    const int64_t n = std::min(options.batch, options.plays - done);
    auto tx = co_await cluster.begin();
    const std::string lo = std::to_string(static_cast<double>(done) / static_cast<double>(options.plays));
    const std::string hi = std::to_string(static_cast<double>(done + n) / static_cast<double>(options.plays));
    co_await tx.exec(kPlays, params(n, out.listeners, options.days, lo, hi));
    co_await tx.commit();
    done += n;
    out.plays = done;
    log::info("history: plays", {{"written", done}, {"of", options.plays}});
  }
  {
    auto tx = co_await cluster.begin();
    co_await tx.exec(kFollows, params(3, out.listeners, options.days));          // up to 3 artists each
    co_await tx.exec(kPastFollows, params("0.2", out.listeners, options.days));  // a fifth followed once
    co_await tx.exec(kSeedSubscriptions, params("0.1", out.listeners, options.days));  // a tenth subscribe
    co_await tx.exec(kInsertSubscriptions, {});
    co_await tx.exec(kKeepInserted, {});
    co_await tx.exec(kSubscriptionEvents, {});
    co_await tx.exec(kActivate, {});
    const db::Result subs = co_await tx.exec(kCountSubs, {});
    out.subscriptions = subs.int64(0, 0);
    const db::Result follows = co_await tx.exec(kCountFollows, {});
    out.follows = follows.int64(0, 0);
    co_await tx.commit();
  }
  co_await analytics::roll_up_now(cluster, true);
  {
    // As after any bulk load, marked all-visible now rather than when autovacuum comes: a
    // dashboard reads the rollups by index-only scans (docs/analytics.md).
    auto conn = co_await cluster.writer();
    for (const char* table : {"analytics_daily", "analytics_track_daily", "analytics_country_daily",
                              "analytics_subscription_daily", "analytics_revenue_daily",
                              "analytics_fan_windows", "analytics_fan_listeners", "analytics_fan_top"}) {
      co_await conn->exec_script(std::string("VACUUM (ANALYZE) ") + table);
    }
  }
  const db::Result busiest = co_await cluster.read(kBusiest, {});
  if (!busiest.empty()) {
    out.busiest_artist_id = busiest.str(0, 0);
    out.busiest_artist_plays = busiest.int64(0, 1);
  }
  log::info("history seeded", {{"plays", out.plays},
                               {"listeners", out.listeners},
                               {"follows", out.follows},
                               {"subscriptions", out.subscriptions},
                               {"busiest_artist", out.busiest_artist_id},
                               {"busiest_artist_plays", out.busiest_artist_plays}});
  co_return out;
}

}  // namespace mc::app
