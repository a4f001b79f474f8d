// S3Storage against a real S3-compatible server on loopback (s3rver behind a SigV4-verifying front,
// see s3_harness.hpp), with path-style and virtual-hosted-style addressing. Each test gets its own
// bucket, created through the client.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "core/crypto.hpp"
#include "media/s3_storage.hpp"
#include "s3_harness.hpp"

using namespace mc;
using namespace mc::media;
namespace fs = std::filesystem;

namespace {

enum class Style { path, vhost };

S3Options options_for(const test::S3Server& server, Style style, const std::string& bucket) {
  S3Options o;
  if (style == Style::path) {
    o.endpoint = "http://127.0.0.1:" + std::to_string(server.port);
    o.force_path_style = true;
  } else {
    // <bucket>.s3.localhost:<port>; CONNECT_TO sends every name to loopback without DNS.
    o.endpoint = "http://s3.localhost:" + std::to_string(server.port);
    o.force_path_style = false;
    o.test_connect_to = {"::127.0.0.1:"};
  }
  o.region = server.region;
  o.bucket = bucket;
  o.access_key_id = server.access_key_id;
  o.secret_access_key = server.secret_access_key;
  o.connect_timeout = std::chrono::seconds(2);
  o.request_timeout = std::chrono::seconds(30);
  return o;
}

std::string pattern(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

int injected_failures() {
  return boost::json::parse(test::s3_server_get("/__mc/stats")).at("injectedFailures").to_number<int>();
}

class S3StorageTest : public ::testing::TestWithParam<Style> {
 protected:
  void SetUp() override {
    crypto_init();
    try {
      server_ = &test::s3_server();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    bucket_ = "mc-" + fast_random_hex(6);
    options_ = options_for(*server_, GetParam(), bucket_);
    storage_ = std::make_unique<S3Storage>(options_);
    storage_->create_bucket();
    std::string templ = (fs::temp_directory_path() / "mc-s3-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    tmp_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }

  std::unique_ptr<S3Storage> with(const std::function<void(S3Options&)>& tweak) {
    S3Options o = options_;
    tweak(o);
    return std::make_unique<S3Storage>(o);
  }

  fs::path write_temp(const std::string& name, const std::string& data) {
    fs::path p = tmp_ / name;
    std::ofstream(p, std::ios::binary) << data;
    return p;
  }

  std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // s3rver keeps unfinished multipart uploads here.
  bool has_unfinished_uploads() {
    const fs::path dir = server_->data_dir / bucket_ / "._S3rver_uploads";
    std::error_code ec;
    return fs::exists(dir, ec) && !fs::is_empty(dir, ec);
  }

  const test::S3Server* server_ = nullptr;
  std::string bucket_;
  S3Options options_;
  std::unique_ptr<S3Storage> storage_;
  fs::path tmp_;
};

}  // namespace

TEST_P(S3StorageTest, put_bytes_then_head_and_ranged_reads) {
  const std::string data = "0123456789abcdef";
  storage_->put_bytes("uploads/u1", data, "text/plain", "public, max-age=31536000, immutable");
  const auto info = storage_->head("uploads/u1");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->content_type, "text/plain");
  EXPECT_EQ(info->cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(info->etag, to_hex(md5(data)));  // a single PUT's ETag is the body's MD5: it arrived intact
  EXPECT_EQ(storage_->read("uploads/u1"), data);
  EXPECT_EQ(storage_->read("uploads/u1", ByteRange{10, 4}), "abcd");
  EXPECT_EQ(storage_->read("uploads/u1", ByteRange{12, 100}), "cdef");
  EXPECT_EQ(storage_->read("uploads/u1", ByteRange{3, 0}), "");
  try {
    storage_->read("uploads/u1", ByteRange{16, 1});
    FAIL() << "expected InvalidRange";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.code(), "InvalidRange");
  }
  EXPECT_FALSE(storage_->local_path("uploads/u1"));
}

TEST_P(S3StorageTest, put_file_and_get_file_round_trip) {
  const std::string data = pattern(300 * 1024, 1);
  storage_->put_file("tracks/t1/original", write_temp("in.flac", data), "audio/flac");
  const fs::path out = tmp_ / "out.flac";
  storage_->get_file("tracks/t1/original", out);
  EXPECT_EQ(slurp(out), data);
  EXPECT_EQ(storage_->head("tracks/t1/original")->content_type, "audio/flac");
  // Overwrite in place.
  storage_->put_bytes("tracks/t1/original", "v2", "audio/flac");
  EXPECT_EQ(storage_->read("tracks/t1/original"), "v2");
}

TEST_P(S3StorageTest, list_follows_continuation_tokens_across_pages) {
  auto paged = with([](S3Options& o) { o.list_page_size = 3; });
  std::vector<std::string> expected;
  for (int i = 1; i <= 8; ++i) {
    char key[64];
    std::snprintf(key, sizeof key, "tracks/t1/hls/128/seg-%05d.ts", i);
    expected.push_back(key);
    paged->put_bytes(key, "segment", "video/mp2t");
  }
  paged->put_bytes("tracks/t10/original", "x", "audio/flac");  // shares the string prefix "tracks/t1"
  paged->put_bytes("uploads/u1", "x", "application/octet-stream");
  EXPECT_EQ(paged->list("tracks/t1/"), expected);  // 8 keys, pages of 3
  EXPECT_EQ(paged->list("").size(), 10u);
  EXPECT_TRUE(paged->list("missing/").empty());
}

TEST_P(S3StorageTest, remove_and_remove_prefix) {
  for (const char* key : {"tracks/t1/hls/128/seg-00001.ts", "tracks/t1/hls/256/seg-00001.ts",
                          "tracks/t1/original", "tracks/t10/original"}) {
    storage_->put_bytes(key, "x", "application/octet-stream");
  }
  storage_->remove_prefix("tracks/t1/");
  EXPECT_EQ(storage_->list(""), (std::vector<std::string>{"tracks/t10/original"}));
  storage_->remove("tracks/t10/original");
  EXPECT_FALSE(storage_->head("tracks/t10/original"));
  EXPECT_NO_THROW(storage_->remove("tracks/t10/original"));  // idempotent
  EXPECT_NO_THROW(storage_->remove_prefix("tracks/none/"));
}

TEST_P(S3StorageTest, large_file_goes_up_as_a_multipart_upload) {
  auto mp = with([](S3Options& o) {
    o.multipart_threshold = 5ull << 20;
    o.part_size = 5ull << 20;
  });
  const std::string data = pattern(12ull << 20, 2);  // parts of 5, 5 and 2 MiB
  mp->put_file("tracks/t1/original", write_temp("big.wav", data), "audio/wav", "private");
  const auto info = mp->head("tracks/t1/original");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->content_type, "audio/wav");
  EXPECT_EQ(info->cache_control, "private");
  // Across the first part boundary.
  EXPECT_EQ(mp->read("tracks/t1/original", ByteRange{(5ull << 20) - 3, 6}), data.substr((5ull << 20) - 3, 6));
  const fs::path out = tmp_ / "big.out";
  mp->get_file("tracks/t1/original", out);
  EXPECT_TRUE(slurp(out) == data);
  EXPECT_FALSE(has_unfinished_uploads());
}

TEST_P(S3StorageTest, failed_multipart_upload_is_retried_then_aborted) {
  auto mp = with([](S3Options& o) {
    o.multipart_threshold = 5ull << 20;
    o.part_size = 5ull << 20;
    o.max_attempts = 2;
  });
  const int before = injected_failures();
  // The test server fails part 2 of keys ending in "fail-part-2" with 500 InternalError.
  try {
    mp->put_file("uploads/fail-part-2", write_temp("big.bin", pattern(11ull << 20, 3)), "audio/wav");
    FAIL() << "expected the upload to fail";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.code(), "InternalError");
    EXPECT_EQ(e.http_status(), 500);
  }
  EXPECT_EQ(injected_failures() - before, 2);  // one retry
  EXPECT_FALSE(has_unfinished_uploads());      // part 1 was stored, then the upload aborted
  EXPECT_FALSE(mp->head("uploads/fail-part-2"));
}

TEST_P(S3StorageTest, missing_key_is_not_found) {
  EXPECT_FALSE(storage_->head("uploads/missing"));
  EXPECT_THROW(storage_->read("uploads/missing"), StorageNotFound);
  EXPECT_THROW(storage_->read("uploads/missing", ByteRange{0, 0}), StorageNotFound);
  EXPECT_THROW(storage_->get_file("uploads/missing", tmp_ / "x"), StorageNotFound);
  EXPECT_FALSE(fs::exists(tmp_ / "x"));
}

TEST_P(S3StorageTest, missing_bucket_is_a_clear_error_not_a_missing_key) {
  auto other = with([](S3Options& o) { o.bucket = "mc-no-such-bucket"; });
  try {
    other->read("uploads/u1");
    FAIL() << "expected NoSuchBucket";
  } catch (const StorageNotFound&) {
    FAIL() << "a missing bucket must not look like a missing key";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.code(), "NoSuchBucket");
    EXPECT_EQ(e.http_status(), 404);
  }
}

