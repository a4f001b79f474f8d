#include "features/analytics/store.hpp"

namespace mc::analytics::store {
namespace {

using db::params;
using db::Params;
using db::Query;

// $1 artist, $2 from, $3 to, $4 rolled_until. Rolled-up days: [from, min(to, rolled_until)); raw
// events: [max(from, rolled_until), to). A day is always wholly on one side.
#define MC_ROLLED "artist_id = $1 AND day >= $2::date AND day < least($3::date, $4::date)"
#define MC_RAW(col)                                                 \
  "artist_id = $1 AND " col                                         \
  " >= greatest($2::date, $4::date)::timestamp AT TIME ZONE 'UTC' " \
  "AND " col " < $3::date::timestamp AT TIME ZONE 'UTC'"
#define MC_DAY(col) "(" col " AT TIME ZONE 'UTC')::date"
#define MC_BETWEEN(col, a, b)                                          \
  col " >= " a "::date::timestamp AT TIME ZONE 'UTC' AND " col " < " b \
      "::date::timestamp AT TIME ZONE "                                \
      "'UTC'"

// The day the per-fan windows are for, when the listener counts and top fans written with them
// are for the same day (migration 0024: a previous release's rollup rebuilds the windows only).
#define MC_FANS_AS_OF "CASE WHEN fan_summary_as_of IS NOT DISTINCT FROM fans_as_of THEN fans_as_of::text END"
constexpr Query kState{"analytics_state", "SELECT rolled_until::text, " MC_FANS_AS_OF
                                          ", (now() AT TIME ZONE 'UTC')::date::text "
                                          "FROM analytics_state"};

constexpr Query kPlaysByDay{
    "analytics_plays_by_day",
    "SELECT day::text, sum(plays)::bigint, sum(listeners)::bigint FROM ("
    "SELECT day, plays, listeners FROM analytics_daily WHERE " MC_ROLLED " AND plays > 0 "
    "UNION ALL SELECT " MC_DAY("played_at") ", count(*), count(DISTINCT user_id) FROM play_events "
    "WHERE " MC_RAW("played_at") " GROUP BY 1) x GROUP BY day ORDER BY day"};
constexpr Query kFollowsByDay{
    "analytics_follows_by_day",
    "SELECT day::text, sum(f)::bigint, sum(u)::bigint FROM ("
    "SELECT day, follows AS f, unfollows AS u FROM analytics_daily WHERE " MC_ROLLED
    " AND (follows > 0 OR unfollows > 0) "
    "UNION ALL SELECT " MC_DAY("at") ", count(*) FILTER (WHERE delta > 0), count(*) FILTER (WHERE delta < 0) "
    "FROM follow_events WHERE " MC_RAW("at") " GROUP BY 1) x GROUP BY day ORDER BY day"};
constexpr Query kSubscriptionsByDay{
    "analytics_subscriptions_by_day",
    "SELECT day::text, currency, sum(s)::bigint, sum(e)::bigint, sum(sup)::bigint, sum(sf)::bigint, "
    "sum(mrr)::bigint FROM ("
    "SELECT day, currency, starts AS s, ends AS e, supporter_delta AS sup, superfan_delta AS sf, "
    "mrr_delta_cents AS mrr FROM analytics_subscription_daily WHERE " MC_ROLLED
    " UNION ALL SELECT " MC_DAY("at") ", currency, count(*) FILTER (WHERE kind = 'start'), "
    "count(*) FILTER (WHERE kind = 'end'), sum(supporter_delta), sum(superfan_delta), sum(mrr_delta_cents) "
    "FROM subscription_events WHERE " MC_RAW("at") " GROUP BY 1, 2) x GROUP BY day, currency ORDER BY day, currency"};
// Gross: what fans paid (the fan_payments side of charges); net: what the artist's balance gained
// from them, less refunds and disputes, plus disputes won. Payouts move money the artist already has.
#define MC_LEDGER_SUMS                                                                                     \
  "-coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'fan_payments' AND x.kind IN ('subscription', "    \
  "'proration', 'tip')), 0), "                                                                             \
  "coalesce(sum(e.amount_cents) FILTER (WHERE a.kind = 'artist_available' AND x.kind IN ('subscription', " \
  "'proration', 'tip', 'refund', 'dispute', 'dispute_won')), 0) "                                          \
  "FROM ledger_transactions x JOIN ledger_entries e ON e.txn_id = x.id "                                   \
  "JOIN ledger_accounts a ON a.id = e.account_id "
constexpr Query kRevenueByDay{
    "analytics_revenue_by_day",
    "SELECT day::text, currency, sum(g)::bigint, sum(n)::bigint FROM ("
    "SELECT day, currency, gross_cents AS g, net_cents AS n FROM analytics_revenue_daily WHERE " MC_ROLLED
    " UNION ALL SELECT * FROM (SELECT " MC_DAY(
        "x.created_at") ", x.currency, " MC_LEDGER_SUMS
                        "WHERE x.artist_id = $1 AND x.created_at >= greatest($2::date, $4::date)::timestamp "
                        "AT TIME ZONE 'UTC' "
                        "AND x.created_at < $3::date::timestamp AT TIME ZONE 'UTC' GROUP BY 1, 2) r) x "
                        "GROUP BY day, currency HAVING sum(g) <> 0 OR sum(n) <> 0 ORDER BY day, currency"};
constexpr Query kTopTracks{
    "analytics_top_tracks",
    "SELECT g.track_id, t.title, g.n FROM (SELECT track_id, sum(n)::bigint AS n FROM ("
    "SELECT track_id, plays AS n FROM analytics_track_daily WHERE " MC_ROLLED
    " UNION ALL SELECT track_id, count(*) FROM play_events WHERE " MC_RAW("played_at") " GROUP BY 1) x "
    "GROUP BY 1) g LEFT JOIN tracks t ON t.id = g.track_id ORDER BY g.n DESC, g.track_id LIMIT $5"};
constexpr Query kCountries{
    "analytics_countries",
    "SELECT country, sum(n)::bigint FROM ("
    "SELECT country, plays AS n FROM analytics_country_daily WHERE " MC_ROLLED
    " UNION ALL SELECT country, count(*) FROM play_events WHERE " MC_RAW("played_at") " GROUP BY 1) x "
    "GROUP BY 1 ORDER BY 2 DESC, 1"};
// The top rows first, then their names (not a join of every fan with users).
#define MC_FANS_RESULT(limit)                                                                            \
  "SELECT (SELECT count(*) FROM g), t.user_id, u.username, t.p FROM (SELECT user_id, p FROM g ORDER BY " \
  "p DESC, user_id LIMIT " limit ") t LEFT JOIN users u ON u.id = t.user_id ORDER BY t.p DESC, t.user_id"
constexpr Query kFansRaw{
    "analytics_fans_raw",
    "WITH g AS (SELECT user_id, count(*) AS p FROM play_events WHERE artist_id = $1 AND user_id IS NOT NULL "
    "AND played_at >= $2::date::timestamp AT TIME ZONE 'UTC' GROUP BY 1) " MC_FANS_RESULT("$3")};
// With the windows: $1 artist, $2 the day they were computed for (its plays are read raw), $3 the
// period's days, $4 how many top fans (at most 10: analytics_fan_top keeps ten per window). A big
// artist has a window row per listener of the year (81,000 for the busiest of the large demo
// catalogue), so nothing here reads them all:
//   - listeners: the window's count (analytics_fan_listeners), plus today's listeners without
//     plays in the window;
//   - top fans: a fan with no play today totals its window count, and the window's own top ten
//     (analytics_fan_top) each total at least that, so the top fans are among those and today's
//     listeners, whose window counts are looked up by key.
// A window's plays column for `days` (7, 30, 90 or 365) of the row `f`.
#define MC_WINDOW(f, days)                                                                \
  "CASE " days " WHEN 7 THEN " f ".plays_7d WHEN 30 THEN " f ".plays_30d WHEN 90 THEN " f \
  ".plays_90d "                                                                           \
  "ELSE " f ".plays_365d END"
constexpr Query kFansWindowed{
    "analytics_fans_windowed",
    "WITH today AS (SELECT t.user_id, t.p, coalesce(w.p, 0) AS before FROM (SELECT user_id, count(*) AS p "
    "FROM play_events WHERE artist_id = $1 AND user_id IS NOT NULL AND played_at >= $2::date::timestamp AT "
    "TIME ZONE 'UTC' GROUP BY 1) t LEFT JOIN LATERAL (SELECT " MC_WINDOW("f", "$3::int") " AS p FROM analytics_fan_windows f "
    "WHERE f.artist_id = $1 AND f.user_id = t.user_id) w ON true), "
    "g AS (SELECT user_id, p + before AS p FROM today UNION ALL SELECT top.user_id, top.plays FROM "
    "analytics_fan_top top WHERE top.artist_id = $1 AND top.days = $3::int "
    "AND NOT EXISTS (SELECT 1 FROM today WHERE today.user_id = top.user_id)), "
    "n AS (SELECT coalesce((SELECT listeners FROM analytics_fan_listeners WHERE artist_id = $1 AND days = "
    "$3::int), 0) + (SELECT count(*) FROM today WHERE before = 0) AS listeners) "
    "SELECT n.listeners, t.user_id, u.username, t.p FROM n, (SELECT user_id, p FROM g WHERE p > 0 "
    "ORDER BY p DESC, user_id LIMIT $4) t LEFT JOIN users u ON u.id = t.user_id ORDER BY t.p DESC, t.user_id"};

// The job. $1 from, $2 to (dates).
constexpr Query kLockState{"analytics_lock_state",
                           "SELECT coalesce(rolled_until::text, '-infinity'), " MC_FANS_AS_OF
                           ", "
                           "(now() AT TIME ZONE 'UTC')::date::text FROM analytics_state FOR UPDATE"};
constexpr Query kRollFrom{"analytics_roll_from", "SELECT (least($1::date, $2::date) - 2)::text"};
constexpr Query kEnsurePartitions{
    "analytics_ensure_partitions",
    "SELECT coalesce(sum(analytics_ensure_partitions(t, (now() AT TIME ZONE 'UTC')::date - 31, 5)), "
    "0)::bigint "
    "FROM unnest(ARRAY['play_events', 'follow_events', 'subscription_events']) t"};
#define MC_CLEAR(table) "DELETE FROM " table " WHERE day >= $1::date AND day < $2::date"
constexpr Query kClearDaily{"analytics_clear_daily", MC_CLEAR("analytics_daily")};
constexpr Query kClearTracks{"analytics_clear_tracks", MC_CLEAR("analytics_track_daily")};
constexpr Query kClearCountries{"analytics_clear_countries", MC_CLEAR("analytics_country_daily")};
constexpr Query kClearSubscriptions{"analytics_clear_subscriptions",
                                    MC_CLEAR("analytics_subscription_daily")};
constexpr Query kClearRevenue{"analytics_clear_revenue", MC_CLEAR("analytics_revenue_daily")};
constexpr Query kRollPlays{
    "analytics_roll_plays",
    "INSERT INTO analytics_daily (artist_id, day, plays, listeners) SELECT artist_id, " MC_DAY("played_at")
    ", count(*), count(DISTINCT user_id) FROM play_events WHERE " MC_BETWEEN("played_at", "$1", "$2")
    " GROUP BY 1, 2"};
constexpr Query kRollFollows{
    "analytics_roll_follows",
    "INSERT INTO analytics_daily (artist_id, day, follows, unfollows) SELECT artist_id, " MC_DAY("at")
    ", count(*) FILTER (WHERE delta > 0), count(*) FILTER (WHERE delta < 0) FROM follow_events WHERE " MC_BETWEEN(
        "at", "$1", "$2") " GROUP BY 1, 2 ON CONFLICT (artist_id, day) DO UPDATE SET follows = EXCLUDED.follows, "
                          "unfollows = EXCLUDED.unfollows"};
constexpr Query kRollTracks{
    "analytics_roll_tracks",
    "INSERT INTO analytics_track_daily (artist_id, day, track_id, plays) SELECT artist_id, " MC_DAY(
        "played_at") ", track_id, count(*) FROM play_events WHERE " MC_BETWEEN("played_at", "$1",
                                                                               "$2") " GROUP BY 1, 2, 3"};
constexpr Query kRollCountries{
    "analytics_roll_countries",
    "INSERT INTO analytics_country_daily (artist_id, day, country, plays) SELECT artist_id, " MC_DAY(
        "played_at") ", country, count(*) FROM play_events WHERE " MC_BETWEEN("played_at", "$1",
                                                                              "$2") " GROUP BY 1, 2, 3"};
constexpr Query kRollSubscriptions{
    "analytics_roll_subscriptions",
    "INSERT INTO analytics_subscription_daily (artist_id, day, currency, starts, ends, supporter_delta, "
    "superfan_delta, mrr_delta_cents) SELECT artist_id, " MC_DAY("at")
    ", currency, count(*) FILTER (WHERE kind = 'start'), count(*) FILTER (WHERE kind = 'end'), "
    "sum(supporter_delta), sum(superfan_delta), sum(mrr_delta_cents) FROM subscription_events WHERE " MC_BETWEEN(
        "at", "$1", "$2") " GROUP BY 1, 2, 3"};
constexpr Query kRollRevenue{
    "analytics_roll_revenue",
    "INSERT INTO analytics_revenue_daily (artist_id, day, currency, gross_cents, net_cents) "
    "SELECT * FROM (SELECT x.artist_id, " MC_DAY("x.created_at") ", x.currency, " MC_LEDGER_SUMS
    "WHERE x.artist_id IS NOT NULL AND " MC_BETWEEN("x.created_at", "$1", "$2") " GROUP BY 1, 2, 3) "
    "r (artist_id, day, currency, gross_cents, net_cents) "
    "WHERE gross_cents <> 0 OR net_cents <> 0"};
constexpr Query kClearFans{"analytics_clear_fans", "DELETE FROM analytics_fan_windows"};
constexpr Query kClearFanListeners{"analytics_clear_fan_listeners", "DELETE FROM analytics_fan_listeners"};
constexpr Query kClearFanTop{"analytics_clear_fan_top", "DELETE FROM analytics_fan_top"};
// From the windows just computed: listeners and the top ten per artist and window.
#define MC_WINDOWS "(VALUES (7), (30), (90), (365)) d (days)"
#define MC_WINDOW_OF MC_WINDOW("analytics_fan_windows", "d.days")
constexpr Query kRollFanListeners{
    "analytics_roll_fan_listeners",
    "INSERT INTO analytics_fan_listeners (artist_id, days, listeners) SELECT artist_id, d.days, "
    "count(*) FILTER (WHERE " MC_WINDOW_OF " > 0) FROM analytics_fan_windows CROSS JOIN " MC_WINDOWS
    " GROUP BY 1, 2"};
constexpr Query kRollFanTop{
    "analytics_roll_fan_top",
    "INSERT INTO analytics_fan_top (artist_id, days, user_id, plays) SELECT artist_id, days, user_id, p FROM "
    "(SELECT artist_id, d.days, user_id, " MC_WINDOW_OF
    " AS p, row_number() OVER (PARTITION BY artist_id, "
    "d.days ORDER BY " MC_WINDOW_OF " DESC, user_id) AS n FROM analytics_fan_windows CROSS JOIN " MC_WINDOWS
    ") r WHERE n <= 10 AND p > 0"};
// $1 rolled_until: the 6, 29, 89 and 364 days before it.
constexpr Query kRollFans{
    "analytics_roll_fans",
    "INSERT INTO analytics_fan_windows (artist_id, user_id, plays_7d, plays_30d, plays_90d, plays_365d) "
    "SELECT artist_id, user_id, "
    "count(*) FILTER (WHERE played_at >= ($1::date - 6)::timestamp AT TIME ZONE 'UTC'), "
    "count(*) FILTER (WHERE played_at >= ($1::date - 29)::timestamp AT TIME ZONE 'UTC'), "
    "count(*) FILTER (WHERE played_at >= ($1::date - 89)::timestamp AT TIME ZONE 'UTC'), count(*) "
    "FROM play_events WHERE user_id IS NOT NULL AND " MC_BETWEEN("played_at", "($1::date - 364)",
                                                                 "$1") " GROUP BY 1, 2"};
constexpr Query kSetState{"analytics_set_state",
                          "UPDATE analytics_state SET rolled_until = $1::date, fans_as_of = $1::date, "
                          "fan_summary_as_of = $1::date, "
                          "rolled_at = now()"};

Params range_params(const Range& r) {
  return params(r.artist_id, r.from, r.to, r.rolled_until);
}

std::vector<Ranked> ranked(const db::Result& res) {
  std::vector<Ranked> out;
  out.reserve(static_cast<std::size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i) {
    out.push_back(Ranked{res.str(i, 0), res.opt_str(i, 1), res.int64(i, 2)});
  }
  return out;
}

Fans fans_from(const db::Result& res) {
  Fans out;
  out.top.reserve(static_cast<std::size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i) {
    out.listeners = res.int64(i, 0);
    out.top.push_back(Ranked{res.str(i, 1), res.opt_str(i, 2), res.int64(i, 3)});
  }
  return out;
}

}  // namespace

awaitable<State> state(db::Cluster& db) {
  const db::Result r = co_await db.read(kState, {});
  co_return State{r.opt_str(0, 0), r.opt_str(0, 1), r.str(0, 2)};
}

awaitable<std::vector<DayPlays>> plays_by_day(db::Cluster& db, const Range& range) {
  const db::Result r = co_await db.read(kPlaysByDay, range_params(range));
  std::vector<DayPlays> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(DayPlays{r.str(i, 0), r.int64(i, 1), r.int64(i, 2)});
  co_return out;
}

awaitable<std::vector<DayFollows>> follows_by_day(db::Cluster& db, const Range& range) {
  const db::Result r = co_await db.read(kFollowsByDay, range_params(range));
  std::vector<DayFollows> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(DayFollows{r.str(i, 0), r.int64(i, 1), r.int64(i, 2)});
  co_return out;
}

awaitable<std::vector<DaySubscriptions>> subscriptions_by_day(db::Cluster& db, const Range& range) {
  const db::Result r = co_await db.read(kSubscriptionsByDay, range_params(range));
  std::vector<DaySubscriptions> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(DaySubscriptions{r.str(i, 0), r.str(i, 1), r.int64(i, 2), r.int64(i, 3), r.int64(i, 4),
                                   r.int64(i, 5), r.int64(i, 6)});
  }
  co_return out;
}

