// The signer against the worked examples in AWS's S3 documentation ("Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk"), which publish the canonical request,
// the string to sign and the signature for fixed credentials and a fixed date.
#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "media/sigv4.hpp"

using namespace mc;
using namespace mc::media;

namespace {

const sigv4::Credentials kAws{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
constexpr std::string_view kDate = "20130524T000000Z";
constexpr std::string_view kHost = "examplebucket.s3.amazonaws.com";
const std::string kEmpty(sigv4::kEmptyPayloadHash);

sigv4::Signed sign_aws(sigv4::Request r) {
  return sigv4::sign(r, kAws, "us-east-1", "s3", kDate);
}

}  // namespace

TEST(SigV4, signing_key_matches_the_documented_derivation) {
  crypto_init();
  EXPECT_EQ(to_hex(sigv4::signing_key(kAws.secret_access_key, "20130524", "us-east-1", "s3")),
            "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378");
}

TEST(SigV4, get_object_with_range_matches_aws_example) {
  const auto s = sign_aws({"GET",
                           "/test.txt",
                           {},
                           {{"Host", std::string(kHost)},
                            {"Range", "bytes=0-9"},
                            {"x-amz-content-sha256", kEmpty},
                            {"x-amz-date", std::string(kDate)}},
                           kEmpty});
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, put_object_with_encoded_key_matches_aws_example) {
  const std::string payload = to_hex(sha256("Welcome to Amazon S3."));
  ASSERT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const auto s = sign_aws({"PUT",
                           "/" + sigv4::uri_encode("test$file.text", true),
                           {},
                           {{"Host", std::string(kHost)},
                            {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                            {"x-amz-date", std::string(kDate)},
                            {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                            {"x-amz-content-sha256", payload}},
                           payload});
  EXPECT_EQ(s.canonical_request,
            "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
            "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, get_bucket_lifecycle_subresource_matches_aws_example) {
  const auto s = sign_aws(
      {"GET",
       "/",
       {{"lifecycle", ""}},
       {{"Host", std::string(kHost)}, {"x-amz-date", std::string(kDate)}, {"x-amz-content-sha256", kEmpty}},
       kEmpty});
  EXPECT_EQ(s.canonical_request.substr(0, 17), "GET\n/\nlifecycle=\n");
  EXPECT_EQ(s.string_to_sign.substr(s.string_to_sign.rfind('\n') + 1),
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, list_objects_query_is_sorted_and_matches_aws_example) {
  const auto s = sign_aws(
      {"GET",
       "/",
       {{"prefix", "J"}, {"max-keys", "2"}},  // out of order on purpose
       {{"Host", std::string(kHost)}, {"x-amz-date", std::string(kDate)}, {"x-amz-content-sha256", kEmpty}},
       kEmpty});
  EXPECT_EQ(s.canonical_request.substr(0, 26), "GET\n/\nmax-keys=2&prefix=J\n");
  EXPECT_EQ(s.string_to_sign.substr(s.string_to_sign.rfind('\n') + 1),
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, a_different_secret_or_payload_changes_the_signature) {
  const sigv4::Request r{
      "PUT", "/k", {}, {{"host", "h"}, {"x-amz-date", std::string(kDate)}}, std::string(64, 'a')};
  const auto base = sign_aws(r);
  EXPECT_NE(sigv4::sign(r, {kAws.access_key_id, "other"}, "us-east-1", "s3", kDate).signature,
            base.signature);
  auto other_payload = r;
  other_payload.payload_hash = std::string(64, 'b');
  EXPECT_NE(sign_aws(other_payload).signature, base.signature);
  EXPECT_NE(sigv4::sign(r, kAws, "eu-west-1", "s3", kDate).signature, base.signature);
}

TEST(SigV4, header_values_are_trimmed_and_runs_of_spaces_collapsed) {
  const auto s = sign_aws({"GET", "/", {}, {{"X-Amz-Meta-A", "  one   two  "}, {"host", "h"}}, kEmpty});
  EXPECT_NE(s.canonical_request.find("\nhost:h\nx-amz-meta-a:one two\n\nhost;x-amz-meta-a\n"),
            std::string::npos)
      << s.canonical_request;
}

TEST(SigV4, uri_encoding_follows_s3_rules) {
  EXPECT_EQ(sigv4::uri_encode("A-z_0.9~", false), "A-z_0.9~");
  EXPECT_EQ(sigv4::uri_encode("a b+c", false), "a%20b%2Bc");
  EXPECT_EQ(sigv4::uri_encode("tracks/1/seg 1.ts", true), "tracks/1/seg%201.ts");
  EXPECT_EQ(sigv4::uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(sigv4::uri_encode("!'()*$=&?#%", true), "%21%27%28%29%2A%24%3D%26%3F%23%25");
  EXPECT_EQ(sigv4::uri_encode("\xc3\xa9", true), "%C3%A9");
  // Continuation tokens are base64: '+', '/' and '=' must be encoded in the query.
  EXPECT_EQ(sigv4::canonical_query({{"continuation-token", "1/a+b=="}, {"list-type", "2"}}),
            "continuation-token=1%2Fa%2Bb%3D%3D&list-type=2");
}

TEST(SigV4, amz_date_is_compact_utc) {
  EXPECT_EQ(sigv4::amz_date(std::chrono::system_clock::time_point(std::chrono::seconds(1369353600))), kDate);
}
