#include "media/signed_url.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <charconv>
#include <memory>
#include <stdexcept>

#include "core/config.hpp"
#include "core/crypto.hpp"

namespace mc::media {
namespace {

std::string rungs_text(const std::vector<int>& rungs) {
  std::string out;
  for (std::size_t i = 0; i < rungs.size(); ++i) out += (i ? "," : "") + std::to_string(rungs[i]);
  return out;
}

std::optional<std::string_view> param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string MediaUrlSigner::signature(const MediaGrant& g) const {
  const std::string message =
      "v1\n" + g.scope + "\n" + rungs_text(g.rungs) + "\n" + std::to_string(g.expires);
  return base64url_encode(hmac_sha256(secret_, message));
}

std::string MediaUrlSigner::query(const MediaGrant& g) const {
  return "r=" + rungs_text(g.rungs) + "&e=" + std::to_string(g.expires) + "&s=" + signature(g);
}

std::optional<MediaGrant> MediaUrlSigner::parse(std::string_view query) const {
  const auto r = param(query, "r");
  const auto e = param(query, "e");
  if (!r || !e || !param(query, "s")) return std::nullopt;
  MediaGrant g;
  if (!parse_int(*e, g.expires)) return std::nullopt;
  std::string_view rest = *r;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::int64_t k = 0;
    if (!parse_int(rest.substr(0, comma), k) || k <= 0 || k > 10000) return std::nullopt;
    g.rungs.push_back(static_cast<int>(k));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return g;
}

std::optional<MediaGrant> MediaUrlSigner::verify_scope(std::string_view scope, std::string_view query,
                                                       std::int64_t now) const {
  auto g = parse(query);
  if (!g) return std::nullopt;
  g->scope = std::string(scope);
  if (!constant_time_equal(signature(*g), *param(query, "s")) || g->expires <= now) return std::nullopt;
  return g;
}

std::optional<MediaGrant> MediaUrlSigner::verify(std::string_view path, std::string_view query,
                                                 std::int64_t now) const {
  // The scope is the path itself or one of its enclosing directories (ending in '/'); the
  // signature says which.
  if (auto g = verify_scope(path, query, now)) return g;
  std::size_t slash = path.rfind('/');
  for (std::size_t level = 0; level < kMaxScopeLevels && slash != std::string_view::npos && slash > 0;
       ++level) {
    if (auto g = verify_scope(path.substr(0, slash + 1), query, now)) return g;
    slash = path.rfind('/', slash - 1);
  }
  return std::nullopt;
}

std::shared_ptr<const EVP_PKEY> load_private_key(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key) throw std::invalid_argument("CLOUDFRONT_PRIVATE_KEY is not a PEM private key");
  return std::shared_ptr<const EVP_PKEY>(key,
                                         [](const EVP_PKEY* k) { EVP_PKEY_free(const_cast<EVP_PKEY*>(k)); });
}

std::string cloudfront_signed_query(std::string_view resource, std::int64_t expires,
                                    std::string_view key_pair_id, const EVP_PKEY& private_key) {
  const std::string policy = R"({"Statement":[{"Resource":")" + std::string(resource) +
                             R"(","Condition":{"DateLessThan":{"AWS:EpochTime":)" + std::to_string(expires) +
                             "}}}]}";
  // Signing only reads the key: one loaded key serves every thread.
  auto* key = const_cast<EVP_PKEY*>(&private_key);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha1(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(policy.data()),
                     policy.size()) != 1) {
    throw std::invalid_argument("CloudFront signing failed");
  }
  std::string sig(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &length,
                     reinterpret_cast<const unsigned char*>(policy.data()), policy.size()) != 1) {
    throw std::invalid_argument("CloudFront signing failed");
  }
  sig.resize(length);
  // CloudFront's URL-safe base64: + → -, = → _, / → ~.
  auto cf64 = [](std::string s) {
    for (auto& c : s) {
      if (c == '+')
        c = '-';
      else if (c == '=')
        c = '_';
      else if (c == '/')
        c = '~';
    }
    return s;
  };
  return "Policy=" + cf64(base64_encode(policy)) + "&Signature=" + cf64(base64_encode(sig)) +
         "&Key-Pair-Id=" + std::string(key_pair_id);
}

std::string cloudfront_signed_query(std::string_view resource, std::int64_t expires,
                                    std::string_view key_pair_id, std::string_view private_key_pem) {
  return cloudfront_signed_query(resource, expires, key_pair_id, *load_private_key(private_key_pem));
}

MediaLinks::MediaLinks(std::string secret, std::optional<EdgeKey> edge)
    : signer_(std::move(secret)), edge_(std::move(edge)) {
  if (edge_) {
    while (edge_->cdn_url.ends_with('/')) edge_->cdn_url.pop_back();
    edge_key_ = load_private_key(edge_->private_key_pem);  // a key that does not load fails at start
  }
}

MediaLinks MediaLinks::from_config(const Config& config) {
  std::optional<EdgeKey> edge;
  if (config.media_url_signing == "cloudfront") {
    edge = EdgeKey{config.cdn_url, config.cloudfront_key_pair_id, config.cloudfront_private_key};
  }
  return MediaLinks(config.media_url_secret, std::move(edge));
}

std::string MediaLinks::edge_query(std::string_view resource, std::int64_t expires) const {
  return cloudfront_signed_query(resource, expires, edge_->key_pair_id, *edge_key_);
}

std::string MediaLinks::url(std::string_view path, const MediaGrant& grant,
                            std::string_view extra_query) const {
  std::string url = std::string(path) + "?" + signer_.query(grant);
  if (!extra_query.empty()) url.append("&").append(extra_query);
  if (!edge_) return url;
  const std::string absolute = edge_->cdn_url + url;
  return absolute + "&" + edge_query(absolute, grant.expires);
}

std::string MediaLinks::prefix_query(std::string_view prefix, const MediaGrant& grant) const {
  std::string query = signer_.query(grant);
  if (!edge_) return query;
  return query + "&" + edge_query(edge_->cdn_url + std::string(prefix) + "*", grant.expires);
}

}  // namespace mc::media
