#pragma once
// `musicconnect ops failover`: move the writable database to another region through the engine
// that owns failover — Patroni (self-hosted, the lab) or Aurora Global Database (AWS). Our part is
// choosing the target, asking the engine, waiting until the new writer accepts writes, pointing
// the rest of the deployment at it and recording the event in monitoring.failover_events.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "ops/topology.hpp"

namespace mc::ops {

struct FailoverRequest {
  std::string to;  // empty: the least-lagged healthy replica
  std::string
      reason;  // required; a completed event with the same reason inside `dedupe` makes a re-run a no-op
  bool force = false;      // act even if the same reason completed recently
  bool unplanned = false;  // aws: fail over (allowing data loss) even if the writer answers
  std::chrono::seconds wait{120};
  std::chrono::minutes dedupe{30};
  std::chrono::milliseconds poll{500};
};

struct FailoverOutcome {
  std::string kind;  // switchover | failover | none
  std::string from;
  std::string to;
  double lag_seconds = -1;  // the target's lag when chosen; -1 unknown
  std::string note;         // what happened, for the operator
};

using Say = std::function<void(const std::string&)>;

FailoverOutcome failover_patroni(const Topology& t, const FailoverRequest& req, const Say& say);
FailoverOutcome failover_aws(const Topology& t, const FailoverRequest& req, const Say& say);

// monitoring.failover_events (infrastructure/database/aurora-global-setup.sql).
// A re-run: the same reason completed within req.dedupe (unless req.force), as a "none" outcome
// naming where the primary went; nullopt when there is none or the table cannot be read (warned).
std::optional<FailoverOutcome> already_done(const std::string& conninfo, const FailoverRequest& req,
                                            const Say& say);
void record_event(const std::string& conninfo, const FailoverOutcome& o, const std::string& reason,
                  std::chrono::system_clock::time_point started);

}  // namespace mc::ops
