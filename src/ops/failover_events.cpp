#include <chrono>
#include <string>

#include "ops/blocking.hpp"
#include "ops/failover.hpp"

namespace mc::ops {

std::string recent_event(const std::string& conninfo, const std::string& reason,
                         std::chrono::minutes window) {
  const auto rows = sql_query(conninfo,
                              "SELECT to_region || ' at ' || to_char(completed_at AT TIME ZONE 'UTC', "
                              "'YYYY-MM-DD HH24:MI:SS') || ' UTC' FROM monitoring.failover_events "
                              "WHERE reason = $1 AND completed_at > now() - make_interval(mins => $2::int) "
                              "ORDER BY id DESC LIMIT 1",
                              {reason, std::to_string(window.count())});
  return rows.empty() || !rows[0][0] ? std::string() : *rows[0][0];
}

void record_event(const std::string& conninfo, const FailoverOutcome& o, const std::string& reason,
                  std::chrono::system_clock::time_point started) {
  const auto started_s = std::chrono::duration<double>(started.time_since_epoch()).count();
  std::optional<std::string> lag;
  if (o.lag_seconds >= 0) lag = std::to_string(o.lag_seconds);
  std::optional<std::string> from;
  if (!o.from.empty()) from = o.from;
  sql_query(
      conninfo,
      "INSERT INTO monitoring.failover_events (occurred_at, completed_at, kind, from_region, to_region, "
      "reason, lag_seconds) VALUES (to_timestamp($1::double precision), now(), $2, $3, $4, $5, "
      "$6::double precision)",
      {std::to_string(started_s), o.kind, from, o.to, reason, lag});
}

}  // namespace mc::ops
