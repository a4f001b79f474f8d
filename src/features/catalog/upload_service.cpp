#include "features/catalog/upload_service.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <exception>
#include <fstream>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "events/outbox.hpp"
#include "features/catalog/media_store.hpp"
#include "features/catalog/store.hpp"
#include "jobs/queue.hpp"
#include "jobs/worker.hpp"
#include "media/errors.hpp"
#include "media/probe.hpp"
#include "realtime/channel.hpp"

namespace mc::catalog {
namespace bj = boost::json;
using boost::asio::awaitable;

namespace {

// Removes the file when the call that owns it ends, whatever happened.
class FileGuard {
 public:
  explicit FileGuard(std::filesystem::path p) : path_(std::move(p)) {}
  ~FileGuard() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove(path_, ec);
  }
  FileGuard(const FileGuard&) = delete;
  FileGuard& operator=(const FileGuard&) = delete;

 private:
  std::filesystem::path path_;
};

void require_artist(const AccessClaims& who) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists upload audio");
}

std::string mime_for(std::string_view format) {
  if (format == "mp3") return "audio/mpeg";
  if (format == "wav") return "audio/wav";
  if (format == "flac") return "audio/flac";
  if (format == "aiff") return "audio/aiff";
  if (format == "m4a") return "audio/mp4";
  if (format == "aac") return "audio/aac";
  return "audio/ogg";
}

// The file name extension an original is stored under.
std::string extension_for(std::string_view format) {
  if (format == "ogg_vorbis") return "ogg";
  return std::string(format);
}

const std::string kChunkPrefix = "uploads/";

std::string chunk_prefix(const std::string& session_id) {
  return kChunkPrefix + session_id + "/";
}

// Whether a chunk fits its session: the session's own size, its current offset, and within the file.
void check_chunk(const store::UploadSession& s, std::int64_t start, std::int64_t length, std::int64_t total) {
  if (total != s.size) {
    bj::object details{{"Content-Range", "the total must be the session's size, " + std::to_string(s.size)}};
    throw ApiError::validation(std::move(details));
  }
  if (start != s.received) {
    bj::object details{{"offset", s.received}};
    throw ApiError(409, "offset_mismatch", "The chunk does not start where the upload stands",
                   std::move(details));
  }
  if (length == 0 || start + length > s.size) {
    bj::object details{{"Content-Range", "the chunk must be non-empty and end within the file"}};
    throw ApiError::validation(std::move(details));
  }
}

bj::object session_json(const store::UploadSession& s) {
  return {{"id", s.id},
          {"trackId", s.track_id},
          {"offset", s.received},
          {"size", s.size},
          {"expiresAt", s.expires_at},
          {"filename", s.filename ? bj::value(*s.filename) : bj::value(nullptr)}};
}

}  // namespace

awaitable<void> UploadService::check_target(db::Cluster& db, const AccessClaims& who,
                                            const UploadTarget& target) {
  if (target.track_id) {
    const auto track = co_await store::track(db, std::nullopt, *target.track_id);
    if (!track || track->artist_id != who.user_id) throw ApiError::not_found("No such track of yours");
    if (track->status == "processing") {
      throw ApiError(409, "track_processing", "This track's previous upload is still being processed");
    }
    co_return;
  }
  auto tx = co_await db.begin();
  const auto owner = co_await store::release_owner(tx, target.release_id.value_or(""));
  if (!owner || *owner != who.user_id) throw ApiError::not_found("No such release of yours");
  co_return;
}

void UploadService::require_uploader(const AccessClaims& who) const {
  require_artist(who);
}

awaitable<std::uint64_t> UploadService::admit_chunk(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& id, std::int64_t start,
                                                    std::int64_t length, std::int64_t total) {
  require_artist(who);
  const auto s = co_await store::upload_session(db, id);
  if (!s || s->owner_id != who.user_id) throw ApiError::not_found("No such upload of yours");
  check_chunk(*s, start, length, total);
  co_return start + length == s->size ? static_cast<std::uint64_t>(s->size) : 0;
}

