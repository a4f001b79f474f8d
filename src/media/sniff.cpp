#include "media/sniff.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "media/errors.hpp"

namespace mc::media {

namespace {

constexpr std::size_t kHeadBytes = std::size_t{64} * 1024;
constexpr std::size_t kOggTailBytes = std::size_t{128} * 1024;  // a page is at most 65,307 bytes

std::uint8_t byte(std::string_view s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i]);
}

std::uint32_t le32(std::string_view s, std::size_t i) {
  return byte(s, i) | byte(s, i + 1) << 8 | byte(s, i + 2) << 16 |
         static_cast<std::uint32_t>(byte(s, i + 3)) << 24;
}

std::uint32_t be32(std::string_view s, std::size_t i) {
  return static_cast<std::uint32_t>(byte(s, i)) << 24 | byte(s, i + 1) << 16 | byte(s, i + 2) << 8 |
         byte(s, i + 3);
}

bool starts(std::string_view s, std::string_view prefix, std::size_t at = 0) {
  return s.size() >= at + prefix.size() && s.substr(at, prefix.size()) == prefix;
}

[[noreturn]] void refuse(const char* code, const std::string& message) {
  throw InvalidMedia(code, message);
}

// ---- MPEG audio and ADTS frame headers -------------------------------------------------------

struct Frame {
  std::size_t length = 0;
  int layer = 0;          // 1, 2, 3 (MPEG audio); 0 for ADTS
  std::uint32_t key = 0;  // fields that stay the same from frame to frame
};

std::optional<Frame> mpeg_audio_frame(std::string_view s, std::size_t at) {
  if (s.size() < at + 4) return std::nullopt;
  const std::uint8_t b1 = byte(s, at + 1), b2 = byte(s, at + 2);
  if (byte(s, at) != 0xFF || (b1 & 0xE0) != 0xE0) return std::nullopt;
  const int version = (b1 >> 3) & 3;  // 0: 2.5, 1: reserved, 2: 2, 3: 1
  const int layer_bits = (b1 >> 1) & 3;
  const int bitrate_index = b2 >> 4, rate_index = (b2 >> 2) & 3, padding = (b2 >> 1) & 1;
  if (version == 1 || layer_bits == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3) {
    return std::nullopt;
  }
  const int layer = 4 - layer_bits;
  static constexpr int kV1[3][14] = {{32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
                                     {32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
                                     {32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}};
  static constexpr int kV2[2][14] = {{32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
                                     {8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}};
  static constexpr int kRates[3] = {44100, 48000, 32000};
  const int kbps =
      version == 3 ? kV1[layer - 1][bitrate_index - 1] : kV2[layer == 1 ? 0 : 1][bitrate_index - 1];
  const int rate = kRates[rate_index] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
  const long bps = kbps * 1000L;
  long length = 0;
  if (layer == 1) {
    length = (12 * bps / rate + padding) * 4;
  } else if (layer == 2 || version == 3) {
    length = 144 * bps / rate + padding;
  } else {
    length = 72 * bps / rate + padding;
  }
  return Frame{static_cast<std::size_t>(length), layer, static_cast<std::uint32_t>(b1) << 8 | (b2 & 0x0C)};
}

std::optional<Frame> adts_frame(std::string_view s, std::size_t at) {
  if (s.size() < at + 7) return std::nullopt;
  const std::uint8_t b1 = byte(s, at + 1), b2 = byte(s, at + 2);
  if (byte(s, at) != 0xFF || (b1 & 0xF6) != 0xF0) return std::nullopt;  // 12-bit sync, layer 00
  if (((b2 >> 2) & 0x0F) > 12) return std::nullopt;                     // sampling frequency index
  const std::size_t length =
      static_cast<std::size_t>(byte(s, at + 3) & 3) << 11 | byte(s, at + 4) << 3 | byte(s, at + 5) >> 5;
  if (length < 7) return std::nullopt;
  return Frame{length, 0, static_cast<std::uint32_t>(b1) << 8 | (b2 & 0xFC)};
}

// A run of frames, each starting where the previous one ends, with the same stream parameters.
// Three in a row (or fewer that end exactly at the end of the file) rule out chance byte patterns.
template <class Parse>
std::optional<Frame> frame_chain(std::string_view s, std::size_t at, bool at_end, Parse parse) {
  std::optional<Frame> first;
  std::size_t pos = at;
  for (int count = 0; count < 3; ++count) {
    const auto f = parse(s, pos);
    if (!f || (first && f->key != first->key)) return std::nullopt;
    if (!first) first = f;
    pos += f->length;
    if (at_end && pos == s.size()) break;  // a short file whose frames end exactly at its end
  }
  return first;
}

// ---- Ogg --------------------------------------------------------------------------------------

std::uint32_t ogg_crc(std::string_view page) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t r = i << 24;
      for (int k = 0; k < 8; ++k) r = (r & 0x80000000u) ? (r << 1) ^ 0x04C11DB7u : r << 1;
      t[i] = r;
    }
    return t;
  }();
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < page.size(); ++i) {
    const std::uint8_t b = (i >= 22 && i < 26) ? 0 : byte(page, i);  // the CRC field counts as zero
    crc = (crc << 8) ^ table[((crc >> 24) ^ b) & 0xFF];
  }
  return crc;
}

