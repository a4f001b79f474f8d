#pragma once
#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc {
struct Config;
}

namespace mc::media {

// Signed media URLs (SPEC §4.4): a playback grant signs a whole HLS prefix (every playlist and
// segment of one track's upload) for the rungs the viewer may hear, until an expiry. The server
// checks them with no database query. The query parameters are
//   r=128,256   the rungs the grant allows (empty for originals)
//   e=<unix>    the expiry
//   s=<sig>     base64url HMAC-SHA256 of "v1\n<scope>\n<r>\n<e>" under MEDIA_URL_SECRET
// where <scope> is the signed path prefix ("/media/hls/<track>/v<n>/") or a whole file's path.
struct MediaGrant {
  std::string scope;
  std::vector<int> rungs;
  std::int64_t expires = 0;  // unix seconds
};

class MediaUrlSigner {
 public:
  explicit MediaUrlSigner(std::string secret) : secret_(std::move(secret)) {}
  // "r=…&e=…&s=…"
  std::string query(const MediaGrant& grant) const;
  // The grant a request's query proves for `path`, or nullopt: bad or missing signature, a path
  // outside the signed scope, or expired at `now`. The scope may be the path itself or one of its
  // kMaxScopeLevels nearest enclosing directories (each candidate costs an HMAC over its length,
  // so a path of many slashes must not cost one per slash).
  static constexpr std::size_t kMaxScopeLevels = 8;
  std::optional<MediaGrant> verify(std::string_view path, std::string_view query, std::int64_t now) const;
  // The same for a caller that knows the scope the URL must have been signed for (one HMAC).
  std::optional<MediaGrant> verify_scope(std::string_view scope, std::string_view query,
                                         std::int64_t now) const;

 private:
  std::string signature(const MediaGrant& grant) const;
  std::optional<MediaGrant> parse(std::string_view query) const;
  std::string secret_;
};

// CloudFront signed URL query (custom policy) for `resource` (may end in `*`) until `expires`:
// "Policy=…&Signature=…&Key-Pair-Id=…", RSA-SHA1 over the policy with CloudFront's URL-safe base64.
// Throws std::invalid_argument for a private key that does not load.
std::string cloudfront_signed_query(std::string_view resource, std::int64_t expires,
                                    std::string_view key_pair_id, std::string_view private_key_pem);
// The same with a key loaded once (load_private_key, which throws std::invalid_argument likewise).
std::shared_ptr<const EVP_PKEY> load_private_key(std::string_view pem);
std::string cloudfront_signed_query(std::string_view resource, std::int64_t expires,
                                    std::string_view key_pair_id, const EVP_PKEY& private_key);

// The key CloudFront checks signed URLs with (MEDIA_URL_SIGNING=cloudfront), loaded once.
struct EdgeKey {
  std::string cdn_url;  // no trailing slash
  std::string key_pair_id;
  std::string private_key_pem;
};

// Every signed media link the server hands out, one way (docs/streaming.md, "Signed media links").
// The HMAC query (r, e, s) is always there: the origin checks it on every request it serves. With
// an EdgeKey, links are absolute CDN URLs that also carry a CloudFront custom policy, and each
// policy is as narrow as the thing it opens, because the edge serves cached copies to whoever
// passes its check:
//   - a link handed out by the API (a master playlist, a download) is signed for exactly its URL;
//   - the URIs inside a playlist are signed for one rung's directory (`…/v<n>/<rung>/*`), so a
//     grant for 128 kbps cannot fetch the lossless segments another listener's play has cached.
class MediaLinks {
 public:
  MediaLinks(std::string secret, std::optional<EdgeKey> edge);
  // MEDIA_URL_SECRET, and the EdgeKey when MEDIA_URL_SIGNING=cloudfront.
  static MediaLinks from_config(const Config& config);
  const MediaUrlSigner& signer() const { return signer_; }
  // path?<grant query>[&extra]; behind the CDN, absolute and signed at the edge for exactly that URL.
  std::string url(std::string_view path, const MediaGrant& grant, std::string_view extra_query = {}) const;
  // The query of the URIs under `prefix` (a directory ending in '/') in a playlist: the grant's
  // HMAC query, and behind the CDN an edge policy over prefix + "*".
  std::string prefix_query(std::string_view prefix, const MediaGrant& grant) const;

 private:
  std::string edge_query(std::string_view resource, std::int64_t expires) const;
  MediaUrlSigner signer_;
  std::optional<EdgeKey> edge_;
  std::shared_ptr<const EVP_PKEY> edge_key_;  // loaded from edge_->private_key_pem once
};

}  // namespace mc::media
