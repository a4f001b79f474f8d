#pragma once
#include <boost/asio/awaitable.hpp>
#include <stop_token>
#include <string>

#include "core/config.hpp"
#include "db/cluster.hpp"
#include "jobs/worker.hpp"
#include "media/storage.hpp"

namespace mc::catalog {

// Storage layout of a track's streamable audio: one prefix per upload (media version), so its
// segment URLs can be cached forever.
std::string hls_prefix(const std::string& track_id, int version);

// The `media.process` job (queue "media"): turns a track's stored original into everything the
// player needs (SPEC §4.4) and marks the track ready, exactly once. Progress goes out through the
// outbox as `track.processing` events; the lowest rung is streamable as soon as it is stored.
class MediaProcessor {
 public:
  MediaProcessor(media::Storage& storage, const Config& config) : storage_(storage), config_(config) {}

  boost::asio::awaitable<void> run(jobs::JobContext& job, db::Cluster& db);
  // Adds the handler to a worker of the "media" queue.
  void register_on(jobs::Worker& worker, db::Cluster& db);
  // The process is stopping: running transcodes stop now (their jobs go back to the queue and are
  // retried) instead of holding the shutdown for minutes.
  void stop() { stopping_.request_stop(); }

 private:
  std::stop_source stopping_;
  media::Storage& storage_;
  const Config& config_;
};

}  // namespace mc::catalog
