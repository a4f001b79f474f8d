#include "media/fs_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/unique_fd.hpp"

namespace mc::media {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kDefaultContentType = "application/octet-stream";

[[noreturn]] void throw_io(const std::string& what, const fs::path& path, int err) {
  throw StorageError("io", what + " " + path.string() + ": " + std::strerror(err));
}

fs::path meta_path(const fs::path& file) {
  return file.parent_path() / ("." + file.filename().string() + ".meta");
}

void write_all(int fd, const char* data, std::size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_io("cannot write", path, errno);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());  // best effort: some filesystems refuse directory fsync
}

// Writes `target` atomically: `fill` writes into a new temporary file in the same directory, which is
// flushed to disk and renamed over the target. Missing directories are created (again, if a
// concurrent remove pruned them between creating and opening).
template <class Fill>
void write_atomically(const fs::path& target, Fill&& fill) {
  const fs::path dir = target.parent_path();
  for (int attempt = 0;; ++attempt) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw StorageError("io", "cannot create directory " + dir.string() + ": " + ec.message());
    const fs::path tmp = dir / ("." + target.filename().string() + ".tmp-" + fast_random_hex(6));
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      if (errno == ENOENT && attempt < 3) continue;
      throw_io("cannot create", tmp, errno);
    }
    try {
      fill(fd.get(), tmp);
      if (::fsync(fd.get()) != 0) throw_io("cannot flush", tmp, errno);
      if (::close(fd.release()) != 0) throw_io("cannot close", tmp, errno);
      if (::rename(tmp.c_str(), target.c_str()) != 0) throw_io("cannot replace", target, errno);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
    fsync_dir(dir);
    return;
  }
}

UniqueFd open_object(const fs::path& path, std::string_view key) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw StorageNotFound(std::string(key));
    throw_io("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_io("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) throw StorageNotFound(std::string(key));
  return fd;
}

void copy_fd(int from, int to, const fs::path& from_path, const fs::path& to_path) {
  std::string buf(1 << 18, '\0');
  for (;;) {
    const ssize_t n = ::read(from, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_io("cannot read", from_path, errno);
    if (n == 0) return;
    write_all(to, buf.data(), static_cast<std::size_t>(n), to_path);
  }
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

FsStorage::FsStorage(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) throw StorageError("io", "cannot create media directory " + root_.string() + ": " + ec.message());
}

fs::path FsStorage::path_for(std::string_view key) const {
  validate_key(key);
  return root_ / fs::path(std::string(key));
}

void FsStorage::write_meta(const fs::path& file, std::string_view content_type,
                           std::string_view cache_control) {
  boost::json::object meta{{"contentType", content_type.empty() ? kDefaultContentType : content_type}};
  if (!cache_control.empty()) meta["cacheControl"] = cache_control;
  const std::string text = mc::json::serialize(meta);
  write_atomically(meta_path(file),
                   [&](int fd, const fs::path& tmp) { write_all(fd, text.data(), text.size(), tmp); });
}

// The sidecar goes first, so a reader that sees the new object also sees its metadata.
void FsStorage::put_bytes(std::string_view key, std::string_view data, std::string_view content_type,
                          std::string_view cache_control) {
  const fs::path path = path_for(key);
  write_meta(path, content_type, cache_control);
  write_atomically(path, [&](int fd, const fs::path& tmp) { write_all(fd, data.data(), data.size(), tmp); });
}

void FsStorage::put_file(std::string_view key, const fs::path& src, std::string_view content_type,
                         std::string_view cache_control) {
  const fs::path path = path_for(key);
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) throw_io("cannot open", src, errno);
  write_meta(path, content_type, cache_control);
  write_atomically(path, [&](int fd, const fs::path& tmp) { copy_fd(in.get(), fd, src, tmp); });
}

