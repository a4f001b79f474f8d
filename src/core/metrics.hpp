#pragma once
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <deque>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Prometheus metrics through prometheus-cpp (Debian's prometheus-cpp-dev). This sits in core/ so
// that http/, jobs/ and everything above may record metrics without pointing up the layers; ops/
// only serves /metrics.
//
// Two kinds of metric:
//  - instruments in registry() (counters, gauges, histograms owned by prometheus-cpp), updated as
//    things happen: request counts and latency, build info;
//  - scrape-time families, written by collectors that read state owned elsewhere (pool and gateway
//    statistics, the job workers' counts) when /metrics is scraped.
namespace mc::metrics {

prometheus::Registry& registry();

// One finished HTTP request: http_requests_total and http_request_duration_seconds, labelled by
// route template (never the raw path), method and status.
void observe_request(std::string_view route, std::string_view method, unsigned status, double seconds);

using Labels = std::vector<prometheus::ClientMetric::Label>;

// What a collector writes: families of samples taken at scrape time. A family returned by
// gauge() or counter() stays valid while more are added (a deque), so a collector may open all its
// families first and fill them in one pass.
class Families {
 public:
  prometheus::MetricFamily& gauge(std::string name, std::string help);
  prometheus::MetricFamily& counter(std::string name, std::string help);
  static void add(prometheus::MetricFamily& family, Labels labels, double value);
  std::vector<prometheus::MetricFamily> take();  // the families, in the order they were opened

 private:
  std::deque<prometheus::MetricFamily> families_;
};

using Collector = std::function<void(Families&)>;
// Registers a collector for the rest of the process (whatever it captures must outlive scrapes).
void add_collector(Collector c);

// The text exposition format (version 0.0.4) of everything above.
std::string render();

}  // namespace mc::metrics