awaitable<std::vector<DayRevenue>> revenue_by_day(db::Cluster& db, const Range& range) {
  const db::Result r = co_await db.read(kRevenueByDay, range_params(range));
  std::vector<DayRevenue> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(DayRevenue{r.str(i, 0), r.str(i, 1), r.int64(i, 2), r.int64(i, 3)});
  co_return out;
}

awaitable<std::vector<Ranked>> top_tracks(db::Cluster& db, const Range& range, int limit) {
  Params p = range_params(range);
  p.push_back(std::to_string(limit));
  const db::Result r = co_await db.read(kTopTracks, std::move(p));
  co_return ranked(r);
}

awaitable<std::vector<Ranked>> countries(db::Cluster& db, const Range& range) {
  const db::Result r = co_await db.read(kCountries, range_params(range));
  std::vector<Ranked> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(Ranked{r.str(i, 0), std::nullopt, r.int64(i, 1)});
  co_return out;
}

awaitable<Fans> fans_raw(db::Cluster& db, const std::string& artist_id, const std::string& from, int limit) {
  const db::Result r = co_await db.read(kFansRaw, params(artist_id, from, limit));
  co_return fans_from(r);
}

awaitable<Fans> fans_windowed(db::Cluster& db, const std::string& artist_id, const std::string& rolled_until,
                              int days, int limit) {
  const db::Result r = co_await db.read(kFansWindowed, params(artist_id, rolled_until, days, limit));
  co_return fans_from(r);
}

