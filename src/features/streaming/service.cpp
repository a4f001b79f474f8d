#include "features/streaming/service.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <ctime>
#include <fstream>
#include <sstream>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/offload.hpp"
#include "features/buying/renditions.hpp"
#include "features/buying/store.hpp"
#include "features/streaming/storage_stream.hpp"
#include "http/byte_range.hpp"
#include "http/response.hpp"
#include "http/static_files.hpp"
#include "media/hls.hpp"

namespace mc::streaming {
namespace bj = boost::json;
using boost::asio::awaitable;
using memberships::Tier;

namespace {

constexpr std::size_t kCacheBytes = std::size_t{256} << 20;
constexpr std::size_t kMaxLocalSegments = 200000;
constexpr std::int64_t kDownloadTtl = std::int64_t{24} * 3600;
constexpr std::int64_t kExpiryGranularity = 300;  // grants share URLs within 5 minutes: better caching
// Remote originals are read this much per storage request: the most memory one download holds.
constexpr std::uint64_t kOriginalPiece = 512ull << 10;
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kPlaylistType = "application/vnd.apple.mpegurl";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso(std::int64_t t) {
  const std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ApiError bad_link() {
  return ApiError(403, "invalid_media_link", "This media link is invalid or has expired");
}

// The rung of "128/index.m3u8" or "lossless/seg_00001.m4s", or 0.
int leading_rung(std::string_view rel) {
  const auto slash = rel.find('/');
  if (slash == std::string_view::npos) return 0;
  return media::hls::rung_of_dir(rel.substr(0, slash));
}

// What the player shows for a rung: the real format, not a tier's name.
bj::object format_of(int rung) {
  if (rung == media::hls::kLosslessRung) {
    return {{"rung", rung}, {"codec", "flac"}, {"label", "Lossless"}};
  }
  return {{"rung", rung}, {"codec", "aac"}, {"label", std::to_string(rung) + " kbps"}};
}

bool contains(const std::vector<int>& v, int k) {
  return std::find(v.begin(), v.end(), k) != v.end();
}

// A media playlist whose URIs (segments and the init map) carry the grant's query.
std::string sign_media_playlist(std::string_view text, std::string_view query) {
  std::string out;
  out.reserve(text.size() * 2);
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("#EXT-X-MAP:")) {
      const auto q1 = line.find("URI=\"");
      const auto q2 = q1 == std::string_view::npos ? q1 : line.find('"', q1 + 5);
      if (q2 != std::string_view::npos) {
        out.append(line.substr(0, q2)).append("?").append(query).append(line.substr(q2));
      } else {
        out.append(line);
      }
    } else if (!line.empty() && line.front() != '#') {
      out.append(line).append("?").append(query);
    } else {
      out.append(line);
    }
    out.push_back('\n');
    pos = eol + 1;
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// A download name that is safe inside a quoted header value.
std::string safe_filename(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c != '"' && c != '\\' && c != '/' && c != 0x7f && c < 0x80)
      out.push_back(static_cast<char>(c));
  }
  if (out.empty()) out = "original";
  return out.substr(0, 150);
}

}  // namespace

int rung_cap(const memberships::Access& access) {
  if (access.sees_everything) return 1 << 20;
  switch (access.tier) {
    case Tier::superfan:
      return media::hls::kLosslessRung;  // and the legacy 320 kbps rung of older versions
    case Tier::supporter:
      return 256;
    case Tier::free:
      break;
  }
  return 128;
}

