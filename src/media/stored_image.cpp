#include "media/stored_image.hpp"

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"

namespace mc::media {

ScratchUpload::~ScratchUpload() {
  std::error_code ec;
  std::filesystem::remove(file_, ec);
  std::filesystem::remove_all(work_dir(), ec);
}

boost::asio::awaitable<std::string> store_image(Storage& storage, const ScratchUpload& upload, ImageKind kind,
                                                std::string owner_id, std::string label) {
  std::string prefix = "images/" + owner_id + "/" + label + "-" + fast_random_hex(8) + "/";
  Storage* st = &storage;
  auto render = [st, file = upload.file(), kind, dir = upload.work_dir(), prefix] {
    const auto renditions = render_image(file, kind, dir);
    try {
      for (const auto& r : renditions) {
        st->put_file(prefix + r.file.filename().string(), r.file, "image/jpeg",
                     "public, max-age=31536000, immutable");
      }
    } catch (...) {
      // Not half a set: what was stored goes with the failure (best effort; the prefix is unused).
      try {
        st->remove_prefix(prefix);
      } catch (const std::exception& e) {
        log::warn("could not remove a partly stored image", {{"prefix", prefix}, {"error", e.what()}});
      }
      throw;
    }
  };
  co_await offload(std::move(render));
  co_return prefix;
}

boost::asio::awaitable<void> remove_images(Storage& storage, std::string prefix) {
  if (prefix.empty()) co_return;
  Storage* st = &storage;
  auto remove = [st, prefix] {
    try {
      st->remove_prefix(prefix);
    } catch (const std::exception& e) {
      log::warn("could not remove stored images", {{"prefix", prefix}, {"error", e.what()}});
    }
  };
  co_await offload(std::move(remove));
}

}  // namespace mc::media
