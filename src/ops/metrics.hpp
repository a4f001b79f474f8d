#pragma once
#include <functional>
#include <string>
#include <string_view>

namespace mc::ops {

// Prometheus metrics. Request series are recorded into per-thread shards (no contention between
// event loops) and merged when /metrics is scraped. Other parts register collectors that append
// their own families (pools, build info) at scrape time.
class Metrics {
 public:
  void observe_request(std::string_view route, std::string_view method, unsigned status, double seconds);
  using Collector = std::function<void(std::string& out)>;
  void add_collector(Collector c);
  std::string render() const;
};

Metrics& metrics();

// Helpers for collectors writing the text format.
void write_help(std::string& out, std::string_view name, std::string_view type, std::string_view help);

}  // namespace mc::ops
