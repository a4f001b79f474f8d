#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "cache/rate_limiter.hpp"
#include "core/config.hpp"
#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/catalog/service.hpp"
#include "features/streaming/media_limits.hpp"
#include "http/body_stream.hpp"
#include "http/types.hpp"
#include "media/signed_url.hpp"
#include "media/storage.hpp"

namespace mc::streaming {

// The highest rung each tier may stream (SPEC §2): free 128 kbps, supporter 256 kbps, superfan
// lossless (media::hls::kLosslessRung, with 256 as its fallback; legacy 320 rungs included).
int rung_cap(const memberships::Access& access);

// Immutable media objects (segments, init segments, variant playlists) kept in memory, bounded
// in bytes, least recently used out first.
class MediaCache {
 public:
  explicit MediaCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  std::shared_ptr<const std::string> get(const std::string& key);
  void put(const std::string& key, std::shared_ptr<const std::string> value);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const std::string>>;
  std::mutex mutex_;
  std::list<Entry> lru_;  // front: most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
};

// Playback grants and the signed media they unlock (SPEC §4.4). Granting checks the catalog's
// rules and the viewer's tier once; serving checks only the URL's signature, never the database.
class StreamingService {
 public:
  StreamingService(catalog::CatalogService& catalog, media::Storage& storage, const Config& config,
                   cache::RateLimiter& limiter);

  boost::asio::awaitable<boost::json::object> grant(db::Cluster& db,
                                                    const std::optional<AccessClaims>& viewer,
                                                    const std::string& track_id);
  // One download path for everyone who may download a track (docs/buying.md): fans who bought it
  // or its release, superfans (the "download original files" perk), the artist and admins.
  // `format`: original | flac | mp3_320 | aac_256. The original, or a rendition made already: 200
  // with a signed link valid 24 h. A rendition not made yet: 202, its job is queued (ask again).
  struct Download {
    int status = 200;
    boost::json::object body;
  };
  boost::asio::awaitable<Download> download(db::Cluster& db, const AccessClaims& who,
                                            const std::string& track_id, const std::string& format);

  // GET /media/…: `path` is the request path, `query` its query string.
  boost::asio::awaitable<http::Response> serve_hls(std::string path, std::string query);
  // A remote original's bytes are not in the response: they go to `body` (sent as they are read).
  boost::asio::awaitable<http::Response> serve_original(std::string path, std::string query,
                                                        std::string range, std::string name,
                                                        std::shared_ptr<http::BodyStream>& body);
  // Public pictures (profile images, artwork): immutable, with an ETag; local files by sendfile.
  boost::asio::awaitable<http::Response> serve_artwork(std::string path, std::string if_none_match);

  // The per-address budgets, checked by the routes before anything else.
  MediaLimits& limits() { return limits_; }

 private:
  boost::asio::awaitable<http::Response> segment(const std::string& key);
  boost::asio::awaitable<std::shared_ptr<const std::string>> object(const std::string& key, bool cacheable);

  catalog::CatalogService& catalog_;
  media::Storage& storage_;
  const Config& config_;
  media::MediaLinks links_;
  MediaCache cache_;
  MediaLimits limits_;
  // Segments kept as local files: where each is and its size (immutable), so serving one costs no
  // filesystem lookup before sendfile.
  std::mutex local_mutex_;
  std::unordered_map<std::string, std::pair<std::string, std::uint64_t>> local_segments_;
};

}  // namespace mc::streaming
