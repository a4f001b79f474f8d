#include "features/catalog/media_store.hpp"

#include <boost/json.hpp>

#include "db/query.hpp"

namespace mc::catalog::store {
namespace {

using db::params;
using db::Query;

constexpr Query kLockTrack{"media_lock_track",
                           "SELECT id, artist_id, status FROM tracks WHERE id = $1 FOR UPDATE"};
constexpr Query kStartProcessing{
    "media_start_processing",
    "UPDATE tracks t SET status = 'processing', progress = 0, media_version = t.media_version + 1, "
    "original_key = $2, original_format = $3, processing_error = NULL, rungs = '{}', updated_at = now() "
    "FROM (SELECT original_key AS previous FROM tracks WHERE id = $1 FOR UPDATE) p "
    "WHERE t.id = $1 RETURNING t.media_version, p.previous"};
constexpr Query kProcessingTrack{
    "media_processing_track",
    "SELECT t.artist_id, t.status, t.media_version, t.original_key, t.original_format, "
    "coalesce(t.artwork_key, r.cover_key) IS NOT NULL "
    "FROM tracks t JOIN releases r ON r.id = t.release_id WHERE t.id = $1"};
constexpr Query kSetProgress{"media_set_progress",
                             "UPDATE tracks SET progress = greatest(progress, $3::int), updated_at = now() "
                             "WHERE id = $1 AND media_version = $2 AND status = 'processing'"};
constexpr Query kSetRungs{"media_set_rungs",
                          "UPDATE tracks SET rungs = $3::int[], updated_at = now() "
                          "WHERE id = $1 AND media_version = $2 AND status = 'processing'"};
constexpr Query kFinishProcessing{
    "media_finish_processing",
    "UPDATE tracks SET status = 'ready', progress = 100, rungs = $3::int[], duration_s = $4, "
    "loudness_lufs = $5, gain_db = $6, peaks = $7::jsonb, artwork_key = coalesce(artwork_key, $8), "
    "processing_error = NULL, updated_at = now() "
    "WHERE id = $1 AND media_version = $2 AND status = 'processing'"};
constexpr Query kFailProcessing{
    "media_fail_processing",
    "UPDATE tracks SET status = 'failed', processing_error = $3, rungs = '{}', updated_at = now() "
    "WHERE id = $1 AND media_version = $2 AND status = 'processing'"};

#define MC_SESSION_COLUMNS                                                              \
  "id, owner_id, track_id, size, received, filename, array_to_json(chunk_keys)::text, " \
  "to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
constexpr Query kInsertSession{"media_insert_upload_session",
                               "INSERT INTO upload_sessions (owner_id, track_id, size, filename) "
                               "VALUES ($1, $2, $3, $4) RETURNING " MC_SESSION_COLUMNS};
constexpr Query kLockSession{"media_lock_upload_session",
                             "SELECT " MC_SESSION_COLUMNS
                             "FROM upload_sessions WHERE id = $1 AND expires_at > now() FOR UPDATE"};
constexpr Query kSession{"media_upload_session", "SELECT " MC_SESSION_COLUMNS
                                                 "FROM upload_sessions WHERE id = $1 AND expires_at > now()"};
constexpr Query kAddChunk{"media_add_chunk",
                          "UPDATE upload_sessions SET received = received + $2, "
                          "chunk_keys = array_append(chunk_keys, $3), updated_at = now() WHERE id = $1"};
constexpr Query kDeleteSession{"media_delete_upload_session", "DELETE FROM upload_sessions WHERE id = $1"};
constexpr Query kExpiredSessions{
    "media_expired_upload_sessions",
    "SELECT " MC_SESSION_COLUMNS
    "FROM upload_sessions WHERE expires_at <= now() ORDER BY expires_at LIMIT $1"};

std::string int_array(const std::vector<int>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "}";
}

UploadSession session_from(const db::Result& r, int i) {
  UploadSession s;
  s.id = r.str(i, 0);
  s.owner_id = r.str(i, 1);
  s.track_id = r.str(i, 2);
  s.size = r.int64(i, 3);
  s.received = r.int64(i, 4);
  s.filename = r.opt_str(i, 5);
  const boost::json::value keys = boost::json::parse(r.view(i, 6));
  for (const auto& k : keys.as_array()) s.chunk_keys.emplace_back(k.as_string());
  s.expires_at = r.str(i, 7);
  return s;
}

}  // namespace

awaitable<std::optional<UploadTarget>> lock_track(db::Transaction& tx, const std::string& track_id) {
  const db::Result r = co_await tx.exec(kLockTrack, params(track_id));
  if (r.empty()) co_return std::nullopt;
  co_return UploadTarget{r.str(0, 0), r.str(0, 1), r.str(0, 2)};
}

awaitable<ProcessingStart> start_processing(db::Transaction& tx, const std::string& track_id,
                                            const std::string& original_key, const std::string& format) {
  const db::Result r = co_await tx.exec(kStartProcessing, params(track_id, original_key, format));
  co_return ProcessingStart{static_cast<int>(r.int64(0, 0)), r.opt_str(0, 1)};
}

awaitable<std::optional<ProcessingTrack>> processing_track(db::Cluster& db, const std::string& track_id) {
  auto lease = co_await db.writer();
  const db::Result r = co_await lease->exec(kProcessingTrack, params(track_id));
  if (r.empty()) co_return std::nullopt;
  ProcessingTrack t;
  t.artist_id = r.str(0, 0);
  t.status = r.str(0, 1);
  t.media_version = static_cast<int>(r.int64(0, 2));
  t.original_key = r.opt_str(0, 3);
  t.original_format = r.opt_str(0, 4);
  t.has_artwork = r.boolean(0, 5);
  co_return t;
}

awaitable<bool> set_progress(db::Transaction& tx, const std::string& track_id, int version, int percent) {
  const db::Result r = co_await tx.exec(kSetProgress, params(track_id, version, percent));
  co_return r.affected() == 1;
}

awaitable<bool> set_rungs(db::Transaction& tx, const std::string& track_id, int version,
                          const std::vector<int>& rungs) {
  const db::Result r = co_await tx.exec(kSetRungs, params(track_id, version, int_array(rungs)));
  co_return r.affected() == 1;
}

awaitable<bool> finish_processing(db::Transaction& tx, const std::string& track_id, int version,
                                  const ProcessedAudio& a) {
  const db::Result r = co_await tx.exec(
      kFinishProcessing,
      params(track_id, version, int_array(a.rungs), std::to_string(a.duration_s),
             std::to_string(a.loudness_lufs), std::to_string(a.gain_db), a.peaks_json, a.artwork_key));
  co_return r.affected() == 1;
}

awaitable<bool> fail_processing(db::Transaction& tx, const std::string& track_id, int version,
                                const std::string& error) {
  const db::Result r = co_await tx.exec(kFailProcessing, params(track_id, version, error));
  co_return r.affected() == 1;
}

awaitable<UploadSession> insert_upload_session(db::Transaction& tx, const std::string& owner_id,
                                               const std::string& track_id, int64_t size,
                                               const std::optional<std::string>& filename) {
  const db::Result r = co_await tx.exec(kInsertSession, params(owner_id, track_id, size, filename));
  co_return session_from(r, 0);
}

awaitable<std::optional<UploadSession>> lock_upload_session(db::Transaction& tx, const std::string& id) {
  const db::Result r = co_await tx.exec(kLockSession, params(id));
  if (r.empty()) co_return std::nullopt;
  co_return session_from(r, 0);
}

awaitable<std::optional<UploadSession>> upload_session(db::Cluster& db, const std::string& id) {
  auto lease = co_await db.writer();
  const db::Result r = co_await lease->exec(kSession, params(id));
  if (r.empty()) co_return std::nullopt;
  co_return session_from(r, 0);
}

awaitable<void> add_chunk(db::Transaction& tx, const std::string& id, int64_t length,
                          const std::string& key) {
  co_await tx.exec(kAddChunk, params(id, length, key));
}

awaitable<void> delete_upload_session(db::Transaction& tx, const std::string& id) {
  co_await tx.exec(kDeleteSession, params(id));
}

awaitable<std::vector<UploadSession>> expired_upload_sessions(db::Cluster& db, int limit) {
  auto lease = co_await db.writer();
  const db::Result r = co_await lease->exec(kExpiredSessions, params(limit));
  std::vector<UploadSession> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(session_from(r, i));
  co_return out;
}

}  // namespace mc::catalog::store
