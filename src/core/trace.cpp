#include "core/trace.hpp"

#include <curl/curl.h>
#include <prometheus/counter.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace mc::trace {
namespace {

constexpr char kHex[] = "0123456789abcdef";

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  std::string out(N * 2, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // the W3C format allows lower case only
}

template <std::size_t N>
bool from_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != N * 2) return false;
  bool nonzero = false;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    nonzero = nonzero || out[i] != 0;
  }
  return nonzero;
}

template <std::size_t N>
void random_bytes(std::array<std::uint8_t, N>& out) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      const std::uint64_t r = rng();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j) out[i + j] = static_cast<std::uint8_t>(r >> (8 * j));
    }
  } while (std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; }));
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

thread_local Slot thread_slot;
thread_local Slot* active_slot = nullptr;

Slot& active() {
  return active_slot ? *active_slot : thread_slot;
}

// A finished span, as the exporter sends it.
struct Record {
  std::string name;
  int kind;
  std::string trace_id, span_id, parent_span_id;
  std::int64_t start_ns, end_ns;
  boost::json::array attributes;
  std::optional<std::string> error;
};

struct Counters {
  prometheus::Family<prometheus::Counter>& family = prometheus::BuildCounter()
                                                        .Name("mc_trace_spans_total")
                                                        .Help("Finished spans by what became of them")
                                                        .Register(metrics::registry());
  prometheus::Counter& exported = family.Add({{"outcome", "exported"}});
  prometheus::Counter& dropped = family.Add({{"outcome", "dropped"}});  // the queue was full
  prometheus::Counter& failed = family.Add({{"outcome", "failed"}});    // the collector refused or was down
};

class Exporter {
 public:
  explicit Exporter(ExporterOptions o) : options_(std::move(o)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    boost::json::array attrs;
    attrs.push_back(attribute("service.name", options_.service_name));
    for (const auto& [k, v] : options_.resource) attrs.push_back(attribute(k, v));
    resource_ = boost::json::object{{"attributes", std::move(attrs)}};
    thread_ = std::thread([this] { run(); });
  }

  void push(Record r) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || queue_.size() >= options_.max_queue) {
        counters_.dropped.Increment();
        return;
      }
      queue_.push_back(std::move(r));
      if (queue_.size() < options_.max_batch) return;
    }
    wake_.notify_one();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  static boost::json::object attribute(std::string_view key, std::string_view value) {
    return {{"key", key}, {"value", {{"stringValue", value}}}};
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait_for(lock, options_.interval,
                     [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      if (queue_.empty()) {
        if (stopping_) return;
        continue;
      }
      std::vector<Record> batch;
      const std::size_t n = std::min(queue_.size(), options_.max_batch);
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      send(batch);
      lock.lock();
      // Stopping with the collector down: the rest is dropped rather than holding up the exit by
      // a timeout per batch.
      if (stopping_ && !healthy_) {
        counters_.dropped.Increment(static_cast<double>(queue_.size()));
        queue_.clear();
      }
    }
  }

  std::string encode(const std::vector<Record>& batch) const {
    boost::json::array spans;
    for (const Record& r : batch) {
      boost::json::object s{{"traceId", r.trace_id},
                            {"spanId", r.span_id},
                            {"name", r.name},
                            {"kind", r.kind},
                            {"startTimeUnixNano", std::to_string(r.start_ns)},
                            {"endTimeUnixNano", std::to_string(r.end_ns)},
                            {"attributes", r.attributes}};
      if (!r.parent_span_id.empty()) s["parentSpanId"] = r.parent_span_id;
      if (r.error) {
        s["status"] = {{"code", 2}, {"message", *r.error}};
      } else {
        s["status"] = {{"code", 0}};
      }
      spans.push_back(std::move(s));
    }
    boost::json::object scope{{"scope", {{"name", "musicconnect"}}}, {"spans", std::move(spans)}};
    boost::json::object rs{{"resource", resource_}, {"scopeSpans", boost::json::array{std::move(scope)}}};
    return boost::json::serialize(boost::json::object{{"resourceSpans", boost::json::array{std::move(rs)}}});
  }

  void send(const std::vector<Record>& batch) {
    const std::string body = encode(batch);
    CURL* h = curl_easy_init();
    long status = 0;
    CURLcode rc = CURLE_FAILED_INIT;
    if (h) {
      curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
      curl_easy_setopt(h, CURLOPT_URL, options_.endpoint.c_str());
      curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
      curl_easy_setopt(
          h, CURLOPT_WRITEFUNCTION, +[](char*, size_t size, size_t n, void*) { return size * n; });
      rc = curl_easy_perform(h);
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      curl_slist_free_all(headers);
      curl_easy_cleanup(h);
    }
    const bool ok = rc == CURLE_OK && status >= 200 && status < 300;
    (ok ? counters_.exported : counters_.failed).Increment(static_cast<double>(batch.size()));
    // One warning when export starts failing and one when it works again, not one per batch.
    if (ok != healthy_) {
      healthy_ = ok;
      if (ok) {
        log::info("trace export works again", {{"endpoint", options_.endpoint}});
      } else {
        log::warn("trace export failed; spans are dropped until the collector answers",
                  {{"endpoint", options_.endpoint},
                   {"error", rc == CURLE_OK ? "HTTP " + std::to_string(status) : curl_easy_strerror(rc)}});
      }
    }
  }

  ExporterOptions options_;
  boost::json::object resource_;
  Counters counters_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Record> queue_;
  bool stopping_ = false;
  bool healthy_ = true;
  std::thread thread_;
};

