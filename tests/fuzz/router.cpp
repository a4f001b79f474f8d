// Route matching on arbitrary request paths, against the application's route table. Invariants: a
// match has as many segments as its pattern, equal static segments, and parameters that are
// slices of the path passing their type (uuid, int, slug); a path answered "405" matches for each
// method it lists; matching is deterministic.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "http/router.hpp"

using mc::http::Router;
using mc::http::Verb;

namespace {

// The application's routes (grep -rhoE 'Verb::[a-z_]+, *"/[^"]+"' src | sort -u), plus the two
// image routes registered in a loop.
const std::vector<std::pair<Verb, const char*>> kRoutes = {
    {Verb::delete_, "/api/artists/{id}/follow"},
    {Verb::delete_, "/api/auth/sessions/{id:uuid}"},
    {Verb::delete_, "/api/comments/{id:uuid}"},
    {Verb::delete_, "/api/content/{id:uuid}/like"},
    {Verb::delete_, "/api/uploads/{id:uuid}"},
    {Verb::get, "/api/admin/payments/reconciliation"},
    {Verb::get, "/api/artists"},
    {Verb::get, "/api/artists/earnings"},
    {Verb::get, "/api/artists/payouts"},
    {Verb::get, "/api/artists/subscribers"},
    {Verb::get, "/api/artists/{id}"},
    {Verb::get, "/api/artists/{id}/content"},
    {Verb::get, "/api/artists/{id}/fans-also-follow"},
    {Verb::get, "/api/artists/{id}/follow"},
    {Verb::get, "/api/artists/{id}/followers"},
    {Verb::get, "/api/artists/{id}/pricing"},
    {Verb::get, "/api/auth/me"},
    {Verb::get, "/api/auth/sessions"},
    {Verb::get, "/api/content/{id:uuid}"},
    {Verb::get, "/api/content/{id:uuid}/comments"},
    {Verb::get, "/api/content/{id:uuid}/like"},
    {Verb::get, "/api/dev/mail"},
    {Verb::get, "/api/discovery"},
    {Verb::get, "/api/genres"},
    {Verb::get, "/api/me/following"},
    {Verb::get, "/api/me/likes"},
    {Verb::get, "/api/openapi.json"},
    {Verb::get, "/api/payments/history"},
    {Verb::get, "/api/subscriptions/active"},
    {Verb::get, "/api/uploads/{id:uuid}"},
    {Verb::get, "/health"},
    {Verb::get, "/media/artwork/{track:uuid}/{file}"},
    {Verb::get, "/media/hls/{track:uuid}/{version}/master.m3u8"},
    {Verb::get, "/media/hls/{track:uuid}/{version}/{rung:int}/{file}"},
    {Verb::get, "/media/images/{owner:uuid}/{dir}/{file}"},
    {Verb::get, "/media/originals/{owner:uuid}/{file}"},
    {Verb::get, "/metrics"},
    {Verb::get, "/ready"},
    {Verb::get, "/sandbox/checkout/{id}"},
    {Verb::patch, "/api/comments/{id:uuid}"},
    {Verb::patch, "/api/releases/{id:uuid}"},
    {Verb::post, "/api/admin/payments/{id:uuid}/refund"},
    {Verb::post, "/api/artists/payouts"},
    {Verb::post, "/api/artists/payouts/connect"},
    {Verb::post, "/api/artists/{id}/follow"},
    {Verb::post, "/api/auth/email/change"},
    {Verb::post, "/api/auth/login"},
    {Verb::post, "/api/auth/logout"},
    {Verb::post, "/api/auth/password/change"},
    {Verb::post, "/api/auth/password/forgot"},
    {Verb::post, "/api/auth/password/reset"},
    {Verb::post, "/api/auth/refresh"},
    {Verb::post, "/api/auth/register"},
    {Verb::post, "/api/auth/verify-email"},
    {Verb::post, "/api/auth/verify-email/resend"},
    {Verb::post, "/api/comments/{id:uuid}/report"},
    {Verb::post, "/api/content/{id:uuid}/comments"},
    {Verb::post, "/api/content/{id:uuid}/download"},
    {Verb::post, "/api/content/{id:uuid}/like"},
    {Verb::post, "/api/content/{id:uuid}/playback"},
    {Verb::post, "/api/content/{id:uuid}/plays"},
    {Verb::post, "/api/releases"},
    {Verb::post, "/api/releases/{id:uuid}/tracks"},
    {Verb::post, "/api/sandbox/payments/{id:uuid}/simulate"},
    {Verb::post, "/api/sandbox/payouts/{id:uuid}/simulate"},
    {Verb::post, "/api/sandbox/subscriptions/{id:uuid}/simulate"},
    {Verb::post, "/api/subscriptions/create"},
    {Verb::post, "/api/subscriptions/{id:uuid}/cancel"},
    {Verb::post, "/api/subscriptions/{id:uuid}/change"},
    {Verb::post, "/api/subscriptions/{id:uuid}/resume"},
    {Verb::post, "/api/tips"},
    {Verb::post, "/api/uploads"},
    {Verb::post, "/api/uploads/content"},
    {Verb::post, "/api/webhooks/stripe"},
    {Verb::post, "/sandbox/checkout/{id}/decline"},
    {Verb::post, "/sandbox/checkout/{id}/pay"},
    {Verb::put, "/api/artists/profile"},
    {Verb::put, "/api/artists/profile/avatar"},
    {Verb::put, "/api/artists/profile/banner"},
    {Verb::put, "/api/artists/tiers/{tier}"},
    {Verb::put, "/api/releases/{id:uuid}/track-order"},
    {Verb::put, "/api/uploads/{id:uuid}"},
};

const Router& router() {
  static const Router* r = [] {
    auto* built = new Router;  // lives as long as the process
    for (const auto& [verb, pattern] : kRoutes) built->add(verb, pattern, {});
    return built;
  }();
  return *r;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    const auto slash = path.find('/', i);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

bool passes(std::string_view type, std::string_view v) {
  auto all = [&v](auto ok) {
    for (char c : v)
      if (!ok(static_cast<unsigned char>(c))) return false;
    return true;
  };
  if (v.empty()) return false;
  if (type == "uuid") {
    if (v.size() != 36) return false;
    for (std::size_t i = 0; i < 36; ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash != (v[i] == '-') || (!dash && !std::isxdigit(static_cast<unsigned char>(v[i])))) return false;
    }
    return true;
  }
  if (type == "int") return v.size() <= 18 && all([](unsigned char c) { return c >= '0' && c <= '9'; });
  if (type == "slug") {
    return v.size() <= 100 && all([](unsigned char c) {
             return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
           });
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  static const Verb kVerbs[] = {Verb::get, Verb::post, Verb::put, Verb::patch, Verb::delete_, Verb::head};
  const Verb verb = kVerbs[bytes[0] % 6];
  const std::string_view path(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  const auto m = router().match(verb, path);
  const auto again = router().match(verb, path);
  FUZZ_CHECK(m.route == again.route && m.params == again.params && m.allowed == again.allowed);
  if (!m.route) {
    FUZZ_CHECK(m.params.empty());
    for (const Verb other : m.allowed) FUZZ_CHECK(router().match(other, path).route != nullptr);
    return 0;
  }
  FUZZ_CHECK(m.route->method == verb ||
             (verb == Verb::head && m.route->method == Verb::get));  // HEAD serves GET
  const auto got = segments(path);
  const auto want = segments(m.route->pattern);
  FUZZ_CHECK(got.size() == want.size());
  std::size_t p = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!want[i].starts_with('{')) {
      FUZZ_CHECK(got[i] == want[i]);
      continue;
    }
    FUZZ_CHECK(p < m.params.size());
    const std::string_view inner = want[i].substr(1, want[i].size() - 2);
    const auto colon = inner.find(':');
    const auto& [name, value] = m.params[p++];
    FUZZ_CHECK(name == inner.substr(0, colon));
    FUZZ_CHECK(value.data() == got[i].data() && value.size() == got[i].size());  // a slice of the path
    FUZZ_CHECK(passes(colon == std::string_view::npos ? "" : inner.substr(colon + 1), value));
  }
  FUZZ_CHECK(p == m.params.size());
  return 0;
}