std::optional<ObjectInfo> FsStorage::head(std::string_view key) {
  const fs::path path = path_for(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw_io("cannot stat", path, errno);
  }
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  ObjectInfo info;
  info.size = static_cast<std::uint64_t>(st.st_size);
  const auto mtime_ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                        static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  info.etag = hex(info.size) + "-" + hex(mtime_ns);
  info.content_type = kDefaultContentType;
  UniqueFd meta(::open(meta_path(path).c_str(), O_RDONLY | O_CLOEXEC));
  if (meta.get() >= 0) {
    std::string text(4096, '\0');
    const ssize_t n = ::read(meta.get(), text.data(), text.size());
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    boost::system::error_code ec;
    const auto v = boost::json::parse(text, ec);
    if (!ec && v.is_object()) {
      const auto& o = v.get_object();
      if (auto* ct = o.if_contains("contentType"); ct && ct->is_string())
        info.content_type = ct->get_string();
      if (auto* cc = o.if_contains("cacheControl"); cc && cc->is_string())
        info.cache_control = cc->get_string();
    }
  }
  return info;
}

std::string FsStorage::read(std::string_view key, std::optional<ByteRange> range) {
  const fs::path path = path_for(key);
  UniqueFd fd = open_object(path, key);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_io("cannot stat", path, errno);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t offset = 0;
  std::uint64_t length = size;
  if (range) {
    if (range->offset >= size) {
      throw StorageError("InvalidRange", "range offset " + std::to_string(range->offset) +
                                             " is past the end of " + std::string(key));
    }
    offset = range->offset;
    length = std::min(range->length, size - offset);
  }
  std::string out(static_cast<std::size_t>(length), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_io("cannot read", path, errno);
    if (n == 0) break;  // truncated underneath us by a concurrent writer's rename: return what we have
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

void FsStorage::get_file(std::string_view key, const fs::path& dest) {
  const fs::path path = path_for(key);
  UniqueFd in = open_object(path, key);
  UniqueFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) throw_io("cannot create", dest, errno);
  copy_fd(in.get(), out.get(), path, dest);
}

std::optional<fs::path> FsStorage::local_path(std::string_view key) {
  const fs::path path = path_for(key);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  return path;
}

void FsStorage::remove(std::string_view key) {
  const fs::path path = path_for(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR && errno != EISDIR) {
    throw_io("cannot remove", path, errno);
  }
  ::unlink(meta_path(path).c_str());
  prune_empty_dirs(path.parent_path());
}

void FsStorage::remove_prefix(std::string_view prefix) {
  validate_prefix(prefix);
  if (prefix.empty()) throw std::invalid_argument("remove_prefix needs a non-empty prefix");
  const fs::path dir = root_ / fs::path(std::string(prefix.substr(0, prefix.size() - 1)));
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return;
  fs::remove_all(dir, ec);
  if (ec) throw StorageError("io", "cannot remove " + dir.string() + ": " + ec.message());
  prune_empty_dirs(dir.parent_path());
}

std::vector<std::string> FsStorage::list(std::string_view prefix) {
  validate_prefix(prefix);
  const fs::path base =
      prefix.empty() ? root_ : root_ / fs::path(std::string(prefix.substr(0, prefix.size() - 1)));
  std::vector<std::string> keys;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(base, ec))) return keys;
  try {
    for (auto it = fs::recursive_directory_iterator(base); it != fs::recursive_directory_iterator(); ++it) {
      if (it->path().filename().string().front() == '.') {  // sidecars, temporary files
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) keys.push_back(it->path().lexically_relative(root_).generic_string());
    }
  } catch (const fs::filesystem_error& e) {
    throw StorageError("io", std::string("cannot list ") + base.string() + ": " + e.code().message());
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string FsStorage::describe() const {
  return "fs " + root_.string();
}

// Removes directories left empty, up to (not including) the root. Stops at the first one that is not
// empty; a concurrent writer recreates what it needs (see write_atomically).
void FsStorage::prune_empty_dirs(fs::path dir) const {
  while (dir != root_ && dir.native().size() > root_.native().size()) {
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) return;
    dir = dir.parent_path();
  }
}

}  // namespace mc::media
