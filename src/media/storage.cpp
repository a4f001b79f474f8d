#include "media/storage.hpp"

#include "media/fs_storage.hpp"
#include "media/s3_storage.hpp"

namespace mc::media {

namespace {

constexpr std::size_t kMaxKeyBytes = 1024;

bool segment_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// Empty string when valid, otherwise why not.
std::string key_problem(std::string_view key) {
  if (key.empty()) return "is empty";
  if (key.size() > kMaxKeyBytes) return "is longer than 1024 bytes";
  std::size_t start = 0;
  while (true) {
    const std::size_t end = key.find('/', start);
    const std::string_view segment =
        key.substr(start, end == std::string_view::npos ? key.npos : end - start);
    if (segment.empty()) return "has an empty segment";
    if (segment.front() == '.') return "has a segment starting with '.'";
    for (char c : segment) {
      if (!segment_char(c)) return "has a character outside [A-Za-z0-9._-/]";
    }
    if (end == std::string_view::npos) return {};
    start = end + 1;
  }
}

}  // namespace

void validate_key(std::string_view key) {
  if (auto problem = key_problem(key); !problem.empty()) {
    throw std::invalid_argument("invalid storage key '" + std::string(key.substr(0, 80)) + "': " + problem);
  }
}

void validate_prefix(std::string_view prefix) {
  if (prefix.empty()) return;
  if (prefix.back() != '/') {
    throw std::invalid_argument("invalid storage prefix '" + std::string(prefix.substr(0, 80)) +
                                "': must end with '/'");
  }
  if (auto problem = key_problem(prefix.substr(0, prefix.size() - 1)); !problem.empty()) {
    throw std::invalid_argument("invalid storage prefix '" + std::string(prefix.substr(0, 80)) +
                                "': " + problem);
  }
}

StorageKind parse_storage_kind(std::string_view text) {
  if (text == "fs") return StorageKind::fs;
  if (text == "s3") return StorageKind::s3;
  throw std::invalid_argument("MEDIA_STORAGE must be 'fs' or 's3', not '" + std::string(text) + "'");
}

std::unique_ptr<Storage> make_storage(const StorageOptions& options) {
  switch (options.kind) {
    case StorageKind::fs:
      return std::make_unique<FsStorage>(options.fs_root);
    case StorageKind::s3:
      return std::make_unique<S3Storage>(options.s3);
  }
  throw std::invalid_argument("unknown storage kind");
}

}  // namespace mc::media