std::shared_ptr<const std::string> MediaCache::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void MediaCache::put(const std::string& key, std::shared_ptr<const std::string> value) {
  if (value->size() > max_bytes_ / 8) return;
  std::lock_guard lock(mutex_);
  if (index_.contains(key)) return;
  bytes_ += value->size();
  lru_.emplace_front(key, std::move(value));
  index_[key] = lru_.begin();
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().second->size();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

StreamingService::StreamingService(catalog::CatalogService& catalog, media::Storage& storage,
                                   const Config& config, cache::RateLimiter& limiter)
    : catalog_(catalog),
      storage_(storage),
      config_(config),
      links_(media::MediaLinks::from_config(config)),
      cache_(kCacheBytes),
      limits_(limiter, config) {}

awaitable<bj::object> StreamingService::grant(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                              const std::string& track_id) {
  const catalog::PlayableTrack p = co_await catalog_.playable(db, viewer, track_id);
  if (p.track.rungs.empty()) {
    bj::object details{{"status", p.track.status}, {"progress", p.track.progress}};
    throw ApiError(409, "not_ready", "This track is not streamable yet", std::move(details));
  }
  const int cap = rung_cap(p.access);
  media::MediaGrant g;
  for (int k : p.track.rungs) {
    if (k <= cap) g.rungs.push_back(k);
  }
  g.scope = "/media/hls/" + p.track.id + "/v" + std::to_string(p.track.media_version) + "/";
  const std::int64_t until = unix_now() + config_.media_url_ttl.count();
  g.expires = (until + kExpiryGranularity - 1) / kExpiryGranularity * kExpiryGranularity;
  bj::array rungs;
  bj::array formats;
  for (int k : g.rungs) {
    rungs.push_back(k);
    formats.push_back(format_of(k));
  }
  bj::object out{{"trackId", p.track.id},
                 {"masterUrl", links_.url(g.scope + "master.m3u8", g)},
                 {"expiresAt", iso(g.expires)},
                 {"rungs", std::move(rungs)},
                 {"formats", std::move(formats)},
                 {"tier", memberships::to_string(p.access.tier)},
                 {"gainDb", p.track.gain_db ? bj::value(*p.track.gain_db) : bj::value(nullptr)},
                 {"durationS", p.track.duration_s ? bj::value(*p.track.duration_s) : bj::value(nullptr)}};
  co_return out;
}

awaitable<StreamingService::Download> StreamingService::download(db::Cluster& db, const AccessClaims& who,
                                                                 const std::string& track_id,
                                                                 const std::string& format) {
  // Bought (the track or its release): downloadable whatever tier it streams at.
  const bool bought = co_await buying::store::owns_track(db, who.user_id, track_id);
  std::optional<catalog::store::Track> found;
  if (bought) {
    found = co_await catalog::store::track(db, std::nullopt, track_id);
    if (!found) throw ApiError::not_found("No such track");
  } else {
    const std::optional<AccessClaims> viewer = who;
    const catalog::PlayableTrack p = co_await catalog_.playable(db, viewer, track_id);
    if (!p.access.sees_everything && p.access.tier != Tier::superfan) {
      bj::object details{{"requiredTier", "superfan"}};
      throw ApiError(403, "tier_required", "Downloads come with buying this music or with the superfan tier",
                     std::move(details));
    }
    found = p.track;
  }
  const catalog::store::Track& track = *found;
  if (!track.original_key) throw ApiError(409, "not_ready", "This track has no uploaded audio yet");
  std::string key = *track.original_key;
  std::string filename;
  if (format == "original") {
    const auto dot = key.rfind('.');
    filename = safe_filename(track.title) + (dot == std::string::npos ? "" : key.substr(dot));
  } else {
    const auto r = co_await buying::store::rendition(db, track.id, track.media_version, format);
    if (r && r->status == "failed") {
      throw ApiError(422, "rendition_failed", "This format could not be made from the uploaded audio",
                     {{"format", format}, {"reason", r->error.value_or("")}});
    }
    if (!r || r->status != "ready" || !r->key) {
      co_await buying::request_rendition(db, track.id, track.media_version, format);
      bj::object body{{"trackId", track.id}, {"format", format}, {"status", "preparing"}, {"retryAfterS", 2}};
      co_return Download{202, std::move(body)};
    }
    key = *r->key;
    filename = safe_filename(track.title) + "." + buying::extension_of(format);
  }
  media::MediaGrant g;
  g.scope = "/media/" + key;
  g.expires = unix_now() + kDownloadTtl;
  bj::object out{{"url", links_.url(g.scope, g, "n=" + url_encode(filename))},
                 {"expiresAt", iso(g.expires)},
                 {"filename", filename},
                 {"format", format},
                 {"status", "ready"}};
  co_return Download{200, std::move(out)};
}

awaitable<std::shared_ptr<const std::string>> StreamingService::object(const std::string& key,
                                                                       bool cacheable) {
  if (cacheable) {
    if (auto hit = cache_.get(key)) co_return hit;
  }
  std::shared_ptr<const std::string> data;
  if (auto local = storage_.local_path(key)) {
    // Local files are small and in the page cache: read them here rather than hop threads.
    std::ifstream in(*local, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    data = std::make_shared<const std::string>(buf.str());
  } else {
    auto read = [this, key] { return storage_.read(key); };
    std::string bytes = co_await offload(std::move(read));
    data = std::make_shared<const std::string>(std::move(bytes));
  }
  if (cacheable) cache_.put(key, data);
  co_return data;
}

awaitable<http::Response> StreamingService::segment(const std::string& key) {
  // Local files go out with sendfile, without being read here; remote ones from the cache.
  std::optional<std::pair<std::string, std::uint64_t>> local;
  {
    std::lock_guard lock(local_mutex_);
    if (auto it = local_segments_.find(key); it != local_segments_.end()) local = it->second;
  }
  if (!local) {
    if (auto path = storage_.local_path(key)) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(*path, ec);
      if (!ec) {
        local.emplace(path->string(), size);
        std::lock_guard lock(local_mutex_);
        if (local_segments_.size() >= kMaxLocalSegments) local_segments_.clear();
        local_segments_.emplace(key, *local);
      }
    }
  }
  if (local) {
    http::Response res = http::text_response(200, "", "audio/mp4");
    res.set(http::kSendFileHeader, "0 " + std::to_string(local->second) + " " + local->first);
    co_return res;
  }
  const auto data = co_await object(key, true);
  co_return http::text_response(200, *data, "audio/mp4");
}

awaitable<http::Response> StreamingService::serve_hls(std::string path, std::string query) {
  // The scope of an HLS grant is the track version's prefix: /media/hls/<track>/v<n>/.
  std::size_t scope_end = 0;
  for (int slashes = 0; slashes < 5 && scope_end != std::string::npos; ++slashes) {
    scope_end = path.find('/', scope_end + (slashes ? 1 : 0));
  }
  if (scope_end == std::string::npos) throw bad_link();
  const auto g = links_.signer().verify_scope(path.substr(0, scope_end + 1), query, unix_now());
  if (!g) throw bad_link();
  limits_.check_grant(MediaLimits::Kind::hls, *g);
  const std::string key = path.substr(std::string_view("/media/").size());
  const std::string rel = path.substr(g->scope.size());
  try {
    media::validate_key(key);
  } catch (const std::invalid_argument&) {
    throw ApiError::not_found("No such media");
  }
  std::optional<http::Response> res;
  bool missing = false;
  try {
    if (rel == "master.m3u8") {
      const auto text = co_await object(key, false);
      const media::hls::MasterPlaylist master = media::hls::parse_master_playlist(*text);
      std::vector<media::hls::Variant> allowed;
      for (auto v : master.variants) {
        v.kbps = leading_rung(v.uri);
        if (contains(g->rungs, v.kbps)) allowed.push_back(v);
      }
      if (allowed.empty()) throw ApiError::not_found("No such media");
      // Each variant is its own one-rung grant, so that behind the CDN its links open that rung only.
      const std::string body = media::hls::master_playlist(allowed, [&](const media::hls::Variant& v) {
        const media::MediaGrant rung{g->scope, {v.kbps}, g->expires};
        return v.uri + "?" + links_.prefix_query(g->scope + v.uri.substr(0, v.uri.find('/') + 1), rung);
      });
      res = http::text_response(200, body, kPlaylistType);
      res->set(http::bhttp::field::cache_control, "private, no-store");
    } else {
      const int rung = leading_rung(rel);
      if (rung == 0) throw ApiError::not_found("No such media");  // names no rung at all
      if (!contains(g->rungs, rung)) {
        throw ApiError(403, "rung_not_allowed", "This link does not include that quality");
      }
      if (rel.ends_with(".m3u8")) {
        const auto data = co_await object(key, true);
        const std::string dir = g->scope + rel.substr(0, rel.find('/') + 1);
        res =
            http::text_response(200, sign_media_playlist(*data, links_.prefix_query(dir, *g)), kPlaylistType);
        res->set(http::bhttp::field::cache_control, "private, max-age=3600");
      } else {
        res = co_await segment(key);
        res->set(http::bhttp::field::cache_control, kImmutable);
      }
    }
  } catch (const media::StorageNotFound&) {
    missing = true;
  }
  if (missing) throw ApiError::not_found("No such media");
  res->set(http::bhttp::field::access_control_allow_origin, "*");
  co_return std::move(*res);
}

awaitable<http::Response> StreamingService::serve_original(std::string path, std::string query,
                                                           std::string range, std::string name,
                                                           std::shared_ptr<http::BodyStream>& body) {
  // An original's grant covers exactly its file: one HMAC, whatever the path looks like.
  const auto g = links_.signer().verify_scope(path, query, unix_now());
  if (!g || !(path.starts_with("/media/originals/") || path.starts_with("/media/renditions/") ||
              path.starts_with("/media/exports/")))
    throw bad_link();
  limits_.check_grant(MediaLimits::Kind::original, *g);
  const std::string key = path.substr(std::string_view("/media/").size());
  auto head_job = [this, key] { return storage_.head(key); };
  const std::optional<media::ObjectInfo> info = co_await offload(std::move(head_job));
  if (!info) throw ApiError::not_found("No such media");
  const std::uint64_t size = info->size;
  std::optional<http::ByteRange> slice;
  const http::RangeRequest asked = http::parse_range(range, size);
  if (asked.kind == http::RangeRequest::unsatisfiable) {
    throw ApiError(416, "range_not_satisfiable", "The range starts past the end of the file")
        .with_header("Content-Range", "bytes */" + std::to_string(size));
  }
  if (asked.kind == http::RangeRequest::slice) slice = asked.range;
  const std::uint64_t first = slice ? slice->first : 0;
  const std::uint64_t length = slice ? slice->last - slice->first + 1 : size;
  http::Response res;
  if (auto local = storage_.local_path(key)) {
    res = http::text_response(slice ? 206 : 200, "",
                              info->content_type.empty() ? "application/octet-stream" : info->content_type);
    res.set(http::kSendFileHeader,
            std::to_string(first) + " " + std::to_string(length) + " " + local->string());
  } else {
    // Streamed as the client reads, a piece at a time: never the whole object in memory.
    res = http::text_response(slice ? 206 : 200, "",
                              info->content_type.empty() ? "application/octet-stream" : info->content_type);
    auto stream = std::make_shared<StorageStream>(storage_, key, first, length, kOriginalPiece);
    try {
      co_await stream->prime();
    } catch (const media::StorageNotFound&) {
      throw ApiError::not_found("No such media");
    }
    body = std::move(stream);
  }
  if (slice) {
    res.set(http::bhttp::field::content_range, "bytes " + std::to_string(slice->first) + "-" +
                                                   std::to_string(slice->last) + "/" + std::to_string(size));
  }
  res.set(http::bhttp::field::accept_ranges, "bytes");
  res.set(http::bhttp::field::cache_control, "private, max-age=86400");
  const std::string filename = safe_filename(name.empty() ? key.substr(key.rfind('/') + 1) : name);
  res.set(http::bhttp::field::content_disposition, "attachment; filename=\"" + filename + "\"");
  co_return res;
}

awaitable<http::Response> StreamingService::serve_artwork(std::string path, std::string if_none_match) {
  const std::string key = path.substr(std::string_view("/media/").size());
  try {
    media::validate_key(key);
  } catch (const std::invalid_argument&) {
    throw ApiError::not_found("No such image");
  }
  // Image keys are never rewritten (a new picture gets a new prefix, artwork a new version), so
  // the key names the content: a strong validator costing no I/O.
  const std::string etag = "\"" + to_hex(sha256(key)).substr(0, 32) + "\"";
  const std::string_view type = key.ends_with(".png") ? "image/png" : "image/jpeg";
  std::optional<http::Response> res;
  if (auto local = storage_.local_path(key)) {
    // Sent by sendfile, like segments: never read into memory here.
    std::error_code ec;
    const auto size = std::filesystem::file_size(*local, ec);
    if (ec) throw ApiError::not_found("No such image");
    res = http::text_response(200, "", type);
    res->set(http::kSendFileHeader, "0 " + std::to_string(size) + " " + local->string());
  } else {
    bool missing = false;
    try {
      const auto data = co_await object(key, true);
      res = http::text_response(200, *data, type);
    } catch (const media::StorageNotFound&) {
      missing = true;
    }
    if (missing) throw ApiError::not_found("No such image");
  }
  if (http::etag_matches(if_none_match, etag)) {
    res = http::text_response(304, "", type);
  }
  res->set(http::bhttp::field::etag, etag);
  res->set(http::bhttp::field::cache_control, kImmutable);
  co_return std::move(*res);
}

}  // namespace mc::streaming