// Length of a complete Ogg page at `at` (its checksum unchecked), or 0.
std::size_t ogg_page_length(std::string_view s, std::size_t at) {
  if (!starts(s, "OggS", at) || s.size() < at + 27 || byte(s, at + 4) != 0) return 0;
  const std::size_t segments = byte(s, at + 26);
  if (s.size() < at + 27 + segments) return 0;
  std::size_t body = 0;
  for (std::size_t i = 0; i < segments; ++i) body += byte(s, at + 27 + i);
  const std::size_t length = 27 + segments + body;
  return s.size() < at + length ? 0 : length;
}

// A stream cut short ends without a complete end-of-stream page.
void check_ogg_end(std::string_view tail) {
  const OggTail last = scan_ogg_tail(tail);
  if (!last.found) {
    refuse("truncated_or_corrupt", "The end of the Ogg stream is damaged: the file is truncated or corrupt");
  }
  if (!last.end_of_stream) {
    refuse("truncated_or_corrupt", "The Ogg stream ends without its last page: the file is truncated");
  }
}

// ---- ISO BMFF ---------------------------------------------------------------------------------

bool image_brand(std::string_view brand) {
  static constexpr std::string_view kImage[] = {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1",
                                                "msf1", "avif", "avis", "jpeg", "jp2 ", "crx "};
  return std::find(std::begin(kImage), std::end(kImage), brand) != std::end(kImage);
}

Format classify_iso_bmff(std::string_view head) {
  const std::size_t box = std::min<std::size_t>(be32(head, 0), head.size());
  bool image = false;
  for (std::size_t at = 8; at + 4 <= box; at += at == 8 ? 8 : 4) {  // major brand, minor version, compatibles
    image = image || image_brand(head.substr(at, 4));
  }
  if (image) refuse("not_audio", "The file is an image (HEIF/AVIF), not audio");
  // Audio (M4A/M4B) and generic (isom, mp42, ...) brands alike: the probe decides from the tracks.
  return Format::m4a;
}

// ---- Everything else --------------------------------------------------------------------------

bool looks_like_text(std::string_view head) {
  const std::size_t n = std::min<std::size_t>(head.size(), 4096);
  std::size_t printable = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t c = byte(head, i);
    if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0x7F)) ++printable;
  }
  return n > 0 && printable == n;
}

const char* not_audio_kind(std::string_view h) {
  if (starts(h, "\x89PNG\r\n\x1a\n")) return "a PNG image";
  if (starts(h, "\xFF\xD8\xFF")) return "a JPEG image";
  if (starts(h, "GIF87a") || starts(h, "GIF89a")) return "a GIF image";
  if (starts(h, "RIFF") && starts(h, "WEBP", 8)) return "a WebP image";
  if (starts(h, std::string_view("II*\0", 4)) || starts(h, std::string_view("MM\0*", 4)))
    return "a TIFF image";
  if (starts(h, "BM") && h.size() >= 14 && le32(h, 2) > 14 && byte(h, 6) == 0 && byte(h, 7) == 0) {
    return "a BMP image";
  }
  if (starts(h, "RIFF") && starts(h, "AVI ", 8)) return "an AVI video";
  if (starts(h, "FLV\x01")) return "a Flash video";
  if (starts(h, "%PDF-")) return "a PDF document";
  if (starts(h, "PK\x03\x04")) return "a ZIP archive";
  return nullptr;
}

}  // namespace

std::string_view to_string(Format format) {
  switch (format) {
    case Format::mp3:
      return "mp3";
    case Format::wav:
      return "wav";
    case Format::flac:
      return "flac";
    case Format::aiff:
      return "aiff";
    case Format::m4a:
      return "m4a";
    case Format::aac:
      return "aac";
    case Format::ogg_vorbis:
      return "ogg_vorbis";
    case Format::opus:
      return "opus";
  }
  return "unknown";
}

std::string_view demuxer_name(Format format) {
  switch (format) {
    case Format::mp3:
      return "mp3";
    case Format::wav:
      return "wav";
    case Format::flac:
      return "flac";
    case Format::aiff:
      return "aiff";
    case Format::m4a:
      return "mov";
    case Format::aac:
      return "aac";
    case Format::ogg_vorbis:
    case Format::opus:
      return "ogg";
  }
  return "";
}

OggTail scan_ogg_tail(std::string_view tail) {
  OggTail out;
  for (std::size_t at = tail.rfind("OggS"); at != std::string_view::npos; at = tail.rfind("OggS", at - 1)) {
    const std::size_t length = ogg_page_length(tail, at);
    if (length != 0) {
      if (out.checksummed + length > kOggScanBudget) break;
      out.checksummed += length;
      if (ogg_crc(tail.substr(at, length)) == le32(tail, at + 22)) {
        out.found = true;
        out.end_of_stream = (byte(tail, at + 5) & 0x04) != 0;
        break;
      }
    }
    if (at == 0) break;
  }
  return out;
}