awaitable<db::Written<bj::object>> UploadService::accept(db::Cluster& db, const AccessClaims& who,
                                                         const UploadTarget& target, ArrivedFile file) {
  FileGuard guard(file.path);
  require_artist(who);
  if (file.size > config_.upload_max_bytes) {
    bj::object details{{"maxBytes", config_.upload_max_bytes}};
    throw ApiError(413, "payload_too_large", "The file is larger than uploads may be", std::move(details));
  }
  co_await check_target(db, who, target);

  // What the file is, from its content alone; refused files are never stored.
  // A file that is not acceptable audio is refused with its InvalidMedia (415 or 422, by the
  // pipeline). At the tools' niceness, like the processing job: a flood of uploads must not starve requests.
  media::ProbeOptions probe_options;
  probe_options.nice = config_.media_jobs_nice;
  auto probe_job = [path = file.path, probe_options] { return media::probe_audio(path, probe_options); };
  const media::ProbeResult probe = co_await offload(std::move(probe_job));

  const std::string format(media::to_string(probe.format));
  const std::string key =
      "originals/" + who.user_id + "/" + fast_random_hex(16) + "." + extension_for(format);
  auto store_job = [this, key, path = file.path, mime = mime_for(format)] {
    storage_.put_file(key, path, mime, "private, max-age=0");
  };
  co_await offload(std::move(store_job));

  std::exception_ptr failed;
  std::string track_id;
  db::Lsn lsn;
  std::optional<std::string> previous_original;
  try {
    auto tx = co_await db.begin();
    if (target.track_id) {
      const auto locked = co_await store::lock_track(tx, *target.track_id);
      if (!locked || locked->artist_id != who.user_id) throw ApiError::not_found("No such track of yours");
      if (locked->status == "processing") {
        throw ApiError(409, "track_processing", "This track's previous upload is still being processed");
      }
      track_id = locked->track_id;
    } else {
      const auto owner = co_await store::release_owner(tx, *target.release_id);
      if (!owner || *owner != who.user_id) throw ApiError::not_found("No such release of yours");
      std::optional<store::Track> created;
      try {
        store::Track t = co_await store::insert_track(tx, *target.release_id, who.user_id, *target.title,
                                                      target.min_tier.value_or("free"), std::nullopt);
        created.emplace(std::move(t));
      } catch (const db::DbError& e) {
        if (!e.unique_violation()) throw;
      }
      if (!created) throw ApiError(409, "position_taken", "Another track took this position; try again");
      track_id = created->id;
    }
    const store::ProcessingStart start = co_await store::start_processing(tx, track_id, key, format);
    previous_original = start.previous_original_key;
    const std::string version = std::to_string(start.media_version);
    jobs::EnqueueRequest job{.queue = "media",
                             .kind = "media.process",
                             .payload = {{"trackId", track_id}, {"version", start.media_version}},
                             .max_attempts = 5,
                             .dedupe_key = "media.process:" + track_id + ":" + version};
    co_await jobs::enqueue(tx, job);
    const bj::object event{{"trackId", track_id},
                           {"artistId", who.user_id},
                           {"status", "processing"},
                           {"progress", 0},
                           {"version", start.media_version}};
    co_await events::append(tx, "track.processing", track_id, event, realtime::user_channel(who.user_id));
    lsn = co_await tx.commit();
  } catch (...) {
    failed = std::current_exception();
  }
  if (failed) {
    // Nothing refers to the stored original: take it back before answering.
    auto remove_job = [this, key] { storage_.remove(key); };
    co_await offload(std::move(remove_job));
    std::rethrow_exception(failed);
  }
  jobs::poke_local_workers("media");
  if (previous_original && *previous_original != key) {
    auto remove_job = [this, old = *previous_original] {
      try {
        storage_.remove(old);
      } catch (const std::exception& e) {
        log::warn("could not remove a replaced original", {{"key", old}, {"error", e.what()}});
      }
    };
    co_await offload(std::move(remove_job));
  }
  const std::optional<AccessClaims> viewer = who;
  bj::object track = co_await catalog_.content(db, viewer, track_id, lsn);
  co_return db::Written<bj::object>{bj::object{{"track", std::move(track)}}, lsn};
}

awaitable<db::Written<bj::object>> UploadService::open_session(db::Cluster& db, const AccessClaims& who,
                                                               const std::string& track_id, std::int64_t size,
                                                               const std::optional<std::string>& filename) {
  require_artist(who);
  if (static_cast<std::uint64_t>(size) > config_.upload_max_bytes) {
    bj::object details{{"maxBytes", config_.upload_max_bytes}};
    throw ApiError(413, "payload_too_large", "The file is larger than uploads may be", std::move(details));
  }
  UploadTarget target;
  target.track_id = track_id;
  co_await check_target(db, who, target);
  auto tx = co_await db.begin();
  const store::UploadSession s =
      co_await store::insert_upload_session(tx, who.user_id, track_id, size, filename);
  const db::Lsn lsn = co_await tx.commit();
  co_return db::Written<bj::object>{session_json(s), lsn};
}

