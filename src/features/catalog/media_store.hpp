#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"
#include "db/transaction.hpp"

// The catalog's SQL for uploads and audio processing.
namespace mc::catalog::store {
using boost::asio::awaitable;

struct UploadTarget {
  std::string track_id, artist_id, status;
};
// The track, locked for the rest of the transaction.
awaitable<std::optional<UploadTarget>> lock_track(db::Transaction& tx, const std::string& track_id);

struct ProcessingStart {
  int media_version = 0;
  std::optional<std::string> previous_original_key;
};
// The track's audio is now this original: a new media version, processing from 0 %.
awaitable<ProcessingStart> start_processing(db::Transaction& tx, const std::string& track_id,
                                            const std::string& original_key, const std::string& format);

struct ProcessingTrack {
  std::string artist_id, status;
  int media_version = 0;
  std::optional<std::string> original_key, original_format;
  bool has_artwork = false;  // its own or its release's cover
};
awaitable<std::optional<ProcessingTrack>> processing_track(db::Cluster& db, const std::string& track_id);

// Each returns false when the track has moved on (a newer upload, or no longer processing).
awaitable<bool> set_progress(db::Transaction& tx, const std::string& track_id, int version, int percent);
awaitable<bool> set_rungs(db::Transaction& tx, const std::string& track_id, int version,
                          const std::vector<int>& rungs);
struct ProcessedAudio {
  std::vector<int> rungs;
  double duration_s = 0, loudness_lufs = 0, gain_db = 0;
  std::string peaks_json;
  std::optional<std::string> artwork_key;  // set only when the track had none
};
awaitable<bool> finish_processing(db::Transaction& tx, const std::string& track_id, int version,
                                  const ProcessedAudio& a);
awaitable<bool> fail_processing(db::Transaction& tx, const std::string& track_id, int version,
                                const std::string& error);

struct UploadSession {
  std::string id, owner_id, track_id;
  int64_t size = 0, received = 0;
  std::optional<std::string> filename;
  std::vector<std::string> chunk_keys;
  std::string expires_at;
};
awaitable<UploadSession> insert_upload_session(db::Transaction& tx, const std::string& owner_id,
                                               const std::string& track_id, int64_t size,
                                               const std::optional<std::string>& filename);
// Locked for the rest of the transaction; expired sessions are not found.
awaitable<std::optional<UploadSession>> lock_upload_session(db::Transaction& tx, const std::string& id);
awaitable<std::optional<UploadSession>> upload_session(db::Cluster& db, const std::string& id);
awaitable<void> add_chunk(db::Transaction& tx, const std::string& id, int64_t length, const std::string& key);
awaitable<void> delete_upload_session(db::Transaction& tx, const std::string& id);
// Sessions past their expiry (for the sweeper), at most `limit`.
awaitable<std::vector<UploadSession>> expired_upload_sessions(db::Cluster& db, int limit);

}  // namespace mc::catalog::store
