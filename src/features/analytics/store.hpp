#pragma once
// SQL of artist analytics (docs/analytics.md): the rollup job's statements and the dashboard's reads.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"
#include "db/transaction.hpp"

namespace mc::analytics::store {

using boost::asio::awaitable;

// A range of UTC days [from, to) read for one artist: days before `rolled_until` come from the
// rollups, later ones from the raw events. Dates are "YYYY-MM-DD", "-infinity" or "infinity".
struct Range {
  std::string artist_id;
  std::string from;
  std::string to;
  std::string rolled_until;  // "-infinity": nothing rolled up yet
};

struct State {
  std::optional<std::string> rolled_until;
  std::optional<std::string> fans_as_of;
  std::string today;  // the database's current UTC date
};

struct DayPlays {
  std::string day;
  int64_t plays = 0;
  int64_t listeners = 0;
};
struct DayFollows {
  std::string day;
  int64_t follows = 0;
  int64_t unfollows = 0;
};
struct DaySubscriptions {
  std::string day;
  std::string currency;
  int64_t starts = 0, ends = 0, supporter_delta = 0, superfan_delta = 0, mrr_delta_cents = 0;
};
struct DayRevenue {
  std::string day;
  std::string currency;
  int64_t gross_cents = 0, net_cents = 0;
};
struct Ranked {
  std::string key;                  // track id, user id or country
  std::optional<std::string> name;  // track title or username (null once deleted)
  int64_t plays = 0;
};
struct Fans {
  int64_t listeners = 0;  // distinct signed-in listeners
  std::vector<Ranked> top;
};

awaitable<State> state(db::Cluster& db);

awaitable<std::vector<DayPlays>> plays_by_day(db::Cluster& db, const Range& r);
awaitable<std::vector<DayFollows>> follows_by_day(db::Cluster& db, const Range& r);
awaitable<std::vector<DaySubscriptions>> subscriptions_by_day(db::Cluster& db, const Range& r);
awaitable<std::vector<DayRevenue>> revenue_by_day(db::Cluster& db, const Range& r);
awaitable<std::vector<Ranked>> top_tracks(db::Cluster& db, const Range& r, int limit);
awaitable<std::vector<Ranked>> countries(db::Cluster& db, const Range& r);
// Listeners and top fans of the days from `from` to now, from the raw events.
awaitable<Fans> fans_raw(db::Cluster& db, const std::string& artist_id, const std::string& from, int limit);
// The same from analytics_fan_windows (the `days`-1 days before `rolled_until`) plus the raw events
// from `rolled_until` on; only valid when rolled_until is today and fans_as_of = rolled_until.
awaitable<Fans> fans_windowed(db::Cluster& db, const std::string& artist_id, const std::string& rolled_until,
                              int days, int limit);

// The rollup job, in the caller's transaction (it locks analytics_state).
struct RollupResult {
  std::string rolled_from;  // "-infinity" on a first run or a rebuild
  std::string rolled_until;
  int partitions_created = 0;
  bool fans_rebuilt = false;
};
awaitable<RollupResult> roll_up(db::Transaction& tx, bool rebuild);

}  // namespace mc::analytics::store