awaitable<UploadService::ChunkResult> UploadService::put_chunk(db::Cluster& db, const AccessClaims& who,
                                                               const std::string& id, std::int64_t start,
                                                               std::int64_t total, ArrivedFile chunk) {
  FileGuard guard(chunk.path);
  require_artist(who);
  const auto length = static_cast<std::int64_t>(chunk.size);
  auto tx = co_await db.begin();
  const auto s = co_await store::lock_upload_session(tx, id);
  if (!s || s->owner_id != who.user_id) throw ApiError::not_found("No such upload of yours");
  // Checked again under the lock: another chunk may have landed since admission.
  check_chunk(*s, start, length, total);
  char name[32];
  std::snprintf(name, sizeof name, "%015lld", static_cast<long long>(start));
  const std::string key = chunk_prefix(id) + name;
  auto store_job = [this, key, path = chunk.path] {
    storage_.put_file(key, path, "application/octet-stream");
  };
  co_await offload(std::move(store_job));
  co_await store::add_chunk(tx, id, length, key);
  const db::Lsn lsn = co_await tx.commit();
  const std::int64_t received = start + length;
  if (received < s->size) {
    co_return ChunkResult{bj::object{{"id", id}, {"offset", received}, {"size", s->size}}, false, lsn};
  }

  // The last chunk: put the file together on this node, accept it, and forget the session.
  std::vector<std::string> keys = s->chunk_keys;
  keys.push_back(key);
  std::filesystem::create_directories(config_.upload_tmp_dir);
  const std::filesystem::path assembled =
      std::filesystem::path(config_.upload_tmp_dir) / ("assembled-" + fast_random_hex(16) + ".part");
  auto assemble_job = [this, keys, assembled] {
    std::ofstream out(assembled, std::ios::binary | std::ios::trunc);
    for (const auto& k : keys) {
      std::filesystem::path piece;
      std::optional<std::filesystem::path> local = storage_.local_path(k);
      const bool fetched = !local;
      if (fetched) {
        piece = assembled.string() + ".chunk";
        storage_.get_file(k, piece);
      } else {
        piece = *local;
      }
      std::ifstream in(piece, std::ios::binary);
      out << in.rdbuf();
      if (fetched) std::filesystem::remove(piece);
    }
    out.flush();
    if (!out) throw std::runtime_error("could not assemble the upload");
  };
  co_await offload(std::move(assemble_job));
  ArrivedFile whole{assembled, static_cast<std::uint64_t>(s->size), s->filename};
  UploadTarget target;
  target.track_id = s->track_id;
  std::exception_ptr failed;
  std::optional<db::Written<bj::object>> accepted;
  try {
    db::Written<bj::object> w = co_await accept(db, who, target, std::move(whole));
    accepted.emplace(std::move(w));
  } catch (...) {
    failed = std::current_exception();
  }
  // Accepted or refused, the session is over: its chunks and its row go.
  auto cleanup = co_await db.begin();
  co_await store::delete_upload_session(cleanup, id);
  const db::Lsn cleanup_lsn = co_await cleanup.commit();
  auto remove_job = [this, prefix = chunk_prefix(id)] { storage_.remove_prefix(prefix); };
  co_await offload(std::move(remove_job));
  if (failed) std::rethrow_exception(failed);
  co_return ChunkResult{std::move(accepted->value), true, std::max(accepted->lsn, cleanup_lsn)};
}

awaitable<bj::object> UploadService::session(db::Cluster& db, const AccessClaims& who,
                                             const std::string& id) {
  const auto s = co_await store::upload_session(db, id);
  if (!s || s->owner_id != who.user_id) throw ApiError::not_found("No such upload of yours");
  co_return session_json(*s);
}

awaitable<db::Lsn> UploadService::abort(db::Cluster& db, const AccessClaims& who, const std::string& id) {
  auto tx = co_await db.begin();
  const auto s = co_await store::lock_upload_session(tx, id);
  if (!s || s->owner_id != who.user_id) throw ApiError::not_found("No such upload of yours");
  co_await store::delete_upload_session(tx, id);
  const db::Lsn lsn = co_await tx.commit();
  auto remove_job = [this, prefix = chunk_prefix(id)] { storage_.remove_prefix(prefix); };
  co_await offload(std::move(remove_job));
  co_return lsn;
}

awaitable<int> UploadService::sweep_expired(db::Cluster& db) {
  const auto expired = co_await store::expired_upload_sessions(db, 100);
  int removed = 0;
  for (const auto& s : expired) {
    auto tx = co_await db.begin();
    co_await store::delete_upload_session(tx, s.id);
    co_await tx.commit();
    auto remove_job = [this, prefix = chunk_prefix(s.id)] { storage_.remove_prefix(prefix); };
    co_await offload(std::move(remove_job));
    ++removed;
  }
  co_return removed;
}

}  // namespace mc::catalog
