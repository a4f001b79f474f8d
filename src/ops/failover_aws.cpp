// The aws provider: Aurora Global Database moves the writer (switchover-global-cluster while the
// writer region is healthy, failover-global-cluster --allow-data-loss when it is not); then the
// Route 53 record of the writer is pointed at the new writer endpoint and every region's
// ConfigMap gets the new PRIMARY_REGION. Every step is idempotent: a re-run finds the writer
// already moved and only re-applies the record and the ConfigMaps.
#include <boost/json.hpp>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <thread>

#include "ops/blocking.hpp"
#include "ops/failover.hpp"

namespace mc::ops {

namespace bj = boost::json;
using namespace std::chrono_literals;

namespace {

struct GlobalCluster {
  std::string writer_arn;
  std::string status;
  std::vector<std::string> reader_arns;
};

bj::value run_json(const std::vector<std::string>& argv) {
  const auto r = run_command(argv);
  if (r.exit_code != 0)
    throw std::runtime_error(argv[0] + " " + argv[1] + " " + argv[2] + " failed (exit " +
                             std::to_string(r.exit_code) + ")");
  if (r.out.empty()) return nullptr;
  boost::system::error_code ec;
  auto v = bj::parse(r.out, ec);
  if (ec) throw std::runtime_error(argv[0] + " " + argv[1] + " " + argv[2] + " printed no JSON");
  return v;
}

GlobalCluster describe(const Topology& t) {
  const auto doc = run_json({"aws", "rds", "describe-global-clusters", "--global-cluster-identifier",
                             t.aws.global_cluster, "--output", "json"});
  const auto* clusters = doc.is_object() ? doc.as_object().if_contains("GlobalClusters") : nullptr;
  if (!clusters || !clusters->is_array() || clusters->as_array().empty()) {
    throw std::runtime_error("global cluster " + t.aws.global_cluster + " not found");
  }
  const auto& c = clusters->as_array()[0].as_object();
  GlobalCluster g;
  if (const auto* s = c.if_contains("Status"); s && s->is_string()) g.status = std::string(s->as_string());
  if (const auto* members = c.if_contains("GlobalClusterMembers"); members && members->is_array()) {
    for (const auto& m : members->as_array()) {
      const auto& o = m.as_object();
      const std::string arn(o.at("DBClusterArn").as_string());
      const auto* w = o.if_contains("IsWriter");
      if (w && w->is_bool() && w->as_bool()) {
        g.writer_arn = arn;
      } else {
        g.reader_arns.push_back(arn);
      }
    }
  }
  return g;
}

const Region* region_of_arn(const Topology& t, const std::string& arn) {
  for (const auto& r : t.regions) {
    if (r.db_cluster_arn == arn) return &r;
  }
  return nullptr;
}

bool answers(const std::string& conninfo) {
  if (conninfo.empty()) return false;
  try {
    sql_query(conninfo, "SELECT 1", {}, 3s);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::string events_database(const Region& target) {
  if (!target.database.empty()) return target.database;
  const char* url = std::getenv("DATABASE_URL");
  if (url && *url) return url;
  throw std::runtime_error("region " + target.name +
                           " has no \"database\" and DATABASE_URL is not set: cannot record the event");
}

}  // namespace

FailoverOutcome failover_aws(const Topology& t, const FailoverRequest& req, const Say& say) {
  const auto started = std::chrono::system_clock::now();
  const GlobalCluster before = describe(t);
  const Region* writer = region_of_arn(t, before.writer_arn);
  if (!writer)
    throw std::runtime_error("the writer " + before.writer_arn + " is not a region of OPS_TOPOLOGY");
  FailoverOutcome o;
  o.from = writer->name;

  // The target: asked for, or the reader with the least lag as the writer measures it
  // (aurora_global_db_status through monitoring.get_replication_lag()); topology order otherwise.
  const Region* target = nullptr;
  if (!req.to.empty()) {
    target = t.find(req.to);
    if (!target) throw std::runtime_error("region " + req.to + " is not in OPS_TOPOLOGY");
  } else {
    double best = std::numeric_limits<double>::infinity();
    std::vector<Row> lags;
    if (!writer->database.empty()) {
      try {
        lags = sql_query(writer->database,
                         "SELECT replica, lag_seconds FROM monitoring.get_replication_lag()", {}, 3s);
      } catch (const std::exception&) {
      }
    }
    for (const auto& arn : before.reader_arns) {
      const Region* r = region_of_arn(t, arn);
      if (!r) continue;
      double lag = std::numeric_limits<double>::max();
      for (const auto& row : lags) {
        if (row[0] == std::optional<std::string>(r->name) && row[1]) lag = std::stod(*row[1]);
      }
      if (!target || lag < best) {
        target = r;
        best = lag;
      }
    }
    if (!target) throw std::runtime_error("the global cluster has no reader in a region of OPS_TOPOLOGY");
    if (best < std::numeric_limits<double>::max()) o.lag_seconds = best;
  }
  o.to = target->name;

  const std::string events_db = events_database(*target);
  if (auto done = already_done(answers(writer->database) ? writer->database : events_db, req, say))
    return *done;

  if (writer == target) {
    o.kind = "none";
    say(target->name + " is already the writer; re-applying DNS and configuration");
  } else {
    const bool planned = !req.unplanned && answers(writer->database);
    o.kind = planned ? "switchover" : "failover";
    say(o.kind + ": " + writer->name + " → " + target->name);
    if (planned) {
      run_json({"aws", "rds", "switchover-global-cluster", "--global-cluster-identifier",
                t.aws.global_cluster, "--target-db-cluster-identifier", target->db_cluster_arn, "--output",
                "json"});
    } else {
      run_json({"aws", "rds", "failover-global-cluster", "--global-cluster-identifier", t.aws.global_cluster,
                "--target-db-cluster-identifier", target->db_cluster_arn, "--allow-data-loss", "--output",
                "json"});
    }
    const auto deadline = std::chrono::steady_clock::now() + req.wait;
    for (;;) {
      const auto now = describe(t);
      if (now.writer_arn == target->db_cluster_arn && now.status == "available") break;
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("timed out waiting for " + target->name + " to become the writer");
      }
      std::this_thread::sleep_for(req.poll);
    }
  }

  const bj::object change{
      {"Comment", "musicconnect ops failover: " + req.reason},
      {"Changes",
       bj::array{bj::object{
           {"Action", "UPSERT"},
           {"ResourceRecordSet",
            bj::object{{"Name", t.aws.writer_record},
                       {"Type", "CNAME"},
                       {"TTL", 30},
                       {"ResourceRecords", bj::array{bj::object{{"Value", target->writer_endpoint}}}}}}}}}};
  run_json({"aws", "route53", "change-resource-record-sets", "--hosted-zone-id", t.aws.hosted_zone_id,
            "--change-batch", bj::serialize(change), "--output", "json"});
  const std::string patch = bj::serialize(bj::object{{"data", bj::object{{"PRIMARY_REGION", target->name}}}});
  for (const auto& r : t.regions) {
    if (r.kube_context.empty()) continue;
    const auto res = run_command({"kubectl", "--context", r.kube_context, "-n", t.aws.ns, "patch",
                                  "configmap", t.aws.configmap, "--type", "merge", "-p", patch});
    if (res.exit_code != 0)
      throw std::runtime_error("kubectl patch configmap failed in " + r.kube_context + ": " + res.err);
  }
  if (o.kind == "none") {
    o.note = target->name + " was already the writer; DNS and ConfigMaps re-applied";
    return o;
  }
  o.note = "primary is now " + o.to;
  record_event(events_db, o, req.reason, started);
  return o;
}

}  // namespace mc::ops
