#include <gtest/gtest.h>

#include "ops/status.hpp"

using mc::ops::NodeStatus;
using mc::ops::RegionStatus;

// `musicconnect ops status --format prometheus` (tests/lab/run.sh greps these lines).
TEST(OpsStatusMetrics, one_series_per_region_and_node_and_lag_only_where_known) {
  RegionStatus primary;
  primary.name = "us-east-1";
  primary.role = "primary";
  primary.nodes = {NodeStatus{"http://a:8080", true, 3}};
  RegionStatus replica;
  replica.name = "eu-west-1";
  replica.role = "replica";
  replica.lag_seconds = 0.25;
  replica.lag_bytes = 4096;
  replica.nodes = {NodeStatus{"http://b:8080", false, -1}};
  RegionStatus down;
  down.name = "ap-southeast-1";
  down.role = "down";
  const std::string text = mc::ops::status_metrics({primary, replica, down});

  for (const char* line : {
           "# TYPE musicconnect_region_primary gauge\n",
           "musicconnect_region_primary{region=\"us-east-1\"} 1\n",
           "musicconnect_region_primary{region=\"eu-west-1\"} 0\n",
           "musicconnect_region_database_up{region=\"ap-southeast-1\"} 0\n",
           "musicconnect_region_database_up{region=\"eu-west-1\"} 1\n",
           "musicconnect_region_replication_lag_seconds{region=\"eu-west-1\"} 0.25\n",
           "musicconnect_region_replication_lag_bytes{region=\"eu-west-1\"} 4096\n",
           "musicconnect_node_ready{region=\"us-east-1\",node=\"http://a:8080\"} 1\n",
           "musicconnect_node_ready{region=\"eu-west-1\",node=\"http://b:8080\"} 0\n",
           "musicconnect_node_ws_connections{region=\"us-east-1\",node=\"http://a:8080\"} 3\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  EXPECT_EQ(text.find("replication_lag_seconds{region=\"us-east-1\"}"), std::string::npos) << "unknown lag";
  EXPECT_EQ(text.find("ws_connections{region=\"eu-west-1\""), std::string::npos) << "unknown sockets";
}
