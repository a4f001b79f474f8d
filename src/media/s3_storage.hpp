#pragma once
#include <memory>

#include "media/storage.hpp"

namespace mc::media {

// Any S3-compatible service over libcurl, requests signed with AWS Signature Version 4 (payload
// hashes computed by streaming, never by loading a file). Files above `multipart_threshold` go up as a
// multipart upload that is aborted if any step fails. Idle connections are kept for reuse.
// Thread-safe: calls may run concurrently on the offload pool.
class S3Storage final : public Storage {
 public:
  // Throws std::invalid_argument for an unusable endpoint, bucket, credentials or part size.
  explicit S3Storage(S3Options options);
  ~S3Storage() override;

  void put_file(std::string_view key, const std::filesystem::path& src, std::string_view content_type,
                std::string_view cache_control = {}) override;
  void put_bytes(std::string_view key, std::string_view data, std::string_view content_type,
                 std::string_view cache_control = {}) override;
  std::optional<ObjectInfo> head(std::string_view key) override;
  std::string read(std::string_view key, std::optional<ByteRange> range = {}) override;
  void get_file(std::string_view key, const std::filesystem::path& dest) override;
  std::optional<std::filesystem::path> local_path(std::string_view key) override;
  void remove(std::string_view key) override;
  void remove_prefix(std::string_view prefix) override;
  std::vector<std::string> list(std::string_view prefix) override;
  std::string describe() const override;

  // PUT Bucket; succeeds when the bucket already exists and is ours. For first-time setup and tests.
  void create_bucket();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mc::media
