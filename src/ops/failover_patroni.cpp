// The patroni provider: Patroni (with etcd) holds the leader lock and does the promotion; this asks
// it through its REST API — POST /switchover while the leader is healthy (planned, no data loss),
// POST /failover when there is none — and waits until the chosen member accepts writes.
#include <boost/json.hpp>
#include <limits>
#include <stdexcept>
#include <thread>

#include "ops/blocking.hpp"
#include "ops/failover.hpp"

namespace mc::ops {

namespace bj = boost::json;
using namespace std::chrono_literals;

namespace {

struct Member {
  std::string name;
  std::string role;  // leader | replica | sync_standby (Patroni 3.0 may say master)
  std::string state;
  double lag_bytes = std::numeric_limits<double>::infinity();
  bool nofailover = false;
};

bool is_leader(const Member& m) {
  return m.role == "leader" || m.role == "master" || m.role == "primary";
}
bool is_running(const Member& m) {
  return m.state == "running" || m.state == "streaming";
}

// The cluster as the first Patroni that answers sees it.
std::vector<Member> cluster_members(const Topology& t) {
  for (const auto& r : t.regions) {
    const auto reply = http_request("GET", r.patroni + "/cluster", {}, 2s);
    if (reply.status != 200) continue;
    boost::system::error_code ec;
    const auto doc = bj::parse(reply.body, ec);
    if (ec || !doc.is_object()) continue;
    const auto* members = doc.as_object().if_contains("members");
    if (!members || !members->is_array()) continue;
    std::vector<Member> out;
    for (const auto& v : members->as_array()) {
      if (!v.is_object()) continue;
      const auto& o = v.as_object();
      Member m;
      if (const auto* x = o.if_contains("name"); x && x->is_string()) m.name = std::string(x->as_string());
      if (const auto* x = o.if_contains("role"); x && x->is_string()) m.role = std::string(x->as_string());
      if (const auto* x = o.if_contains("state"); x && x->is_string()) m.state = std::string(x->as_string());
      if (const auto* x = o.if_contains("lag"); x && x->is_number()) m.lag_bytes = x->to_number<double>();
      if (is_leader(m)) m.lag_bytes = 0;
      if (const auto* tags = o.if_contains("tags"); tags && tags->is_object()) {
        if (const auto* nf = tags->as_object().if_contains("nofailover"); nf && nf->is_bool())
          m.nofailover = nf->as_bool();
      }
      out.push_back(std::move(m));
    }
    return out;
  }
  throw std::runtime_error("no Patroni REST API answers (tried every region's \"patroni\" URL)");
}

// Patroni's dynamic configuration says whether only the synchronous standby may be promoted.
bool synchronous_mode(const Topology& t) {
  for (const auto& r : t.regions) {
    const auto reply = http_request("GET", r.patroni + "/config", {}, 2s);
    if (reply.status != 200) continue;
    boost::system::error_code ec;
    const auto doc = bj::parse(reply.body, ec);
    if (ec || !doc.is_object()) continue;
    const auto* v = doc.as_object().if_contains("synchronous_mode");
    return v && v->is_bool() && v->as_bool();
  }
  return false;
}

const Member* leader_of(const std::vector<Member>& ms) {
  for (const auto& m : ms) {
    if (is_leader(m) && is_running(m)) return &m;
  }
  return nullptr;
}

bool accepts_writes(const Region& r) {
  if (r.database.empty()) return true;  // nothing more to check than Patroni's word
  try {
    const auto rows = sql_query(r.database, "SELECT NOT pg_is_in_recovery()", {}, 2s);
    return !rows.empty() && rows[0][0] == std::optional<std::string>("t");
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

FailoverOutcome failover_patroni(const Topology& t, const FailoverRequest& req, const Say& say) {
  const auto started = std::chrono::system_clock::now();
  const auto deadline = std::chrono::steady_clock::now() + req.wait;
  const bool sync = synchronous_mode(t);
  auto members = cluster_members(t);
  if (sync) {
    // only the synchronous standby is promoted without data loss; one may be moments from being
    // chosen (a member that just rejoined), so wait for it rather than fail
    const auto has_sync = [&] {
      for (const auto& m : members) {
        if (m.role == "sync_standby" && is_running(m) && (req.to.empty() || m.name == req.to)) return true;
      }
      return false;
    };
    while (!has_sync() && leader_of(members) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(req.poll);
      members = cluster_members(t);
    }
  }
  const Member* leader = leader_of(members);
  FailoverOutcome o;
  o.from = leader ? leader->name : "";

  const Region* leader_region = leader ? t.find(leader->name) : nullptr;
  const std::string events_db =
      (leader_region && !leader_region->database.empty()) ? leader_region->database : std::string();
  if (auto done = already_done(events_db, req, say)) return *done;

  // The target: the one asked for, or the least-lagged healthy replica (the synchronous standby
  // first: with synchronous mode it is the only one Patroni will promote without data loss).
  const Member* target = nullptr;
  for (const auto& m : members) {
    if (!req.to.empty()) {
      if (m.name == req.to) target = &m;
      continue;
    }
    if (is_leader(m) || !is_running(m) || m.nofailover) continue;
    if (sync && leader && m.role != "sync_standby") continue;
    const auto rank = [](const Member& x) {
      return std::pair(x.role == "sync_standby" ? 0 : 1, x.lag_bytes);
    };
    if (!target || rank(m) < rank(*target)) target = &m;
  }
  if (!req.to.empty() && !target)
    throw std::runtime_error("region " + req.to + " is not a member of the Patroni cluster");
  if (!target) throw std::runtime_error("no healthy replica to promote");
  const Region* target_region = t.find(target->name);
  if (!target_region) throw std::runtime_error("member " + target->name + " is not a region of OPS_TOPOLOGY");
  o.to = target->name;

  if (leader && leader->name == target->name) {
    o.kind = "none";
    o.note = target->name + " is already the primary; nothing to do";
    return o;
  }
  if (leader_region && !leader_region->database.empty()) {
    try {  // the target's replay lag as the primary sees it (application_name is the member name)
      const auto lag = sql_query(
          leader_region->database,
          "SELECT lag_seconds FROM monitoring.get_replication_lag() WHERE replica = $1", {target->name}, 2s);
      if (!lag.empty() && lag[0][0]) o.lag_seconds = std::stod(*lag[0][0]);
    } catch (const std::exception&) {
    }
  }

  if (leader) {
    o.kind = "switchover";
    say("switchover: " + leader->name + " → " + target->name + " (lag " +
        std::to_string(static_cast<long long>(target->lag_bytes)) + " bytes)");
    const Region* lr = t.find(leader->name);
    const std::string body = bj::serialize(bj::object{{"leader", leader->name}, {"candidate", target->name}});
    const auto reply =
        http_request("POST", (lr ? lr->patroni : target_region->patroni) + "/switchover", body, 60s);
    if (reply.status != 200) {
      throw std::runtime_error("Patroni refused the switchover (" + std::to_string(reply.status) +
                               "): " + (reply.body.empty() ? reply.error : reply.body));
    }
  } else {
    o.kind = "failover";
    say("failover: no healthy leader; promoting " + target->name);
    const std::string body = bj::serialize(bj::object{{"candidate", target->name}});
    const auto reply = http_request("POST", target_region->patroni + "/failover", body, 60s);
    // 412 with "leader elected meanwhile" is Patroni having done it on its own; the wait decides
    if (reply.status != 200 && reply.status != 412) {
      throw std::runtime_error("Patroni refused the failover (" + std::to_string(reply.status) +
                               "): " + (reply.body.empty() ? reply.error : reply.body));
    }
  }

  for (;;) {
    std::vector<Member> now;
    try {
      now = cluster_members(t);
    } catch (const std::exception&) {
    }
    const Member* l = leader_of(now);
    if (l && l->name == target->name && accepts_writes(*target_region)) break;
    if (l && l->name != target->name && o.kind == "failover") {
      // Patroni promoted another member on its own before our request: that is the outcome
      target_region = t.find(l->name);
      if (target_region && accepts_writes(*target_region)) {
        o.to = l->name;
        break;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("timed out waiting for " + target->name + " to accept writes");
    }
    std::this_thread::sleep_for(req.poll);
  }
  o.note = "primary is now " + o.to;
  record_event(t.find(o.to)->database, o, req.reason, started);
  return o;
}

}  // namespace mc::ops
