#include "features/analytics/service.hpp"

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/log.hpp"
#include "features/analytics/store.hpp"
#include "jobs/queue.hpp"

namespace mc::analytics {
namespace {

namespace bj = boost::json;
using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr std::array<std::string_view, 11> kMetrics = {"all",         "plays",   "listeners", "followers",
                                                       "subscribers", "mrr",     "churn",     "revenue",
                                                       "topTracks",   "topFans", "countries"};
constexpr int kTopLimit = 10;  // at most the ten per window that analytics_fan_top keeps

sys_days parse_day(const std::string& s) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(s.c_str(), "%d-%u-%u", &y, &m, &d) != 3)
    throw std::runtime_error("bad date from the database: " + s);
  return sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

std::string format_day(sys_days t) {
  const year_month_day ymd{t};
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

struct Needs {
  bool plays, fans, follows, subscriptions, revenue, tracks, countries;
};
Needs needs_of(const std::string& metric) {
  const bool all = metric == "all";
  return Needs{
      all || metric == "plays",     all || metric == "listeners" || metric == "topFans",
      all || metric == "followers", all || metric == "subscribers" || metric == "mrr" || metric == "churn",
      all || metric == "revenue",   all || metric == "topTracks",
      all || metric == "countries"};
}

struct SubscriptionState {
  int64_t supporters = 0, superfans = 0;
  std::map<std::string, int64_t> mrr;  // by currency
};

struct Day {
  int64_t plays = 0, listeners = 0, gained = 0, lost = 0, followers = 0, supporters = 0, superfans = 0;
  std::map<std::string, int64_t> mrr, gross, net;
};

struct Dashboard {
  Request request;
  std::string from, to;
  std::optional<std::string> rolled_until;
  std::string currency = "USD";
  Needs needs{};
  int64_t plays = 0;
  store::Fans fans;
  int64_t followers_start = 0, gained = 0, lost = 0;
  SubscriptionState subs_start, subs_now;
  int64_t started = 0, ended = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> revenue;  // currency → gross, net
  std::vector<store::Ranked> tracks, countries;
  std::vector<std::pair<std::string, Day>> series;
};

awaitable<Dashboard> compute(db::Cluster& db, const AccessClaims& who, const Request& request) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have analytics");
  Dashboard out;
  out.request = request;
  out.needs = needs_of(request.metric);
  const store::State st = co_await store::state(db);
  const sys_days today = parse_day(st.today);
  const sys_days first = today - days(request.days - 1);
  out.from = format_day(first);
  out.to = st.today;
  out.rolled_until = st.rolled_until;
  const std::string rolled = st.rolled_until.value_or("-infinity");
  const store::Range period{who.user_id, out.from, "infinity", rolled};
  const store::Range before{who.user_id, "-infinity", out.from, rolled};

  std::map<std::string, Day> by_day;
  for (sys_days d = first; d <= today; d += days(1)) by_day[format_day(d)];
  const auto at = [&by_day](const std::string& day) -> Day& { return by_day[day]; };

  if (out.needs.plays) {
    const auto rows = co_await store::plays_by_day(db, period);
    for (const auto& r : rows) {
      at(r.day).plays = r.plays;
      at(r.day).listeners = r.listeners;
      out.plays += r.plays;
    }
  }
  if (out.needs.fans) {
    const bool windowed = st.rolled_until && *st.rolled_until == st.today && st.fans_as_of == st.rolled_until;
    if (windowed) {
      out.fans = co_await store::fans_windowed(db, who.user_id, st.today, request.days, kTopLimit);
    } else {
      out.fans = co_await store::fans_raw(db, who.user_id, out.from, kTopLimit);
    }
  }
  if (out.needs.follows) {
    const auto base = co_await store::follows_by_day(db, before);
    for (const auto& r : base) out.followers_start += r.follows - r.unfollows;
    const auto rows = co_await store::follows_by_day(db, period);
    for (const auto& r : rows) {
      at(r.day).gained = r.follows;
      at(r.day).lost = r.unfollows;
      out.gained += r.follows;
      out.lost += r.unfollows;
    }
  }
  std::map<std::string, int64_t> gross_by_currency;
  if (out.needs.subscriptions) {
    const auto base = co_await store::subscriptions_by_day(db, before);
    for (const auto& r : base) {
      out.subs_start.supporters += r.supporter_delta;
      out.subs_start.superfans += r.superfan_delta;
      out.subs_start.mrr[r.currency] += r.mrr_delta_cents;
    }
    const auto rows = co_await store::subscriptions_by_day(db, period);
    for (const auto& r : rows) {
      Day& d = at(r.day);
      d.supporters += r.supporter_delta;  // deltas for now; made running below
      d.superfans += r.superfan_delta;
      d.mrr[r.currency] += r.mrr_delta_cents;
      out.started += r.starts;
      out.ended += r.ends;
    }
  }
  if (out.needs.revenue) {
    const auto rows = co_await store::revenue_by_day(db, period);
    for (const auto& r : rows) {
      Day& d = at(r.day);
      d.gross[r.currency] += r.gross_cents;
      d.net[r.currency] += r.net_cents;
      out.revenue[r.currency].first += r.gross_cents;
      out.revenue[r.currency].second += r.net_cents;
      gross_by_currency[r.currency] += r.gross_cents;
    }
  }
  if (out.needs.tracks) out.tracks = co_await store::top_tracks(db, period, kTopLimit);
  if (out.needs.countries) out.countries = co_await store::countries(db, period);

  // Running states, and the currency the series shows money in: the one with the most gross
  // revenue in the period, else the one with the most MRR, else USD.
  int64_t followers = out.followers_start;
  SubscriptionState subs = out.subs_start;
  for (auto& [day, d] : by_day) {
    followers += d.gained - d.lost;
    d.followers = followers;
    subs.supporters += d.supporters;
    subs.superfans += d.superfans;
    for (const auto& [c, v] : d.mrr) subs.mrr[c] += v;
    d.supporters = subs.supporters;
    d.superfans = subs.superfans;
    d.mrr = subs.mrr;
  }
  out.subs_now = subs;
  int64_t best = 0;
  for (const auto& [c, v] : gross_by_currency) {
    if (v > best) best = v, out.currency = c;
  }
  if (best == 0) {
    for (const auto& [c, v] : subs.mrr) {
      if (v > best) best = v, out.currency = c;
    }
  }
  for (auto& [day, d] : by_day) out.series.emplace_back(day, std::move(d));
  co_return out;
}

int64_t in(const std::map<std::string, int64_t>& m, const std::string& c) {
  const auto it = m.find(c);
  return it == m.end() ? 0 : it->second;
}

bj::object to_json(const Dashboard& d) {
  const Needs& n = d.needs;
  const std::string& m = d.request.metric;
  const bool all = m == "all";
  bj::object out{{"period", d.request.period},
                 {"metric", m},
                 {"days", d.request.days},
                 {"from", d.from},
                 {"to", d.to},
                 {"currency", d.currency},
                 {"rolledUntil", d.rolled_until ? bj::value(*d.rolled_until) : bj::value(nullptr)}};
  if (n.plays) out["plays"] = d.plays;
  if (all || m == "listeners") out["listeners"] = d.fans.listeners;
  if (n.follows) {
    out["followers"] =
        bj::object{{"total", d.followers_start + d.gained - d.lost}, {"gained", d.gained}, {"lost", d.lost}};
  }
  if (all || m == "subscribers") {
    out["subscribers"] = bj::object{{"supporter", d.subs_now.supporters},
                                    {"superfan", d.subs_now.superfans},
                                    {"started", d.started},
                                    {"ended", d.ended}};
  }
  if (all || m == "mrr") {
    bj::array mrr;
    for (const auto& [c, v] : d.subs_now.mrr) {
      if (v != 0) mrr.push_back(bj::object{{"currency", c}, {"cents", v}});
    }
    out["mrr"] = std::move(mrr);
  }
  if (all || m == "churn") {
    const int64_t at_start = d.subs_start.supporters + d.subs_start.superfans;
    out["churn"] = bj::object{
        {"rate", at_start > 0 ? bj::value(static_cast<double>(d.ended) / static_cast<double>(at_start))
                              : bj::value(nullptr)},
        {"ended", d.ended},
        {"atStart", at_start}};
  }
  if (n.revenue) {
    bj::array rev;
    for (const auto& [c, v] : d.revenue)
      rev.push_back(bj::object{{"currency", c}, {"grossCents", v.first}, {"netCents", v.second}});
    out["revenue"] = std::move(rev);
  }
  if (n.tracks) {
    bj::array a;
    for (const auto& t : d.tracks) {
      a.push_back(bj::object{{"trackId", t.key},
                             {"title", t.name ? bj::value(*t.name) : bj::value(nullptr)},
                             {"plays", t.plays}});
    }
    out["topTracks"] = std::move(a);
  }
  if (all || m == "topFans") {
    bj::array a;
    for (const auto& f : d.fans.top) {
      a.push_back(bj::object{{"userId", f.key},
                             {"username", f.name ? bj::value(*f.name) : bj::value(nullptr)},
                             {"plays", f.plays}});
    }
    out["topFans"] = std::move(a);
  }
  if (n.countries) {
    bj::array a;
    for (const auto& c : d.countries) a.push_back(bj::object{{"country", c.key}, {"plays", c.plays}});
    out["countries"] = std::move(a);
  }
  bj::array series;
  for (const auto& [day, v] : d.series) {
    bj::object p{{"day", day}};
    if (n.plays) p["plays"] = v.plays, p["listeners"] = v.listeners;
    if (n.follows) p["followers"] = v.followers, p["followersGained"] = v.gained, p["followersLost"] = v.lost;
    if (n.subscriptions) {
      p["supporters"] = v.supporters, p["superfans"] = v.superfans, p["mrrCents"] = in(v.mrr, d.currency);
    }
    if (n.revenue) p["grossCents"] = in(v.gross, d.currency), p["netCents"] = in(v.net, d.currency);
    series.push_back(std::move(p));
  }
  out["series"] = std::move(series);
  return out;
}

}  // namespace