TEST_P(S3StorageTest, wrong_secret_is_an_auth_error) {
  storage_->put_bytes("uploads/u1", "x", "text/plain");
  auto bad = with([](S3Options& o) { o.secret_access_key = "not-the-secret"; });
  try {
    bad->put_bytes("uploads/u2", "x", "text/plain");
    FAIL() << "expected an auth error";
  } catch (const StorageAuthError& e) {
    EXPECT_EQ(e.code(), "SignatureDoesNotMatch");
    EXPECT_EQ(e.http_status(), 403);
    const std::string what = e.what();
    EXPECT_NE(what.find("S3_SECRET_ACCESS_KEY"), std::string::npos) << what;
    EXPECT_EQ(what.find("not-the-secret"), std::string::npos) << what;
  }
  EXPECT_THROW(bad->read("uploads/u1"), StorageAuthError);
  EXPECT_THROW(bad->head("uploads/u1"), StorageAuthError);  // HEAD: a 403 without a body
  EXPECT_THROW(bad->list(""), StorageAuthError);
  EXPECT_FALSE(storage_->head("uploads/u2"));
}

TEST_P(S3StorageTest, unknown_access_key_is_an_auth_error) {
  auto bad = with([](S3Options& o) { o.access_key_id = "AKIANOBODY"; });
  try {
    bad->read("uploads/u1");
    FAIL() << "expected an auth error";
  } catch (const StorageAuthError& e) {
    EXPECT_EQ(e.code(), "InvalidAccessKeyId");
  }
}

