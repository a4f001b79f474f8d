#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace mc::media