Request parse_request(const std::optional<std::string>& period, const std::optional<std::string>& metric) {
  Request r;
  bj::object errors;
  if (period) {
    static const std::map<std::string, int, std::less<>> kPeriods = {
        {"7d", 7}, {"30d", 30}, {"90d", 90}, {"365d", 365}, {"1y", 365}};
    const auto it = kPeriods.find(*period);
    if (it == kPeriods.end()) {
      errors["period"] = "must be one of 7d, 30d, 90d, 365d or 1y";
    } else {
      // "1y" is an alias: the answer (and the CSV's file name) carry the canonical "365d".
      r.days = it->second;
      r.period = std::to_string(r.days) + "d";
    }
  }
  if (metric) {
    bool known = false;
    for (const auto m : kMetrics) known = known || m == *metric;
    if (!known) {
      errors["metric"] =
          "must be one of all, plays, listeners, followers, subscribers, mrr, churn, revenue, topTracks, "
          "topFans, "
          "countries";
    } else {
      r.metric = *metric;
    }
  }
  if (!errors.empty())
    throw ApiError(400, "invalid_query", "Query parameters are invalid", std::move(errors));
  return r;
}

awaitable<bj::object> dashboard(db::Cluster& db, const AccessClaims& who, const Request& request) {
  const Dashboard d = co_await compute(db, who, request);
  co_return to_json(d);
}

