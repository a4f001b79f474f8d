#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "core/crypto.hpp"
#include "media/fs_storage.hpp"

using namespace mc;
using namespace mc::media;
namespace fs = std::filesystem;

namespace {

class FsStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto_init();
    std::string templ = (fs::temp_directory_path() / "mc-fs-storage-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    storage_ = std::make_unique<FsStorage>(dir_ / "media");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_temp(const std::string& name, const std::string& data) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << data;
    return p;
  }

  // Files in the media root other than objects (temporary files, stray directories).
  std::vector<std::string> all_entries() {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "media")) {
      out.push_back(e.path().lexically_relative(dir_ / "media").generic_string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<FsStorage> storage_;
};

}  // namespace

TEST_F(FsStorageTest, bytes_round_trip_with_metadata) {
  storage_->put_bytes("uploads/u1", "hello world", "text/plain", "no-store");
  EXPECT_EQ(storage_->read("uploads/u1"), "hello world");
  const auto info = storage_->head("uploads/u1");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 11u);
  EXPECT_EQ(info->content_type, "text/plain");
  EXPECT_EQ(info->cache_control, "no-store");
  EXPECT_FALSE(info->etag.empty());
}

TEST_F(FsStorageTest, file_round_trip_and_overwrite_changes_etag) {
  std::string big(3 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 % 251);
  storage_->put_file("tracks/t1/original", write_temp("src.bin", big), "audio/flac");
  EXPECT_EQ(storage_->read("tracks/t1/original"), big);
  const auto first = storage_->head("tracks/t1/original");
  storage_->put_bytes("tracks/t1/original", "short", "audio/flac");
  EXPECT_EQ(storage_->read("tracks/t1/original"), "short");
  EXPECT_NE(storage_->head("tracks/t1/original")->etag, first->etag);

  const fs::path copy = dir_ / "copy.bin";
  storage_->get_file("tracks/t1/original", copy);
  EXPECT_EQ(fs::file_size(copy), 5u);
  // No temporary files are left behind: only the object and its sidecar.
  EXPECT_EQ(all_entries(), (std::vector<std::string>{"tracks", "tracks/t1", "tracks/t1/.original.meta",
                                                     "tracks/t1/original"}));
}

TEST_F(FsStorageTest, ranges_are_clamped_and_offsets_past_the_end_fail) {
  storage_->put_bytes("a/b", "0123456789", "application/octet-stream");
  EXPECT_EQ(storage_->read("a/b", ByteRange{2, 3}), "234");
  EXPECT_EQ(storage_->read("a/b", ByteRange{7, 100}), "789");
  EXPECT_EQ(storage_->read("a/b", ByteRange{0, 0}), "");
  try {
    storage_->read("a/b", ByteRange{10, 1});
    FAIL() << "expected InvalidRange";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.code(), "InvalidRange");
  }
}

TEST_F(FsStorageTest, missing_objects) {
  EXPECT_FALSE(storage_->head("nope/x"));
  EXPECT_THROW(storage_->read("nope/x"), StorageNotFound);
  EXPECT_THROW(storage_->get_file("nope/x", dir_ / "out"), StorageNotFound);
  EXPECT_FALSE(storage_->local_path("nope/x"));
  EXPECT_NO_THROW(storage_->remove("nope/x"));
  // A directory (a prefix of other keys) is not an object.
  storage_->put_bytes("dir/child", "x", "text/plain");
  EXPECT_FALSE(storage_->head("dir"));
  EXPECT_THROW(storage_->read("dir"), StorageNotFound);
}

TEST_F(FsStorageTest, local_path_points_at_the_object_file) {
  storage_->put_bytes("tracks/t1/hls/128/seg-00001.ts", "segment", "video/mp2t");
  const auto p = storage_->local_path("tracks/t1/hls/128/seg-00001.ts");
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, dir_ / "media" / "tracks/t1/hls/128/seg-00001.ts");
  std::ifstream in(*p);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "segment");
}

TEST_F(FsStorageTest, list_is_recursive_sorted_and_hides_sidecars) {
  for (const char* k : {"tracks/t2/original", "tracks/t1/hls/256/seg-00002.ts",
                        "tracks/t1/hls/128/seg-00001.ts", "tracks/t1/original", "uploads/u9"}) {
    storage_->put_bytes(k, "x", "application/octet-stream");
  }
  EXPECT_EQ(storage_->list("tracks/t1/"),
            (std::vector<std::string>{"tracks/t1/hls/128/seg-00001.ts", "tracks/t1/hls/256/seg-00002.ts",
                                      "tracks/t1/original"}));
  EXPECT_EQ(storage_->list("").size(), 5u);
  EXPECT_TRUE(storage_->list("missing/").empty());
}

TEST_F(FsStorageTest, remove_prefix_removes_the_subtree_only) {
  storage_->put_bytes("tracks/t1/hls/128/seg-00001.ts", "x", "video/mp2t");
  storage_->put_bytes("tracks/t1/original", "x", "audio/flac");
  storage_->put_bytes("tracks/t10/original", "x", "audio/flac");
  storage_->remove_prefix("tracks/t1/");
  EXPECT_EQ(storage_->list(""), (std::vector<std::string>{"tracks/t10/original"}));
  storage_->remove("tracks/t10/original");
  // Emptied directories are pruned up to the root.
  EXPECT_TRUE(all_entries().empty());
  EXPECT_TRUE(fs::is_directory(dir_ / "media"));
}

TEST_F(FsStorageTest, remove_prefix_does_not_touch_an_object_named_like_the_prefix) {
  storage_->put_bytes("a", "x", "text/plain");
  storage_->remove_prefix("a/");
  EXPECT_TRUE(storage_->head("a"));
}

TEST_F(FsStorageTest, keys_are_validated) {
  const std::vector<std::string> bad_keys{"",
                                          "/abs",
                                          "a//b",
                                          "a/",
                                          "../x",
                                          "a/../b",
                                          "a/./b",
                                          ".hidden",
                                          "a/.meta",
                                          "sp ace",
                                          "q?x",
                                          "back\\slash",
                                          std::string("nul\0x", 5),
                                          "\xc3\xa9"};
  for (const auto& bad : bad_keys) {
    EXPECT_THROW(storage_->put_bytes(bad, "x", "text/plain"), std::invalid_argument) << bad;
    EXPECT_THROW(storage_->head(bad), std::invalid_argument) << bad;
  }
  EXPECT_THROW(validate_key(std::string(1025, 'a')), std::invalid_argument);
  EXPECT_NO_THROW(validate_key(std::string(1024, 'a')));
  EXPECT_NO_THROW(validate_key("tracks/0190f3a2-7c1e/hls/320/seg-00001.ts"));
  EXPECT_THROW(storage_->list("tracks"), std::invalid_argument);
  EXPECT_THROW(storage_->remove_prefix(""), std::invalid_argument);
  EXPECT_THROW(storage_->remove_prefix("../"), std::invalid_argument);
  EXPECT_NO_THROW(storage_->list(""));
}

TEST_F(FsStorageTest, make_storage_builds_the_fs_backend) {
  StorageOptions options;
  options.fs_root = dir_ / "other";
  auto s = make_storage(options);
  s->put_bytes("k", "v", "text/plain");
  EXPECT_TRUE(fs::exists(dir_ / "other" / "k"));
  EXPECT_EQ(parse_storage_kind("s3"), StorageKind::s3);
  EXPECT_THROW(parse_storage_kind("gcs"), std::invalid_argument);
}
