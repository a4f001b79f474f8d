#include "core/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/text_serializer.h>

#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace mc::metrics {
namespace {

struct State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter().Name("http_requests_total").Help("HTTP requests served").Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency = prometheus::BuildHistogram()
                                                           .Name("http_request_duration_seconds")
                                                           .Help("HTTP request latency")
                                                           .Register(*registry);
  std::mutex mutex;
  std::vector<Collector> collectors;
};

State& state() {
  static State s;
  return s;
}

const prometheus::Histogram::BucketBoundaries& buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  return b;
}

struct RequestSeries {
  prometheus::Counter* count;
  prometheus::Histogram* latency;
};

prometheus::MetricFamily& new_family(std::deque<prometheus::MetricFamily>& list, std::string name,
                                     std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily& f = list.emplace_back();
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

}  // namespace

prometheus::Registry& registry() {
  return *state().registry;
}

void observe_request(std::string_view route, std::string_view method, unsigned status, double seconds) {
  // Family::Add takes the family's lock; each event loop thread remembers the series it has used,
  // so the request path only touches the series' own counter and histogram.
  thread_local std::unordered_map<std::string, RequestSeries> cache;
  std::string key;
  key.reserve(route.size() + method.size() + 6);
  key.append(route).push_back('\0');
  key.append(method).push_back('\0');
  key.append(std::to_string(status));
  auto it = cache.find(key);
  if (it == cache.end()) {
    const std::map<std::string, std::string> labels = {
        {"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}};
    State& s = state();
    it = cache
             .emplace(std::move(key),
                      RequestSeries{&s.requests.Add(labels), &s.latency.Add(labels, buckets())})
             .first;
  }
  it->second.count->Increment();
  it->second.latency->Observe(seconds);
}

prometheus::MetricFamily& Families::gauge(std::string name, std::string help) {
  return new_family(families_, std::move(name), std::move(help), prometheus::MetricType::Gauge);
}

prometheus::MetricFamily& Families::counter(std::string name, std::string help) {
  return new_family(families_, std::move(name), std::move(help), prometheus::MetricType::Counter);
}

void Families::add(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric& m = family.metric.emplace_back();
  m.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
}

std::vector<prometheus::MetricFamily> Families::take() {
  std::vector<prometheus::MetricFamily> out(std::make_move_iterator(families_.begin()),
                                            std::make_move_iterator(families_.end()));
  families_.clear();
  return out;
}

void add_collector(Collector c) {
  std::lock_guard lock(state().mutex);
  state().collectors.push_back(std::move(c));
}

std::string render() {
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(state().mutex);
    collectors = state().collectors;
  }
  std::vector<prometheus::MetricFamily> families = state().registry->Collect();
  Families scraped;
  for (const auto& c : collectors) c(scraped);
  for (auto& f : scraped.take()) families.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace mc::metrics
