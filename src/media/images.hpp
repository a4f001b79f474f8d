#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace mc::media {

// Profile images (SPEC §4.2): an uploaded picture is checked (JPEG, PNG or WebP by content, bounded
// in bytes and pixels) and rendered into the standard sizes, centre-cropped to the kind's shape,
// as progressive JPEG without metadata. Blocking (libvips): run it through mc::offload.
enum class ImageKind { avatar, banner };

struct ImageSize {
  int width = 0, height = 0;
};
// avatar: 64, 128, 256, 512 squares; banner: 640×160, 1280×320, 1920×480.
const std::vector<ImageSize>& standard_sizes(ImageKind kind);

struct Rendition {
  int width = 0, height = 0;
  std::filesystem::path file;  // out_dir/<width>.jpg
};

// Throws InvalidMedia (415 unsupported_image, 422 image_too_large / corrupt_image) for files that
// are not acceptable pictures.
std::vector<Rendition> render_profile_image(const std::filesystem::path& input, ImageKind kind,
                                            const std::filesystem::path& out_dir);

}  // namespace mc::media
