#pragma once
// Where the regions are, for the operator commands: a JSON file named by OPS_TOPOLOGY (the lab
// writes one; docs/lab.md and docs/operations.md show both shapes).
//   {"provider": "patroni" | "aws",
//    "regions": [{"name": "us-east-1",
//                 "patroni": "http://…:8008",          (patroni: its REST API)
//                 "database": "postgresql://…",         (its PostgreSQL, for status and lag)
//                 "nodes": ["http://…:8080", …],        (musicconnect nodes: /ready, /metrics)
//                 "db_cluster_arn": "arn:aws:rds:…",     (aws: the region's Aurora cluster)
//                 "writer_endpoint": "….rds.amazonaws.com",
//                 "kube_context": "musicconnect-us-east-1"}],
//    "aws": {"global_cluster": "musicconnect-global", "hosted_zone_id": "Z…",
//            "writer_record": "writer.db.musicconnect.internal", "namespace": "musicconnect",
//            "configmap": "musicconnect-config"}}
#include <string>
#include <vector>

namespace mc::ops {

struct Region {
  std::string name;
  std::string patroni;
  std::string database;
  std::vector<std::string> nodes;
  std::string db_cluster_arn;
  std::string writer_endpoint;
  std::string kube_context;
};

struct AwsSettings {
  std::string global_cluster;
  std::string hosted_zone_id;
  std::string writer_record;
  std::string ns = "musicconnect";
  std::string configmap = "musicconnect-config";
};

struct Topology {
  std::string provider;
  std::vector<Region> regions;
  AwsSettings aws;

  const Region* find(std::string_view name) const;
};

// Reads and checks the file; throws std::runtime_error naming the missing or wrong field.
Topology load_topology(const std::string& path);

}  // namespace mc::ops
