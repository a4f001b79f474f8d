#include "jobs/queue.hpp"

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "core/json.hpp"
#include "core/trace.hpp"
#include "db/batches.hpp"
#include "jobs/sql.hpp"

namespace mc::jobs {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

boost::asio::awaitable<int64_t> enqueue(db::Transaction& tx, const EnqueueRequest& r) {
  if (!valid_name(r.queue)) throw std::invalid_argument("invalid job queue name: " + r.queue);
  if (!valid_name(r.kind)) throw std::invalid_argument("invalid job kind: " + r.kind);
  if (r.max_attempts < 1) throw std::invalid_argument("max_attempts must be at least 1");
  if (r.delay.count() < 0) throw std::invalid_argument("delay must not be negative");
  // The worker continues the trace of whatever enqueued the job (core/trace.hpp).
  const std::string traceparent = trace::current().traceparent();
  const std::optional<std::string> stored_trace =
      traceparent.empty() ? std::nullopt : std::optional<std::string>(traceparent);
  const db::Result inserted =
      co_await tx.exec(sql::kEnqueue, db::params(r.queue, r.kind, mc::json::serialize(r.payload),
                                                 static_cast<int64_t>(r.delay.count()), r.max_attempts,
                                                 r.dedupe_key, stored_trace));
  if (!inserted.empty()) co_return inserted.int64(0, 0);
  // A job with this dedupe key exists (committed, or inserted earlier in this transaction). In
  // READ COMMITTED this statement's fresh snapshot sees a row a concurrent transaction just committed.
  const db::Result existing = co_await tx.exec(sql::kFindByDedupeKey, db::params(r.dedupe_key));
  if (existing.empty()) throw std::runtime_error("job with dedupe key " + *r.dedupe_key + " vanished");
  co_return existing.int64(0, 0);
}

boost::asio::awaitable<int64_t> prune_finished(db::Cluster& db, std::chrono::hours retention) {
  co_return co_await db::delete_in_batches(db, sql::kPruneFinished,
                                           db::params(static_cast<int64_t>(retention.count())), 5000);
}

boost::asio::awaitable<void> enqueue_hourly(db::Cluster& db, std::string queue, std::string kind) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char hour[20];
  std::strftime(hour, sizeof hour, "%Y-%m-%dT%H", &utc);
  EnqueueRequest job;
  job.queue = std::move(queue);
  job.dedupe_key = kind + ":" + hour;
  job.kind = std::move(kind);
  job.max_attempts = 3;
  auto tx = co_await db.begin();
  co_await enqueue(tx, job);
  co_await tx.commit();
}

}  // namespace mc::jobs
