#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>

#include "core/config.hpp"
#include "db/cluster.hpp"
#include "jobs/worker.hpp"
#include "media/storage.hpp"

// Download renditions (docs/buying.md): FLAC, MP3 320 kbps and AAC 256 kbps made from a track's
// original by the durable `downloads.render` job (queue "media") the first time anyone asks for
// them, stored under renditions/<track>/v<media version>/ and reused for everyone after.
namespace mc::buying {

inline constexpr const char* kRenderJob = "downloads.render";

// flac | mp3 | m4a
std::string extension_of(const std::string& format);
// Records the request and queues the job once per (track, media version, format).
boost::asio::awaitable<void> request_rendition(db::Cluster& db, const std::string& track_id, int version,
                                               const std::string& format);
// Adds the job's handler to a worker of the "media" queue.
void register_rendition_job(jobs::Worker& worker, db::Cluster& db, media::Storage& storage,
                            const Config& config);

}  // namespace mc::buying
