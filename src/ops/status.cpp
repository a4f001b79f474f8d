#include "ops/status.hpp"

#include <prometheus/text_serializer.h>

#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "core/metrics.hpp"
#include "ops/blocking.hpp"

namespace mc::ops {

namespace bj = boost::json;
using namespace std::chrono_literals;

namespace {

// The value of every sample of `name` in a Prometheus text body, summed.
long metric_sum(const std::string& body, std::string_view name) {
  long total = -1;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    const std::string_view line(body.data() + pos, end - pos);
    pos = end + 1;
    if (!line.starts_with(name)) continue;
    const auto rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;
    const auto space = line.rfind(' ');
    long v = 0;
    const auto value = line.substr(space + 1);
    if (std::from_chars(value.data(), value.data() + value.size(), v).ec == std::errc{}) {
      total = (total < 0 ? 0 : total) + v;
    }
  }
  return total;
}

void read_patroni(const Region& r, RegionStatus& s) {
  const auto reply = http_request("GET", r.patroni + "/patroni", {}, 2s);
  if (reply.status == 0) return;
  boost::system::error_code ec;
  const auto doc = bj::parse(reply.body, ec);
  if (ec || !doc.is_object()) return;
  const auto& o = doc.as_object();
  if (const auto* role = o.if_contains("role"); role && role->is_string()) {
    const std::string v(role->as_string());
    s.role = (v == "master" || v == "primary") ? "primary" : "replica";
  }
  if (const auto* st = o.if_contains("state"); st && st->is_string()) s.state = std::string(st->as_string());
}

void read_database(const Region& r, RegionStatus& s) {
  try {
    const auto role = sql_query(r.database, "SELECT pg_is_in_recovery()", {}, 2s);
    if (s.role.empty()) s.role = role.at(0).at(0) == std::optional<std::string>("t") ? "replica" : "primary";
    if (s.state.empty()) s.state = "running";
    if (s.role == "replica") {
      const auto lag = sql_query(
          r.database, "SELECT lag_seconds, lag_bytes FROM monitoring.get_replication_lag()", {}, 2s);
      if (!lag.empty()) {
        s.lag_seconds = lag[0][0] ? std::stod(*lag[0][0]) : -1;
        s.lag_bytes = lag[0][1] ? std::stod(*lag[0][1]) : -1;
      }
    } else {
      s.lag_seconds = 0;
      s.lag_bytes = 0;
    }
  } catch (const std::exception&) {
    if (s.role.empty()) s.role = "down";
  }
}

}  // namespace

std::vector<RegionStatus> collect_status(const Topology& t) {
  std::vector<RegionStatus> out;
  for (const auto& r : t.regions) {
    RegionStatus s;
    s.name = r.name;
    if (!r.patroni.empty()) read_patroni(r, s);
    if (!r.database.empty()) read_database(r, s);
    if (s.role.empty()) s.role = "down";
    if (s.state.empty()) s.state = "unreachable";
    for (const auto& url : r.nodes) {
      NodeStatus n;
      n.url = url;
      n.ready = http_request("GET", url + "/ready", {}, 2s).status == 200;
      const auto metrics = http_request("GET", url + "/metrics", {}, 2s);
      if (metrics.status == 200) {
        n.ws_connections = metric_sum(metrics.body, "ws_connections");
        const long in_use = metric_sum(metrics.body, "db_pool_in_use");
        const long idle = metric_sum(metrics.body, "db_pool_idle");
        if (in_use >= 0 && idle >= 0) n.db_connections = in_use + idle;
      }
      s.nodes.push_back(std::move(n));
    }
    out.push_back(std::move(s));
  }
  return out;
}

namespace {
std::string number(double v, const char* fmt) {
  if (v < 0) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
}  // namespace

std::string status_table(const std::vector<RegionStatus>& all) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-16s %-8s %-10s %10s %12s %-7s %8s %8s\n", "REGION", "ROLE", "STATE",
                "LAG (s)", "LAG (bytes)", "NODES", "SOCKETS", "DB CONNS");
  out += line;
  for (const auto& s : all) {
    long ready = 0, sockets = 0, conns = 0;
    for (const auto& n : s.nodes) {
      ready += n.ready ? 1 : 0;
      sockets += n.ws_connections > 0 ? n.ws_connections : 0;
      conns += n.db_connections > 0 ? n.db_connections : 0;
    }
    const std::string nodes = std::to_string(ready) + "/" + std::to_string(s.nodes.size());
    std::snprintf(line, sizeof line, "%-16s %-8s %-10s %10s %12s %-7s %8ld %8ld\n", s.name.c_str(),
                  s.role.c_str(), s.state.c_str(), number(s.lag_seconds, "%.3f").c_str(),
                  number(s.lag_bytes, "%.0f").c_str(), nodes.c_str(), sockets, conns);
    out += line;
  }
  return out;
}

std::string status_metrics(const std::vector<RegionStatus>& all) {
  // The same exposition as /metrics (prometheus-cpp's text serializer, core/metrics.hpp).
  metrics::Families out;
  auto& primary = out.gauge("musicconnect_region_primary", "1 for the region whose database accepts writes");
  auto& up = out.gauge("musicconnect_region_database_up", "1 when the region's database answers");
  auto& lag_s =
      out.gauge("musicconnect_region_replication_lag_seconds", "Replay lag of the region's replica");
  auto& lag_b = out.gauge("musicconnect_region_replication_lag_bytes", "WAL received but not yet replayed");
  auto& ready = out.gauge("musicconnect_node_ready", "1 when the node answers /ready with 200");
  auto& sockets = out.gauge("musicconnect_node_ws_connections", "Open WebSocket connections of the node");
  for (const auto& s : all) {
    metrics::Families::add(primary, {{"region", s.name}}, s.role == "primary" ? 1 : 0);
    metrics::Families::add(up, {{"region", s.name}}, s.role == "down" ? 0 : 1);
    if (s.lag_seconds >= 0) metrics::Families::add(lag_s, {{"region", s.name}}, s.lag_seconds);
    if (s.lag_bytes >= 0) metrics::Families::add(lag_b, {{"region", s.name}}, s.lag_bytes);
    for (const auto& n : s.nodes) {
      metrics::Families::add(ready, {{"region", s.name}, {"node", n.url}}, n.ready ? 1 : 0);
      if (n.ws_connections >= 0) {
        metrics::Families::add(sockets, {{"region", s.name}, {"node", n.url}},
                               static_cast<double>(n.ws_connections));
      }
    }
  }
  return prometheus::TextSerializer().Serialize(out.take());
}

std::string status_json(const std::vector<RegionStatus>& all) {
  bj::array regions;
  for (const auto& s : all) {
    bj::array nodes;
    for (const auto& n : s.nodes) {
      nodes.push_back(bj::object{{"url", n.url},
                                 {"ready", n.ready},
                                 {"wsConnections", n.ws_connections},
                                 {"dbConnections", n.db_connections}});
    }
    bj::object r{{"region", s.name}, {"role", s.role}, {"state", s.state}, {"nodes", std::move(nodes)}};
    r["lagSeconds"] = s.lag_seconds < 0 ? bj::value(nullptr) : bj::value(s.lag_seconds);
    r["lagBytes"] = s.lag_bytes < 0 ? bj::value(nullptr) : bj::value(s.lag_bytes);
    regions.push_back(std::move(r));
  }
  return bj::serialize(bj::object{{"regions", std::move(regions)}}) + "\n";
}

}  // namespace mc::ops