std::uint64_t id3v2_size(std::string_view head) {
  if (head.size() < 10 || !starts(head, "ID3") || byte(head, 3) == 0xFF || byte(head, 4) == 0xFF) return 0;
  std::uint64_t size = 0;
  for (std::size_t i = 6; i < 10; ++i) {
    if (byte(head, i) & 0x80) return 0;  // not syncsafe: not a tag
    size = size << 7 | byte(head, i);
  }
  return 10 + size + ((byte(head, 5) & 0x10) ? 10 : 0);
}

Format classify_head(std::string_view h, bool at_end) {
  if (h.empty()) refuse("no_audio_stream", "The file holds tags but no audio");
  if (starts(h, "fLaC")) return Format::flac;
  if ((starts(h, "RIFF") || starts(h, "RF64") || starts(h, "BW64")) && starts(h, "WAVE", 8))
    return Format::wav;
  if (starts(h, "FORM") && (starts(h, "AIFF", 8) || starts(h, "AIFC", 8))) return Format::aiff;
  if (starts(h, "ftyp", 4) && h.size() >= 16) return classify_iso_bmff(h);
  if (starts(h, "OggS")) {
    const std::size_t segments = h.size() > 26 ? byte(h, 26) : 0;
    const std::string_view packet = h.size() > 27 + segments ? h.substr(27 + segments) : std::string_view{};
    if (starts(packet, "OpusHead")) return Format::opus;
    if (starts(packet, "\x01vorbis")) return Format::ogg_vorbis;
    if (starts(packet, "\x80theora")) refuse("not_audio", "The file is an Ogg video, not audio");
    refuse("unsupported_codec", "Ogg files are accepted with Vorbis or Opus audio only");
  }
  if (const char* kind = not_audio_kind(h))
    refuse("not_audio", std::string("The file is ") + kind + ", not audio");
  if (starts(h, "\x1A\x45\xDF\xA3")) {
    refuse("unrecognized_format",
           "Matroska/WebM files are not accepted; upload MP3, WAV, FLAC, AIFF, M4A, OGG or Opus");
  }
  // MPEG audio or ADTS frames, possibly after a little padding.
  const std::size_t limit = h.size() < 4 ? 0 : h.size() - 3;
  for (std::size_t at = 0; at < limit; ++at) {
    if (byte(h, at) != 0xFF) continue;
    if (const auto f = frame_chain(h, at, at_end, mpeg_audio_frame)) {
      if (f->layer != 3)
        refuse("unsupported_codec", "MPEG audio layer I/II files are not accepted; MP3 (layer III) is");
      return Format::mp3;
    }
    if (frame_chain(h, at, at_end, adts_frame)) return Format::aac;
  }
  if (looks_like_text(h)) refuse("unrecognized_format", "The file is text, not audio");
  refuse(
      "unrecognized_format",
      "The file is not in an accepted audio format (MP3, WAV, FLAC, AIFF, M4A/AAC/ALAC, OGG Vorbis, Opus)");
}

Format sniff_file(const std::filesystem::path& file) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) throw std::runtime_error("cannot read " + file.string() + ": " + ec.message());
  if (size == 0) refuse("empty_file", "The file is empty");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  auto read_at = [&](std::uint64_t offset, std::size_t n) {
    std::string buf(static_cast<std::size_t>(std::min<std::uint64_t>(n, size > offset ? size - offset : 0)),
                    '\0');
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    buf.resize(static_cast<std::size_t>(in.gcount()));
    return buf;
  };
  // Skip ID3v2 tags (there may be several, and one may hold megabytes of artwork).
  std::uint64_t offset = 0;
  while (offset < size) {
    const std::uint64_t tag = id3v2_size(read_at(offset, 10));
    if (tag == 0) break;
    offset += tag;
  }
  const std::string head = offset < size ? read_at(offset, kHeadBytes) : std::string();
  const Format format = classify_head(head, offset + head.size() >= size);

  // Container sizes that promise more bytes than the file has: cut short (0 and ~0 mean "unknown",
  // as written by tools that could not seek back; one byte of slack for the pad byte).
  if (format == Format::wav || format == Format::aiff) {
    const bool riff = starts(head, "RIFF");
    if (riff || format == Format::aiff) {
      const std::uint32_t declared = riff ? le32(head, 4) : be32(head, 4);
      if (declared != 0 && declared != 0xFFFFFFFFu && offset + declared + 8 > size + 1) {
        refuse("truncated_or_corrupt", "The file is shorter than its header says: it is truncated");
      }
    }
  }
  if (format == Format::ogg_vorbis || format == Format::opus) {
    const std::uint64_t from = size > kOggTailBytes ? size - kOggTailBytes : 0;
    check_ogg_end(read_at(from, kOggTailBytes));
  }
  return format;
}

}  // namespace mc::media
