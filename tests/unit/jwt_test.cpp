#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "core/jwt.hpp"

using namespace mc;

namespace {
const JwtKey kCurrent{"k2", "current-secret-current-secret-0123456789"};
const JwtKey kPrevious{"k1", "previous-secret-previous-secret-012345678"};
AccessClaims claims(int64_t exp) {
  return {"user-1", "session-1", "fan", 1000, exp};
}
}  // namespace

TEST(Jwt, round_trip_keeps_claims) {
  crypto_init();
  JwtCodec codec({kCurrent});
  const auto v = codec.verify(codec.sign(claims(5000)), 2000);
  ASSERT_TRUE(v.claims);
  EXPECT_EQ(v.claims->user_id, "user-1");
  EXPECT_EQ(v.claims->session_id, "session-1");
}

TEST(Jwt, previous_key_is_accepted_during_rotation) {
  JwtCodec old_codec({kPrevious});
  JwtCodec rotated({kCurrent, kPrevious});
  EXPECT_TRUE(rotated.verify(old_codec.sign(claims(5000)), 2000).claims);
}

TEST(Jwt, unknown_kid_is_refused) {
  JwtCodec old_codec({kPrevious});
  JwtCodec current_only({kCurrent});
  const auto v = current_only.verify(old_codec.sign(claims(5000)), 2000);
  EXPECT_FALSE(v.claims);
  EXPECT_EQ(v.error, JwtError::unknown_kid);
}

TEST(Jwt, forged_signature_is_refused) {
  JwtCodec codec({kCurrent});
  JwtCodec forger({{kCurrent.kid, "attacker-secret-attacker-secret-01234567"}});
  const auto v = codec.verify(forger.sign(claims(5000)), 2000);
  EXPECT_EQ(v.error, JwtError::bad_signature);
}

TEST(Jwt, expired_token_is_refused) {
  JwtCodec codec({kCurrent});
  const auto v = codec.verify(codec.sign(claims(1500)), 2000);
  EXPECT_EQ(v.error, JwtError::expired);
}

TEST(Jwt, tampered_payload_is_refused) {
  JwtCodec codec({kCurrent});
  std::string t = codec.sign(claims(5000));
  const auto d1 = t.find('.');
  t[d1 + 3] = t[d1 + 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.verify(t, 2000).claims);
}

TEST(Jwt, garbage_is_malformed) {
  JwtCodec codec({kCurrent});
  EXPECT_EQ(codec.verify("not.a.jwt", 0).error, JwtError::malformed);
  EXPECT_EQ(codec.verify("", 0).error, JwtError::malformed);
}
