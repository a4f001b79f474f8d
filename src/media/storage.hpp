#pragma once
// Media storage: one blocking interface over the local filesystem and S3-compatible services.
// Every call may touch the disk or the network: call it through mc::offload, never on an event loop.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mc::media {

struct ObjectInfo {
  std::uint64_t size = 0;
  std::string content_type;
  std::string etag;  // opaque validator, without surrounding quotes
  std::string cache_control;
};

struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // clamped to the end of the object
};

// A storage operation failed. `code` is the S3 error code when the service sent one
// (`NoSuchBucket`, `SlowDown`, …), otherwise one of ours: `io`, `transport`, `InvalidRange`.
class StorageError : public std::runtime_error {
 public:
  StorageError(std::string code, const std::string& message, int http_status = 0)
      : std::runtime_error(message), code_(std::move(code)), http_status_(http_status) {}
  const std::string& code() const { return code_; }
  int http_status() const { return http_status_; }  // 0 when there was no HTTP response

 private:
  std::string code_;
  int http_status_;
};

// read()/get_file() of a key that does not exist.
class StorageNotFound : public StorageError {
 public:
  explicit StorageNotFound(const std::string& key, int http_status = 0)
      : StorageError("NoSuchKey", "storage object not found: " + key, http_status) {}
};

// The service refused our credentials or signature (wrong key id or secret, expired token, denied).
class StorageAuthError : public StorageError {
 public:
  using StorageError::StorageError;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Stores a file's contents under `key`, replacing any object there. Readers see the old or the new
  // object, never a partial one.
  virtual void put_file(std::string_view key, const std::filesystem::path& src, std::string_view content_type,
                        std::string_view cache_control = {}) = 0;
  virtual void put_bytes(std::string_view key, std::string_view data, std::string_view content_type,
                         std::string_view cache_control = {}) = 0;

  virtual std::optional<ObjectInfo> head(std::string_view key) = 0;

  // The object's bytes, or `range` of them. Throws StorageNotFound for a missing key and
  // StorageError{"InvalidRange"} when range->offset is at or past the end.
  virtual std::string read(std::string_view key, std::optional<ByteRange> range = {}) = 0;
  // Copies the object into `dest` (created or truncated) without holding it in memory.
  virtual void get_file(std::string_view key, const std::filesystem::path& dest) = 0;

  // The object's file when this backend keeps objects as local files (fs) and the key exists, so the
  // HTTP layer can send it without a copy; nullopt otherwise (always for S3).
  virtual std::optional<std::filesystem::path> local_path(std::string_view key) = 0;

  // Removing a missing key is not an error.
  virtual void remove(std::string_view key) = 0;
  // Removes every object under `prefix`, which must be non-empty and end with '/'.
  virtual void remove_prefix(std::string_view prefix) = 0;
  // Every key under `prefix` ("" or ending with '/'), recursively, in byte order.
  virtual std::vector<std::string> list(std::string_view prefix) = 0;

  // Where objects go, for the startup log (never includes credentials).
  virtual std::string describe() const = 0;
};

// Keys are relative paths of segments joined by '/': each segment non-empty, made of
// [A-Za-z0-9._-] and not starting with '.'; at most 1024 bytes in all. Throws std::invalid_argument.
void validate_key(std::string_view key);
// A prefix is "" or a valid key followed by '/'. Throws std::invalid_argument.
void validate_prefix(std::string_view prefix);

struct S3Options {
  std::string endpoint;  // http(s)://host[:port]; e.g. https://s3.eu-west-1.amazonaws.com
  std::string region = "us-east-1";
  std::string bucket;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;                        // temporary credentials only
  bool force_path_style = false;                    // endpoint/bucket/key instead of bucket.endpoint/key
  std::uint64_t multipart_threshold = 16ull << 20;  // put_file above this size uses multipart upload
  std::uint64_t part_size = 8ull << 20;             // S3 requires >= 5 MiB for all parts but the last

  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60000};     // whole request, small bodies
  std::chrono::milliseconds transfer_timeout{1800000};  // whole request, object bodies
  std::chrono::milliseconds stall_timeout{30000};       // object bodies: abort below 1 KiB/s this long
  unsigned max_attempts = 3;                            // transport errors and 5xx are retried
  unsigned list_page_size = 1000;                       // ListObjectsV2 max-keys

  // Test only: libcurl CURLOPT_CONNECT_TO entries ("HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT"), so
  // a virtual-hosted bucket name can reach a server on loopback without DNS. Leave empty in production.
  std::vector<std::string> test_connect_to;
};

enum class StorageKind { fs, s3 };
// "fs" | "s3"; throws std::invalid_argument otherwise.
StorageKind parse_storage_kind(std::string_view text);

struct StorageOptions {
  StorageKind kind = StorageKind::fs;
  std::filesystem::path fs_root = "var/media";
  S3Options s3;
};

// Throws std::invalid_argument for incomplete options.
std::unique_ptr<Storage> make_storage(const StorageOptions& options);

}  // namespace mc::media
