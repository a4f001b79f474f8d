#include "ops/metrics.hpp"

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace mc::ops {
namespace {

constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

struct Series {
  std::array<uint64_t, kBuckets.size()> buckets{};
  uint64_t count = 0;
  double sum = 0;
};

struct Shard {
  std::mutex mutex;
  std::unordered_map<std::string, Series> series;  // key: route \0 method \0 status
};

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<Shard>> shards;
  std::vector<Metrics::Collector> collectors;
};

Registry& registry() {
  static Registry r;
  return r;
}

Shard& local_shard() {
  thread_local Shard* shard = [] {
    auto s = std::make_unique<Shard>();
    Shard* raw = s.get();
    std::lock_guard lock(registry().mutex);
    registry().shards.push_back(std::move(s));
    return raw;
  }();
  return *shard;
}

std::string fmt_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void write_help(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Metrics::observe_request(std::string_view route, std::string_view method, unsigned status,
                              double seconds) {
  std::string key;
  key.reserve(route.size() + method.size() + 6);
  key.append(route).push_back('\0');
  key.append(method).push_back('\0');
  key.append(std::to_string(status));
  Shard& shard = local_shard();
  std::lock_guard lock(shard.mutex);
  Series& s = shard.series[key];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++s.buckets[i];
      break;
    }
  }
  ++s.count;
  s.sum += seconds;
}

void Metrics::add_collector(Collector c) {
  std::lock_guard lock(registry().mutex);
  registry().collectors.push_back(std::move(c));
}

std::string Metrics::render() const {
  std::map<std::string, Series> merged;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(registry().mutex);
    collectors = registry().collectors;
    for (const auto& shard : registry().shards) {
      std::lock_guard shard_lock(shard->mutex);
      for (const auto& [key, s] : shard->series) {
        Series& m = merged[key];
        for (std::size_t i = 0; i < kBuckets.size(); ++i) m.buckets[i] += s.buckets[i];
        m.count += s.count;
        m.sum += s.sum;
      }
    }
  }
  std::string out;
  auto labels = [](const std::string& key) {
    const auto a = key.find('\0');
    const auto b = key.find('\0', a + 1);
    return "route=\"" + key.substr(0, a) + "\",method=\"" + key.substr(a + 1, b - a - 1) + "\",status=\"" +
           key.substr(b + 1) + "\"";
  };
  write_help(out, "http_requests_total", "counter", "HTTP requests served");
  for (const auto& [key, s] : merged) {
    out += "http_requests_total{" + labels(key) + "} " + std::to_string(s.count) + "\n";
  }
  write_help(out, "http_request_duration_seconds", "histogram", "HTTP request latency");
  for (const auto& [key, s] : merged) {
    const std::string l = labels(key);
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      out += "http_request_duration_seconds_bucket{" + l + ",le=\"" + fmt_double(kBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "http_request_duration_seconds_bucket{" + l + ",le=\"+Inf\"} " + std::to_string(s.count) + "\n";
    out += "http_request_duration_seconds_sum{" + l + "} " + fmt_double(s.sum) + "\n";
    out += "http_request_duration_seconds_count{" + l + "} " + std::to_string(s.count) + "\n";
  }
  for (const auto& c : collectors) c(out);
  return out;
}

Metrics& metrics() {
  static Metrics m;
  return m;
}

}  // namespace mc::ops