TEST_P(S3StorageTest, wrong_region_is_an_auth_error) {
  auto bad = with([](S3Options& o) { o.region = "eu-west-1"; });
  EXPECT_THROW(bad->read("uploads/u1"), StorageAuthError);
}

TEST_P(S3StorageTest, create_bucket_is_idempotent_and_keys_are_checked_before_any_request) {
  EXPECT_NO_THROW(storage_->create_bucket());
  EXPECT_THROW(storage_->put_bytes("../etc/passwd", "x", "text/plain"), std::invalid_argument);
  EXPECT_THROW(storage_->read("a//b"), std::invalid_argument);
  EXPECT_THROW(storage_->remove_prefix(""), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(S3, S3StorageTest, ::testing::Values(Style::path, Style::vhost),
                         [](const ::testing::TestParamInfo<Style>& info) {
                           return info.param == Style::path ? "path_style" : "virtual_hosted_style";
                         });

TEST(S3StorageSetup, unreachable_endpoint_is_a_transport_error) {
  S3Options o;
  o.endpoint = "http://127.0.0.1:1";
  o.force_path_style = true;
  o.bucket = "mc-test";
  o.access_key_id = "k";
  o.secret_access_key = "s";
  o.max_attempts = 1;
  S3Storage storage(o);
  try {
    storage.read("uploads/u1");
    FAIL() << "expected a transport error";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.code(), "transport");
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
}

TEST(S3StorageSetup, unusable_options_are_rejected) {
  S3Options good;
  good.endpoint = "https://s3.eu-west-1.amazonaws.com";
  good.region = "eu-west-1";
  good.bucket = "mc-media";
  good.access_key_id = "k";
  good.secret_access_key = "s";
  EXPECT_NO_THROW(S3Storage{good});
  EXPECT_EQ(S3Storage(good).describe(),
            "s3 https://mc-media.s3.eu-west-1.amazonaws.com/ (virtual-hosted-style, region eu-west-1)");
  auto rejects = [&](const std::function<void(S3Options&)>& tweak) {
    S3Options o = good;
    tweak(o);
    EXPECT_THROW(S3Storage{o}, std::invalid_argument);
  };
  rejects([](S3Options& o) { o.endpoint = "s3.amazonaws.com"; });
  rejects([](S3Options& o) { o.endpoint = "ftp://s3.amazonaws.com"; });
  rejects([](S3Options& o) { o.endpoint = "http://127.0.0.1:9000"; });  // virtual-hosted needs a name
  rejects([](S3Options& o) { o.bucket = "Bad_Bucket"; });
  rejects([](S3Options& o) { o.secret_access_key.clear(); });
  rejects([](S3Options& o) { o.part_size = 1 << 20; });
  StorageOptions s3;
  s3.kind = StorageKind::s3;
  s3.s3 = good;
  s3.s3.force_path_style = true;
  EXPECT_EQ(make_storage(s3)->describe(),
            "s3 https://s3.eu-west-1.amazonaws.com/mc-media (path-style, region eu-west-1)");
}