awaitable<RollupResult> roll_up(db::Transaction& tx, bool rebuild) {
  const db::Result st = co_await tx.exec(kLockState, {});
  RollupResult out;
  // The last two rolled days are rolled again: an event may be dated a little before it was written
  // (a subscription start is dated at its first period's start).
  out.rolled_from = rebuild || st.str(0, 0) == "-infinity" ? std::string("-infinity") : std::string();
  out.rolled_until = st.str(0, 2);
  const std::optional<std::string> fans_as_of = st.opt_str(0, 1);
  const db::Result made = co_await tx.exec(kEnsurePartitions, {});
  out.partitions_created = static_cast<int>(made.int64(0, 0));
  if (out.rolled_from.empty()) {
    const db::Result back = co_await tx.exec(kRollFrom, params(st.str(0, 0), out.rolled_until));
    out.rolled_from = back.str(0, 0);
  }
  const Params range = params(out.rolled_from, out.rolled_until);
  {
    for (const Query* q :
         {&kClearDaily, &kClearTracks, &kClearCountries, &kClearSubscriptions, &kClearRevenue, &kRollPlays,
          &kRollFollows, &kRollTracks, &kRollCountries, &kRollSubscriptions, &kRollRevenue}) {
      co_await tx.exec(*q, range);
    }
  }
  if (rebuild || fans_as_of != out.rolled_until) {
    co_await tx.exec(kClearFans, {});
    co_await tx.exec(kClearFanListeners, {});
    co_await tx.exec(kClearFanTop, {});
    co_await tx.exec(kRollFans, params(out.rolled_until));
    co_await tx.exec(kRollFanListeners, {});
    co_await tx.exec(kRollFanTop, {});
    out.fans_rebuilt = true;
  }
  co_await tx.exec(kSetState, params(out.rolled_until));
  co_return out;
}

}  // namespace mc::analytics::store
