#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/cluster.hpp"
#include "db/transaction.hpp"

namespace mc::jobs {

struct EnqueueRequest {
  std::string queue = "default";
  std::string kind;  // what the worker dispatches on: "mail.send", "media.process", ...
  boost::json::object payload;
  std::chrono::milliseconds delay{0};  // run_at = now() + delay
  int max_attempts = 5;
  // At most one job per key, for as long as its row exists: enqueueing a duplicate returns the
  // existing job's id and changes nothing.
  std::optional<std::string> dedupe_key;
};

// Adds a job in the caller's transaction, so the job exists exactly when the change that asked for
// it committed. Returns the job id (the existing one for a duplicate dedupe key).
// Name the request first (GCC 12 and braced temporaries in co_await):
//   jobs::EnqueueRequest job{.kind = "mail.send", .payload = {{"to", email}}};
//   co_await jobs::enqueue(tx, job);
boost::asio::awaitable<int64_t> enqueue(db::Transaction& tx, const EnqueueRequest& r);

// Deletes finished jobs (succeeded or dead) that finished more than `retention` ago, in short
// batches; returns how many. A dedupe key is free again once its job is pruned.
boost::asio::awaitable<int64_t> prune_finished(db::Cluster& db, std::chrono::hours retention);

// Enqueues the periodic job `kind` on `queue` for the current UTC hour: its dedupe key names the
// hour, so any number of schedulers (every worker process's sweep) make one job per hour.
boost::asio::awaitable<void> enqueue_hourly(db::Cluster& db, std::string queue, std::string kind);

// Queue and kind names: 1-100 characters of [A-Za-z0-9_.:-].
bool valid_name(std::string_view name);

}  // namespace mc::jobs