std::mutex exporter_mutex;
std::atomic<Exporter*> exporter{nullptr};

}  // namespace

bool SpanContext::valid() const {
  auto nonzero = [](const auto& a) {
    return std::any_of(a.begin(), a.end(), [](std::uint8_t b) { return b != 0; });
  };
  return nonzero(trace_id) && nonzero(span_id);
}

std::string SpanContext::trace_id_hex() const {
  return to_hex(trace_id);
}

std::string SpanContext::span_id_hex() const {
  return to_hex(span_id);
}

std::string SpanContext::traceparent() const {
  if (!valid()) return {};
  return "00-" + to_hex(trace_id) + "-" + to_hex(span_id) + (sampled ? "-01" : "-00");
}

std::optional<SpanContext> parse_traceparent(std::string_view v) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  std::array<std::uint8_t, 1> version{}, flags{};
  if (hex_value(v[0]) < 0 || hex_value(v[1]) < 0 || v.substr(0, 2) == "ff") return std::nullopt;
  version[0] = static_cast<std::uint8_t>(hex_value(v[0]) << 4 | hex_value(v[1]));
  if (version[0] == 0 ? v.size() != 55 : (v.size() > 55 && v[55] != '-')) return std::nullopt;
  SpanContext c;
  if (!from_hex(v.substr(3, 32), c.trace_id) || !from_hex(v.substr(36, 16), c.span_id)) return std::nullopt;
  if (hex_value(v[53]) < 0 || hex_value(v[54]) < 0) return std::nullopt;
  flags[0] = static_cast<std::uint8_t>(hex_value(v[53]) << 4 | hex_value(v[54]));
  c.sampled = (flags[0] & 1) != 0;
  return c;
}

SpanContext current() {
  return active().context;
}

Activate::Activate(Slot* slot) : previous_(active_slot) {
  active_slot = slot;
}

Activate::~Activate() {
  active_slot = previous_;
}

Span::Span(std::string name, Kind kind) : Span(std::move(name), kind, current()) {}

Span::Span(std::string name, Kind kind, const std::optional<SpanContext>& parent)
    : name_(std::move(name)), kind_(kind), slot_(&active()), start_ns_(now_ns()) {
  if (parent && parent->valid()) {
    context_.trace_id = parent->trace_id;
    context_.sampled = parent->sampled;
    parent_span_id_ = parent->span_id;
    has_parent_ = true;
  } else {
    random_bytes(context_.trace_id);
    context_.sampled = true;  // a new trace is always sampled (every span is exported)
  }
  random_bytes(context_.span_id);
  recording_ = context_.sampled && exporter.load(std::memory_order_acquire) != nullptr;
  previous_ = slot_->context;
  slot_->context = context_;
}

Span::~Span() {
  end();
}

void Span::attribute(std::string key, std::string value) {
  if (recording_) attributes_.push_back({std::move(key), std::move(value), 0, false});
}

void Span::attribute(std::string key, std::int64_t value) {
  if (recording_) attributes_.push_back({std::move(key), {}, value, true});
}

void Span::error(std::string message) {
  error_ = std::move(message);
}

void Span::end() {
  if (ended_) return;
  ended_ = true;
  slot_->context = previous_;
  if (!recording_) return;
  Exporter* e = exporter.load(std::memory_order_acquire);
  if (!e) return;
  Record r{name_,
           static_cast<int>(kind_),
           context_.trace_id_hex(),
           context_.span_id_hex(),
           has_parent_ ? to_hex(parent_span_id_) : std::string(),
           start_ns_,
           now_ns(),
           {},
           error_};
  for (auto& a : attributes_) {
    boost::json::object value;
    if (a.is_int) {
      value["intValue"] = std::to_string(a.int_value);  // OTLP/JSON carries 64-bit integers as strings
    } else {
      value["stringValue"] = std::move(a.string_value);
    }
    r.attributes.push_back(boost::json::object{{"key", std::move(a.key)}, {"value", std::move(value)}});
  }
  e->push(std::move(r));
}

void start_exporter(ExporterOptions options) {
  std::lock_guard lock(exporter_mutex);
  if (exporter.load() || options.endpoint.empty()) return;
  exporter.store(new Exporter(std::move(options)), std::memory_order_release);
}

void stop_exporter() {
  std::lock_guard lock(exporter_mutex);
  // The exporter is left allocated: a span ending on another thread may still hold its pointer.
  if (Exporter* e = exporter.load()) e->stop();
}

bool exporting() {
  return exporter.load(std::memory_order_acquire) != nullptr;
}

}  // namespace mc::trace