awaitable<std::string> export_csv(db::Cluster& db, const AccessClaims& who, const Request& request) {
  Request all = request;
  all.metric = "all";
  const Dashboard d = co_await compute(db, who, all);
  std::string out =
      "day,plays,listeners,followers,followers_gained,followers_lost,supporters,superfans,mrr_cents,gross_"
      "cents,"
      "net_cents,currency\r\n";
  for (const auto& [day, v] : d.series) {
    out += day;
    for (const int64_t n : {v.plays, v.listeners, v.followers, v.gained, v.lost, v.supporters, v.superfans,
                            in(v.mrr, d.currency), in(v.gross, d.currency), in(v.net, d.currency)}) {
      out += ',' + std::to_string(n);
    }
    out += ',' + d.currency + "\r\n";
  }
  co_return out;
}

awaitable<void> roll_up_now(db::Cluster& cluster, bool rebuild) {
  auto tx = co_await cluster.begin();
  const store::RollupResult r = co_await store::roll_up(tx, rebuild);
  co_await tx.commit();
  log::info("analytics rollup done", {{"from", r.rolled_from},
                                      {"until", r.rolled_until},
                                      {"partitions_created", r.partitions_created},
                                      {"fans_rebuilt", r.fans_rebuilt}});
}

void register_jobs(jobs::Worker& worker, db::Cluster& cluster) {
  worker.handle(kRollupKind, [&cluster](jobs::JobContext& job) -> awaitable<void> {
    const auto* v = job.payload().if_contains("rebuild");
    const bool rebuild = v && v->is_bool() && v->as_bool();
    auto tx = co_await cluster.begin();
    const store::RollupResult r = co_await store::roll_up(tx, rebuild);
    const bool owned = co_await job.complete(tx);
    if (!owned) co_return;  // the transaction rolls back: another worker has the job
    co_await tx.commit();
    log::info("analytics rollup done", {{"from", r.rolled_from},
                                        {"until", r.rolled_until},
                                        {"partitions_created", r.partitions_created},
                                        {"fans_rebuilt", r.fans_rebuilt}});
  });
}

awaitable<void> schedule_rollup(db::Cluster& cluster) {
  co_await jobs::enqueue_hourly(cluster, "maintenance", kRollupKind);
}

}  // namespace mc::analytics
