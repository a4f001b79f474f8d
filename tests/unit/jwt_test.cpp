#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "core/jwt.hpp"

using namespace mc;

namespace {
const JwtKey kCurrent{"k2", "current-secret-current-secret-0123456789"};
const JwtKey kPrevious{"k1", "previous-secret-previous-secret-012345678"};
constexpr const char* kUser = "0b5a6a62-3f0e-4d7e-9a57-1f3c2b1a0e01";
constexpr const char* kSession = "6f1c1f52-8d1e-4c4b-b2f5-7a0e9c3d2b02";
AccessClaims claims(int64_t exp) {
  return {kUser, kSession, "fan", 1000, exp};
}
}  // namespace

TEST(Jwt, round_trip_keeps_claims) {
  crypto_init();
  JwtCodec codec({kCurrent});
  const auto v = codec.verify(codec.sign(claims(5000)), 2000);
  ASSERT_TRUE(v.claims);
  EXPECT_EQ(v.claims->user_id, kUser);
  EXPECT_EQ(v.claims->session_id, kSession);
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

TEST(Jwt, signed_claims_that_are_not_uuids_are_malformed) {
  JwtCodec codec({kCurrent});
  for (const auto& [sub, sid] :
       std::vector<std::pair<std::string, std::string>>{{"user-1", kSession},
                                                        {kUser, "session-1"},
                                                        {"", kSession},
                                                        {kUser, "6f1c1f52-8d1e-4c4b-b2f5-7a0e9c3d2b0"},
                                                        {"0b5a6a62-3f0e-4d7e-9a57-1f3c2b1a0e0g", kSession},
                                                        {kUser, "6f1c1f52x8d1e-4c4b-b2f5-7a0e9c3d2b02"},
                                                        {std::string(kUser) + "'--", kSession}}) {
    const auto v = codec.verify(codec.sign({sub, sid, "fan", 1000, 5000}), 2000);
    EXPECT_FALSE(v.claims) << sub << " " << sid;
    EXPECT_EQ(v.error, JwtError::malformed) << sub << " " << sid;
  }
}
