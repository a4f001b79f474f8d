// Access tokens (HS256 JWT) on arbitrary token text, and on tokens signed from the input.
// Invariants: verify() never accepts an expired token or one without the claims it needs; a token
// the codec signed verifies to exactly its claims (with either key during a rotation); any change
// to a signed token is refused or yields the very same claims.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/jwt.hpp"
#include "fuzz_check.hpp"

using mc::AccessClaims;
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
  claims.issued_at = kNow - 60;
  claims.expires_at = kNow + 1 + (lifetime & 0xFFFFFF);
  for (const JwtCodec* signer : {&codec, &previous}) {
    const std::string token = signer->sign(claims);
    if (token.size() > 4096) return 0;  // refused by size, whoever signed it
    const auto ok = codec.verify(token, kNow);
    FUZZ_CHECK(ok.claims && same(*ok.claims, claims));
    FUZZ_CHECK(!codec.verify(token, claims.expires_at).claims);
    std::string tampered = token;
    tampered[(static_cast<std::uint64_t>(lifetime) >> 32) % tampered.size()] ^=
        static_cast<char>(1 + (static_cast<std::uint64_t>(lifetime) >> 56) % 255);
    const auto t = codec.verify(tampered, kNow);
    if (t.claims) FUZZ_CHECK(same(*t.claims, claims));
  }
  return 0;
}
