#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include "core/crypto.hpp"
#include "media/signed_url.hpp"

using namespace mc::media;

namespace {
const MediaUrlSigner signer("a-test-secret-that-is-long-enough-1234");
const std::string kScope = "/media/hls/0b4b5f0e-7b1e-4f51-9a37-1f2b1c9e0a11/v1/";

MediaGrant grant(std::vector<int> rungs, std::int64_t expires) {
  return MediaGrant{kScope, std::move(rungs), expires};
}
}  // namespace

TEST(SignedUrl, a_grant_covers_every_file_under_its_scope_until_it_expires) {
  const auto q = signer.query(grant({128, 256}, 1000));
  for (const std::string file : {"master.m3u8", "128/index.m3u8", "256/seg_00001.m4s"}) {
    const auto g = signer.verify(kScope + file, q, 999);
    ASSERT_TRUE(g) << file;
    EXPECT_EQ(g->scope, kScope);
    EXPECT_EQ(g->rungs, (std::vector<int>{128, 256}));
  }
  EXPECT_FALSE(signer.verify(kScope + "master.m3u8", q, 1000)) << "expired at e";
  EXPECT_FALSE(signer.verify("/media/hls/another/v1/master.m3u8", q, 999)) << "another track";
  EXPECT_FALSE(signer.verify("/media/hls/0b4b5f0e-7b1e-4f51-9a37-1f2b1c9e0a11/v2/master.m3u8", q, 999));
}

TEST(SignedUrl, any_change_to_the_query_breaks_the_signature) {
  const auto q = signer.query(grant({128}, 1000));
  const auto path = kScope + "master.m3u8";
  std::string more_rungs = q;
  more_rungs.replace(0, 5, "r=128,320");
  EXPECT_FALSE(signer.verify(path, more_rungs, 10));
  std::string later = q;
  later.replace(later.find("e=1000"), 6, "e=9000");
  EXPECT_FALSE(signer.verify(path, later, 10));
  std::string sig = q;
  sig.back() = sig.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer.verify(path, sig, 10));
  EXPECT_FALSE(MediaUrlSigner("another-secret-that-is-long-enough-123").verify(path, q, 10));
  EXPECT_FALSE(signer.verify(path, "", 10));
}

TEST(SignedUrl, a_file_grant_covers_only_that_file) {
  const std::string file = "/media/originals/u/abc.flac";
  const auto q = signer.query(MediaGrant{file, {}, 1000});
  EXPECT_TRUE(signer.verify(file, q, 10));
  EXPECT_FALSE(signer.verify("/media/originals/u/other.flac", q, 10));
}

// A path of many slashes costs at most kMaxScopeLevels + 1 HMACs: a grant for a directory further
// up than that does not cover it (HLS and original grants are at most two levels up).
TEST(SignedUrl, only_the_nearest_enclosing_directories_are_scopes) {
  const std::string q = signer.query(grant({128}, 1000));
  std::string path = kScope;
  for (std::size_t level = 0; level < MediaUrlSigner::kMaxScopeLevels - 1; ++level) path += "d/";
  EXPECT_TRUE(signer.verify(path + "f", q, 999)) << "kMaxScopeLevels up";
  EXPECT_FALSE(signer.verify(path + "d/f", q, 999)) << "one level more";
  EXPECT_FALSE(signer.verify(kScope + std::string(8000, '/') + "f", q, 999));
}

TEST(SignedUrl, cloudfront_signature_verifies_with_the_public_key) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  ASSERT_TRUE(key);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* pem_data = nullptr;
  const long pem_len = BIO_get_mem_data(bio.get(), &pem_data);
  const std::string pem(pem_data, static_cast<std::size_t>(pem_len));

  const std::string query =
      cloudfront_signed_query("https://cdn.example.com/media/hls/t/v1/*", 1800000000, "K2ABC", pem);
  ASSERT_EQ(query.find("Policy="), 0u);
  auto value = [&](const std::string& name) {
    const auto at = query.find(name + "=") + name.size() + 1;
    const auto end = query.find('&', at);
    const std::string cf = query.substr(at, end == std::string::npos ? std::string::npos : end - at);
    // CloudFront's alphabet (- for +, ~ for /, _ for =) to base64url (- for +, _ for /, no padding).
    std::string url;
    for (char c : cf) {
      if (c == '~')
        url.push_back('_');
      else if (c != '_')
        url.push_back(c);
    }
    return url;
  };
  EXPECT_NE(query.find("&Key-Pair-Id=K2ABC"), std::string::npos);
  const auto policy = mc::base64url_decode(value("Policy"));
  const auto signature = mc::base64url_decode(value("Signature"));
  ASSERT_TRUE(policy && signature);
  EXPECT_NE(policy->find(R"("Resource":"https://cdn.example.com/media/hls/t/v1/*")"), std::string::npos);
  EXPECT_NE(policy->find(R"("AWS:EpochTime":1800000000)"), std::string::npos);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  ASSERT_EQ(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha1(), nullptr, key.get()), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                             signature->size(), reinterpret_cast<const unsigned char*>(policy->data()),
                             policy->size()),
            1);
  EXPECT_THROW(cloudfront_signed_query("x", 1, "k", "not a key"), std::invalid_argument);
}
