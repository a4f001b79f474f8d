#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Distributed tracing: W3C Trace Context (`traceparent`) propagation and spans exported over
// OTLP/HTTP (JSON encoding) by a background thread. docs/observability.md describes the model.
//
// The current context belongs to a chain of coroutines, not to a thread: an event loop thread runs
// many requests' coroutines interleaved. A Slot holds one chain's context; trace::Executor
// (core/trace_executor.hpp) makes its slot the thread's active slot each time the chain resumes.
// Code with no active slot (a plain thread) gets the thread's own slot.
namespace mc::trace {

struct SpanContext {
  std::array<std::uint8_t, 16> trace_id{};
  std::array<std::uint8_t, 8> span_id{};
  bool sampled = false;

  bool valid() const;  // both ids are non-zero
  std::string trace_id_hex() const;
  std::string span_id_hex() const;
  std::string traceparent() const;  // "00-<trace id>-<span id>-<flags>", empty when invalid
};

// A `traceparent` header value (version 00, or a later version's first four fields); nullopt for
// anything malformed, including all-zero ids, as the W3C recommendation says to ignore it.
std::optional<SpanContext> parse_traceparent(std::string_view value);

struct Slot {
  SpanContext context;
};

// The active slot's context (an invalid context when there is none).
SpanContext current();

// Makes `slot` the thread's active slot until destroyed (then the previous one again).
class Activate {
 public:
  explicit Activate(Slot* slot);
  ~Activate();
  Activate(const Activate&) = delete;
  Activate& operator=(const Activate&) = delete;

 private:
  Slot* previous_;
};

// Runs a piece of work (an offloaded job) under a given context: a slot of its own, active while
// this lives.
class Continue {
 public:
  explicit Continue(const SpanContext& context) : slot_{context}, active_(&slot_) {}

 private:
  Slot slot_;
  Activate active_;
};

enum class Kind { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };

// A unit of work. Construction makes it the active slot's context (so logs, enqueued jobs, outbox
// events and outgoing calls name it); end() (or destruction) restores what was current before and
// hands the span to the exporter. A span whose parent is invalid starts a new trace. Spans are only
// recorded while the exporter runs and the trace is sampled; their ids propagate regardless.
class Span {
 public:
  Span(std::string name, Kind kind);                                            // parent: current()
  Span(std::string name, Kind kind, const std::optional<SpanContext>& parent);  // nullopt: a new trace
  ~Span();
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  const SpanContext& context() const { return context_; }
  void rename(std::string name) { name_ = std::move(name); }
  void attribute(std::string key, std::string value);
  void attribute(std::string key, std::int64_t value);
  void error(std::string message);  // status ERROR with a message
  void end();

 private:
  struct Attribute {
    std::string key;
    std::string string_value;
    std::int64_t int_value = 0;
    bool is_int = false;
  };
  std::string name_;
  Kind kind_;
  SpanContext context_;
  std::array<std::uint8_t, 8> parent_span_id_{};
  bool has_parent_ = false;
  SpanContext previous_;
  Slot* slot_;
  std::int64_t start_ns_;
  std::vector<Attribute> attributes_;
  std::optional<std::string> error_;
  bool ended_ = false;
  bool recording_;
  friend struct SpanRecordAccess;
};

struct ExporterOptions {
  std::string endpoint;  // full URL of the traces endpoint, e.g. http://collector:4318/v1/traces
  std::string service_name = "musicconnect";
  std::vector<std::pair<std::string, std::string>> resource;  // extra resource attributes
  std::size_t max_queue = 4096;                               // spans waiting; beyond this they are dropped
  std::size_t max_batch = 512;                                // spans per request
  std::chrono::milliseconds interval{1000};                   // a partial batch waits at most this
  std::chrono::milliseconds timeout{5000};                    // per export request
};

// Starts the export thread (once per process; later calls are ignored). Without it, spans are not
// recorded at all.
void start_exporter(ExporterOptions options);
// Sends what is queued (bounded by one timeout per batch) and stops the thread.
void stop_exporter();
bool exporting();

}  // namespace mc::trace
