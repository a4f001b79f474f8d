#pragma once
#include <string>
#include <vector>

#include "ops/topology.hpp"

namespace mc::ops {

struct NodeStatus {
  std::string url;
  bool ready = false;
  long ws_connections = -1;  // -1: unknown
  long db_connections = -1;  // pooled connections open (in use + idle), both pools
};

struct RegionStatus {
  std::string name;
  std::string role;   // primary | replica | down
  std::string state;  // Patroni's member state, or "running" from the database alone
  double lag_seconds = -1;
  double lag_bytes = -1;
  std::vector<NodeStatus> nodes;
};

// Every region's role, lag and nodes, read from Patroni, the regional databases and the nodes.
std::vector<RegionStatus> collect_status(const Topology& t);

std::string status_table(const std::vector<RegionStatus>& s);
// Prometheus text format (for node_exporter's textfile collector or a sidecar).
std::string status_metrics(const std::vector<RegionStatus>& s);
std::string status_json(const std::vector<RegionStatus>& s);

}  // namespace mc::ops
