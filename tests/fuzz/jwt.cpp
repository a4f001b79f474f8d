// Access tokens (HS256 JWT) on arbitrary token text, and on tokens signed from the input.
// Invariants: verify() never accepts an expired token or one without the claims it needs; a token
// the codec signed verifies to exactly its claims (with either key during a rotation); any change
// to a signed token is refused or yields the very same claims.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/jwt.hpp"
#include "core/uuid.hpp"
#include "fuzz_check.hpp"

using mc::AccessClaims;
using mc::is_uuid;
using mc::JwtCodec;

namespace {

const JwtCodec codec({{"k2", "fuzz-current-jwt-secret-0123456789abcdef"},
                      {"k1", "fuzz-previous-jwt-secret-0123456789"}});
const JwtCodec previous({{"k1", "fuzz-previous-jwt-secret-0123456789"}});
constexpr std::int64_t kNow = 1'800'000'000;

bool same(const AccessClaims& a, const AccessClaims& b) {
  return a.user_id == b.user_id && a.session_id == b.session_id && a.role == b.role &&
         a.issued_at == b.issued_at && a.expires_at == b.expires_at;
}

}  // namespace

// 32 hex digits derived from the bytes, in the 8-4-4-4-12 form.
static std::string as_uuid(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string h;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned c = bytes.empty() ? 0 : static_cast<unsigned char>(bytes[i % bytes.size()]);
    h.push_back(kHex[(c + i) % 16]);
  }
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(bytes), size);
  const auto v = codec.verify(in, kNow);
  if (v.claims) FUZZ_CHECK(v.claims->expires_at > kNow);

  if (size < 9) return 0;
  // Claims from the input: 8 bytes of lifetime, then sub, sid and role separated by NUL.
  std::int64_t lifetime = 0;
  std::memcpy(&lifetime, bytes, 8);
  std::string_view text = in.substr(8);
  // Claims are ids and role names the server wrote (printable ASCII); map the bytes onto those.
  auto next = [&text] {
    const auto nul = text.find('\0');
    std::string part(text.substr(0, nul));
    for (char& c : part) c = static_cast<char>(32 + static_cast<unsigned char>(c) % 95);
    text = nul == std::string_view::npos ? std::string_view{} : text.substr(nul + 1);
    return part;
  };
  AccessClaims claims;
  claims.user_id = next();
  claims.session_id = next();
  claims.role = next();
  // sub and sid must be uuids (anything else is refused as malformed): half of the inputs get ids
  // of that shape made from their bytes, so the accepting path is fuzzed too.
  if (lifetime & 1) {
    claims.user_id = as_uuid(claims.user_id);
    claims.session_id = as_uuid(claims.session_id);
  }
  const bool well_formed = is_uuid(claims.user_id) && is_uuid(claims.session_id);
  claims.issued_at = kNow - 60;
  claims.expires_at = kNow + 1 + (lifetime & 0xFFFFFF);
  for (const JwtCodec* signer : {&codec, &previous}) {
    const std::string token = signer->sign(claims);
    if (token.size() > 4096) return 0;  // refused by size, whoever signed it
    const auto ok = codec.verify(token, kNow);
    FUZZ_CHECK(well_formed ? ok.claims && same(*ok.claims, claims) : !ok.claims);
    FUZZ_CHECK(!codec.verify(token, claims.expires_at).claims);
    std::string tampered = token;
    tampered[(static_cast<std::uint64_t>(lifetime) >> 32) % tampered.size()] ^=
        static_cast<char>(1 + (static_cast<std::uint64_t>(lifetime) >> 56) % 255);
    const auto t = codec.verify(tampered, kNow);
    if (t.claims) FUZZ_CHECK(same(*t.claims, claims));
  }
  return 0;
}
