#pragma once
#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mc::media {

// Pictures from users — profile images (SPEC §4.2) and the cover art embedded in uploads (§4.4):
// checked (JPEG, PNG or WebP by content, bounded in bytes and pixels) and rendered into the
// standard sizes, centre-cropped to the kind's shape, as progressive JPEG without metadata. Only
// the renditions are ever served, never the bytes as uploaded. Blocking (libvips): run it through
// mc::offload.
enum class ImageKind { avatar, banner, artwork, post, message };

struct ImageSize {
  int width = 0, height = 0;
};
// avatar: 64, 128, 256, 512 squares; banner: 640×160, 1280×320, 1920×480; artwork: 128, 256,
// 512, 1024 squares; post (a picture in an artist's post): 640×360, 1280×720 (16:9); message (a
// direct-message attachment): one rendition that fits within 1280×1280 in its own shape, never
// cropped and never enlarged (its width and height are the Rendition's).
const std::vector<ImageSize>& standard_sizes(ImageKind kind);

struct Rendition {
  int width = 0, height = 0;
  std::filesystem::path file;  // out_dir/<width>.jpg
};

inline constexpr std::uintmax_t kMaxImageBytes = std::uintmax_t{20} << 20;

// Throws InvalidMedia (415 unsupported_image, 422 image_too_large / corrupt_image) for files that
// are not acceptable pictures.
std::vector<Rendition> render_image(const std::filesystem::path& input, ImageKind kind,
                                    const std::filesystem::path& out_dir);

// The public URL of each standard size under an image prefix ("images/<artist>/avatar-…/",
// "artwork/<track>/v3/"), by width: {"64": "/media/images/…/64.jpg", …}. Null for a missing
// prefix, or a key that is not a prefix (artwork of versions before the renditions: one file).
boost::json::value image_urls(const std::optional<std::string>& prefix, ImageKind kind);

}  // namespace mc::media
