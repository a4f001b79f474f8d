#include "media/images.hpp"

#include <vips/vips.h>

#include <boost/json/object.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "media/errors.hpp"
#include "media/glib_log.hpp"

namespace mc::media {
namespace {

constexpr int kMaxSide = 12000;
constexpr double kMaxPixels = 60e6;  // refuses decompression bombs before decoding them

void init_vips() {
  static std::once_flag once;
  std::call_once(once, [] {
    route_glib_messages_to_log();
    if (VIPS_INIT("musicconnect") != 0) throw ProcessingError("libvips did not initialise");
    vips_concurrency_set(1);  // the blocking pool provides the parallelism
    vips_cache_set_max(0);    // every image is seen once
  });
}

struct Unref {
  void operator()(VipsImage* i) const { g_object_unref(i); }
};
using Image = std::unique_ptr<VipsImage, Unref>;

std::string vips_error() {
  std::string e = vips_error_buffer();
  vips_error_clear();
  return e;
}

}  // namespace

const std::vector<ImageSize>& standard_sizes(ImageKind kind) {
  static const std::vector<ImageSize> avatar{{64, 64}, {128, 128}, {256, 256}, {512, 512}};
  static const std::vector<ImageSize> banner{{640, 160}, {1280, 320}, {1920, 480}};
  static const std::vector<ImageSize> artwork{{128, 128}, {256, 256}, {512, 512}, {1024, 1024}};
  static const std::vector<ImageSize> post{{640, 360}, {1280, 720}};
  static const std::vector<ImageSize> message{{1280, 1280}};
  switch (kind) {
    case ImageKind::message:
      return message;
    case ImageKind::avatar:
      return avatar;
    case ImageKind::banner:
      return banner;
    case ImageKind::post:
      return post;
    case ImageKind::artwork:
      break;
  }
  return artwork;
}

boost::json::value image_urls(const std::optional<std::string>& prefix, ImageKind kind) {
  if (!prefix || !prefix->ends_with('/')) return nullptr;
  boost::json::object urls;
  for (const auto& size : standard_sizes(kind)) {
    urls[std::to_string(size.width)] = "/media/" + *prefix + std::to_string(size.width) + ".jpg";
  }
  return urls;
}

std::vector<Rendition> render_image(const std::filesystem::path& input, ImageKind kind,
                                    const std::filesystem::path& out_dir) {
  init_vips();
  // Bounded in bytes before any decoder sees it (an embedded picture can be as large as its audio).
  std::error_code size_ec;
  const auto bytes = std::filesystem::file_size(input, size_ec);
  if (size_ec || bytes > kMaxImageBytes) {
    throw InvalidMedia("image_too_large", "Images may be at most 20 MiB");
  }
  // What it is, from its content: only the loaders of the formats we accept.
  const char* loader = vips_foreign_find_load(input.c_str());
  if (!loader) {
    vips_error_clear();
    throw InvalidMedia("unsupported_image", "The file is not a JPEG, PNG or WebP image");
  }
  const std::string name(loader);
  if (name != "VipsForeignLoadJpegFile" && name != "VipsForeignLoadPngFile" &&
      name != "VipsForeignLoadWebpFile") {
    throw InvalidMedia("unsupported_image", "The file is not a JPEG, PNG or WebP image");
  }
  Image header(vips_image_new_from_file(input.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!header) throw InvalidMedia("corrupt_image", "The image cannot be read: " + vips_error());
  const int w = vips_image_get_width(header.get());
  const int h = vips_image_get_height(header.get());
  if (w < 1 || h < 1 || w > kMaxSide || h > kMaxSide || static_cast<double>(w) * h > kMaxPixels) {
    throw InvalidMedia("image_too_large", "Images may be at most 12000 pixels a side and 60 megapixels");
  }
  header.reset();

  std::filesystem::create_directories(out_dir);
  std::vector<Rendition> out;
  for (const auto& size : standard_sizes(kind)) {
    VipsImage* raw = nullptr;
    // A message's picture keeps its shape and is only ever made smaller; the others are cropped
    // to their kind's shape.
    const int rc = kind == ImageKind::message
                       ? vips_thumbnail(input.c_str(), &raw, size.width, "height", size.height, "size",
                                        VIPS_SIZE_DOWN, "fail_on", VIPS_FAIL_ON_ERROR, nullptr)
                       : vips_thumbnail(input.c_str(), &raw, size.width, "height", size.height, "crop",
                                        VIPS_INTERESTING_CENTRE, "size", VIPS_SIZE_BOTH, "fail_on",
                                        VIPS_FAIL_ON_ERROR, nullptr);
    if (rc != 0) {
      throw InvalidMedia("corrupt_image", "The image cannot be decoded: " + vips_error());
    }
    Image thumb(raw);
    // Flatten transparency onto white, in sRGB, for JPEG.
    VipsImage* flat = nullptr;
    Image ready;
    if (vips_image_hasalpha(thumb.get())) {
      VipsArrayDouble* white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
      const int rc = vips_flatten(thumb.get(), &flat, "background", white, nullptr);
      vips_area_unref(VIPS_AREA(white));
      if (rc != 0) throw ProcessingError("could not flatten an image: " + vips_error());
      ready.reset(flat);
    } else {
      ready = std::move(thumb);
    }
    const std::filesystem::path file = out_dir / (std::to_string(size.width) + ".jpg");
    if (vips_jpegsave(ready.get(), file.c_str(), "Q", 85, "strip", TRUE, "interlace", TRUE, nullptr) != 0) {
      throw ProcessingError("could not write an image: " + vips_error());
    }
    out.push_back({vips_image_get_width(ready.get()), vips_image_get_height(ready.get()), file});
  }
  return out;
}

}  // namespace mc::media
