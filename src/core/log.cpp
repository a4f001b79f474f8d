#include "core/log.hpp"
#include "core/json.hpp"
#include "core/trace.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

namespace mc::log {
namespace {

constexpr std::size_t kFlushThreshold = std::size_t{256} * 1024;

struct Sink {
  std::mutex mutex;
  std::condition_variable wake;
  std::string pending;
  bool stopping = false;
  std::thread writer;
  std::atomic<int> level{static_cast<int>(Level::info)};
  std::atomic<bool> running{false};

  ~Sink() {
    if (!writer.joinable()) return;
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    writer.join();
  }
};

Sink& sink() {
  static Sink s;
  return s;
}

void write_all(const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(2, data.data() + off, data.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

void writer_loop() {
  Sink& s = sink();
  std::string batch;
  std::unique_lock lock(s.mutex);
  while (true) {
    s.wake.wait_for(lock, std::chrono::milliseconds(50),
                    [&] { return s.stopping || s.pending.size() >= kFlushThreshold; });
    batch.swap(s.pending);
    const bool stop = s.stopping;
    lock.unlock();
    if (!batch.empty()) write_all(batch);
    batch.clear();
    lock.lock();
    if (stop && s.pending.empty()) return;
  }
}

const char* level_name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

}  // namespace

void init(std::string_view level) {
  Sink& s = sink();
  Level l = Level::info;
  if (level == "debug") l = Level::debug;
  if (level == "warn") l = Level::warn;
  if (level == "error") l = Level::error;
  s.level = static_cast<int>(l);
  if (!s.running.exchange(true)) s.writer = std::thread(writer_loop);
}

void shutdown() {
  Sink& s = sink();
  if (!s.running.exchange(false)) return;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake.notify_all();
  s.writer.join();
  s.stopping = false;
}

bool enabled(Level level) {
  return static_cast<int>(level) >= sink().level.load(std::memory_order_relaxed);
}

std::string now_iso8601() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

void write_line(std::string_view line) {
  Sink& s = sink();
  if (!s.running.load(std::memory_order_relaxed)) {
    std::string copy(line);
    copy.push_back('\n');
    write_all(copy);
    return;
  }
  bool wake = false;
  {
    std::lock_guard lock(s.mutex);
    s.pending.append(line);
    s.pending.push_back('\n');
    wake = s.pending.size() >= kFlushThreshold;
  }
  if (wake) s.wake.notify_one();
}

void write(Level level, std::string_view message, boost::json::object fields) {
  if (!enabled(level)) return;
  boost::json::object line;
  line["ts"] = now_iso8601();
  line["level"] = level_name(level);
  line["msg"] = message;
  // The trace of the work this line is about (core/trace.hpp), for finding its spans and the
  // other lines of the same request or job.
  if (const trace::SpanContext t = trace::current(); t.valid()) {
    line["trace_id"] = t.trace_id_hex();
    line["span_id"] = t.span_id_hex();
  }
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  write_line(mc::json::serialize(line));
}

}  // namespace mc::log
