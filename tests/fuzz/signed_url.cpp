// Signed media URLs on arbitrary paths and queries, and on grants made from the input. Invariants:
// a grant verify() accepts is unexpired, scoped to the path or one of its directories, with rungs
// in range; a grant the server signed verifies for every path under its scope; any change to a
// signed query is refused or yields the very same grant (never a wider or longer one).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "media/signed_url.hpp"

using mc::media::MediaGrant;
using mc::media::MediaUrlSigner;

namespace {

const MediaUrlSigner signer("fuzz-media-url-secret-that-is-long-enough");
constexpr std::int64_t kNow = 1'800'000'000;

bool same(const MediaGrant& a, const MediaGrant& b) {
  return a.scope == b.scope && a.rungs == b.rungs && a.expires == b.expires;
}

void check_accepted(const MediaGrant& g, std::string_view path) {
  FUZZ_CHECK(g.expires > kNow);
  FUZZ_CHECK(path.starts_with(g.scope));
  FUZZ_CHECK(g.scope == path || g.scope.ends_with('/'));
  for (int r : g.rungs) FUZZ_CHECK(r > 0 && r <= 10000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(bytes), size);
  // Arbitrary path and query: "<path>?<query>".
  const auto q = in.find('?');
  const std::string_view path = in.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : in.substr(q + 1);
  if (auto g = signer.verify(path, query, kNow)) check_accepted(*g, path);

  // A grant built from the input, signed, then checked and tampered with.
  if (size < 12) return 0;
  MediaGrant grant;
  std::int64_t offset = 0;
  std::memcpy(&offset, bytes, 8);
  grant.expires = kNow + 1 + (offset & 0xFFFFFFF);
  for (std::size_t i = 8; i < 11; ++i) {
    if (bytes[i] != 0) grant.rungs.push_back(1 + bytes[i] * 39);  // 1-9946, as verify() allows
  }
  const std::size_t position = bytes[11];
  const std::string_view rest = in.substr(12);
  const auto slash = rest.rfind('/');
  grant.scope = "/media/hls/" + std::string(rest.substr(0, slash == std::string_view::npos ? 0 : slash + 1));
  const std::string signed_query = signer.query(grant);
  const std::string file = grant.scope + "seg.m4s";
  const auto ok = signer.verify(file, signed_query, kNow);
  FUZZ_CHECK(ok && same(*ok, grant));
  FUZZ_CHECK(!signer.verify(file, signed_query, grant.expires));  // expired at e
  std::string tampered = signed_query;
  tampered[position % tampered.size()] ^=
      static_cast<char>(1 + (static_cast<std::uint64_t>(offset) >> 40) % 255);
  if (auto t = signer.verify(file, tampered, kNow)) FUZZ_CHECK(same(*t, grant));
  return 0;
}
