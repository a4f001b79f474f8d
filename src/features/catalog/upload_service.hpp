#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "db/lsn.hpp"
#include "features/catalog/service.hpp"
#include "media/storage.hpp"

namespace mc::catalog {

// Where an upload's audio goes: an existing track of the artist, or a new one on a release.
struct UploadTarget {
  std::optional<std::string> track_id;
  std::optional<std::string> release_id, title, min_tier;
};

// A file that arrived and now belongs to the service (it is removed when the call ends).
struct ArrivedFile {
  std::filesystem::path path;
  std::uint64_t size = 0;
  std::optional<std::string> filename;
};

// Accepting audio (SPEC §4.4): the file is probed from its content; only a real, decodable audio
// file is stored as the track's original and queued for processing. A refused upload leaves no
// rows and no files behind.
class UploadService {
 public:
  UploadService(CatalogService& catalog, media::Storage& storage, const Config& config)
      : catalog_(catalog), storage_(storage), config_(config) {}

  // Admission, on an upload's headers alone: only artists upload audio (403 forbidden).
  void require_uploader(const AccessClaims& who) const;
  // Admission of a resumable upload's chunk, on its headers alone: it must go to the caller's open
  // session, at its offset, within its size. Returns the spool bytes the chunk needs besides its
  // body: the whole file's size for the last chunk, which assembles the file in the spool.
  boost::asio::awaitable<std::uint64_t> admit_chunk(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& id, std::int64_t start,
                                                    std::int64_t length, std::int64_t total);

  boost::asio::awaitable<db::Written<boost::json::object>> accept(db::Cluster& db, const AccessClaims& who,
                                                                  const UploadTarget& target,
                                                                  ArrivedFile file);

  // Resumable uploads: a session, then chunks in order (each one stored as an object, so any node
  // may take the next), assembled and accepted when the last arrives.
  boost::asio::awaitable<db::Written<boost::json::object>> open_session(
      db::Cluster& db, const AccessClaims& who, const std::string& track_id, std::int64_t size,
      const std::optional<std::string>& filename);
  struct ChunkResult {
    boost::json::object body;
    bool completed = false;  // the last chunk: body is the track, now processing
    db::Lsn lsn;
  };
  boost::asio::awaitable<ChunkResult> put_chunk(db::Cluster& db, const AccessClaims& who,
                                                const std::string& id, std::int64_t start, std::int64_t total,
                                                ArrivedFile chunk);
  boost::asio::awaitable<boost::json::object> session(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& id);
  boost::asio::awaitable<db::Lsn> abort(db::Cluster& db, const AccessClaims& who, const std::string& id);
  // Removes expired sessions and their chunks; returns how many.
  boost::asio::awaitable<int> sweep_expired(db::Cluster& db);

  media::Storage& storage() { return storage_; }

 private:
  boost::asio::awaitable<void> check_target(db::Cluster& db, const AccessClaims& who,
                                            const UploadTarget& target);
  CatalogService& catalog_;
  media::Storage& storage_;
  const Config& config_;
};

}  // namespace mc::catalog
