#pragma once
#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <string>
#include <string_view>

#include "media/images.hpp"
#include "media/storage.hpp"

namespace mc::media {

// A file a handler took from the upload spool, removed when this goes — with whatever was rendered
// from it beside it — so that a refusal before or during the work leaves nothing on disk.
class ScratchUpload {
 public:
  explicit ScratchUpload(std::filesystem::path file) : file_(std::move(file)) {}
  ScratchUpload(const ScratchUpload&) = delete;
  ScratchUpload& operator=(const ScratchUpload&) = delete;
  ~ScratchUpload();
  const std::filesystem::path& file() const { return file_; }
  std::filesystem::path work_dir() const { return file_.string() + ".renditions"; }

 private:
  std::filesystem::path file_;
};

// An uploaded picture, rendered into its kind's standard sizes and stored under a fresh prefix
// "images/<owner>/<label>-<random>/" — never over the renditions readers may still be fetching.
// Throws InvalidMedia for a file that is not a picture we take (nothing is stored then).
//
// The caller records the prefix in its transaction, then drops whichever set is dead with
// remove_images: the new one when the record was not changed, the replaced one once it was.
boost::asio::awaitable<std::string> store_image(Storage& storage, const ScratchUpload& upload, ImageKind kind,
                                                std::string owner_id, std::string label);

// Removes stored renditions off the event loop. A failure is logged, not thrown: the record no
// longer points at them, so they are unreachable either way.
boost::asio::awaitable<void> remove_images(Storage& storage, std::string prefix);

}  // namespace mc::media
