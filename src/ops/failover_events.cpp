#include <chrono>
#include <string>

#include "ops/blocking.hpp"
#include "ops/failover.hpp"

namespace mc::ops {

std::optional<FailoverOutcome> already_done(const std::string& conninfo, const FailoverRequest& req,
                                            const Say& say) {
  if (req.force || conninfo.empty()) return std::nullopt;
  std::vector<Row> rows;
  try {
    rows = sql_query(
        conninfo,
        "SELECT to_region, to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' "
        "FROM monitoring.failover_events "
        "WHERE reason = $1 AND completed_at > now() - make_interval(mins => $2::int) "
        "ORDER BY id DESC LIMIT 1",
        {req.reason, std::to_string(req.dedupe.count())});
  } catch (const std::exception& e) {
    say(std::string("warning: cannot read monitoring.failover_events: ") + e.what());
    return std::nullopt;
  }
  if (rows.empty() || !rows[0][0] || !rows[0][1]) return std::nullopt;
  FailoverOutcome o;
  o.kind = "none";
  o.to = *rows[0][0];
  o.note = "already done for this reason: primary moved to " + o.to + " at " + *rows[0][1] +
           " (--force to move it again)";
  return o;
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
