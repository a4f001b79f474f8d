#pragma once
#include "media/storage.hpp"

namespace mc::media {

// Objects as files under `root` (the key is the relative path). Writes go to a temporary file in the
// destination directory, are flushed to disk and renamed over the target, so a reader sees the old
// or the new object, never a partial one. Content type and cache control live in a sidecar
// `.<name>.meta` next to the file; names starting with '.' are never keys, so neither sidecars nor
// temporary files can collide with an object. The ETag is derived from size and modification time.
//
// Unlike S3, a key cannot be both an object and a prefix of other keys ("a" and "a/b"): putting the
// second fails with StorageError{"io"}.
class FsStorage final : public Storage {
 public:
  explicit FsStorage(const std::filesystem::path& root);

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

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path path_for(std::string_view key) const;
  void write_meta(const std::filesystem::path& file, std::string_view content_type,
                  std::string_view cache_control);
  void prune_empty_dirs(std::filesystem::path dir) const;

  std::filesystem::path root_;
};

}  // namespace mc::media
