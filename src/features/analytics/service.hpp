#pragma once
// Artist analytics (SPEC §4.11, docs/analytics.md): the dashboard of one artist's own figures over
// a period of whole UTC days ending today, read from the daily rollups and the raw events since the
// last rollup, and the durable job that maintains the rollups and the event tables' partitions.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "jobs/worker.hpp"

namespace mc::analytics {

using boost::asio::awaitable;

inline constexpr const char* kRollupKind = "analytics.rollup";

// Query parameters, checked: period 7d, 30d, 90d, 365d or 1y (= 365d; default 30d), metric one of
// kMetrics (default all). ApiError 400 invalid_query naming the parameter otherwise.
struct Request {
  std::string period = "30d";
  int days = 30;
  std::string metric = "all";
};
Request parse_request(const std::optional<std::string>& period, const std::optional<std::string>& metric);

// The dashboard (JSON). 403 unless the caller is an artist: it only ever reads the caller's own data.
awaitable<boost::json::object> dashboard(db::Cluster& db, const AccessClaims& who, const Request& request);
// The dashboard's daily series as CSV.
awaitable<std::string> export_csv(db::Cluster& db, const AccessClaims& who, const Request& request);

// The job: rolls every finished day into the rollups, creates next months' partitions, refreshes the
// per-fan windows once a day. rebuild: recompute every day (after back-dated events were loaded).
void register_jobs(jobs::Worker& worker, db::Cluster& cluster);
// Enqueues this hour's rollup (a no-op if it exists). Called by the periodic sweep.
awaitable<void> schedule_rollup(db::Cluster& cluster);
// Runs a rollup now, outside the queue (seed-demo after loading history).
awaitable<void> roll_up_now(db::Cluster& cluster, bool rebuild);

}  // namespace mc::analytics
