#pragma once
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace mc::media {

// The accepted upload formats (SPEC §4.4), named by what the content is, never by the file name.
enum class Format {
  mp3,         // MPEG-1/2/2.5 Layer III, optionally behind ID3v2 tags
  wav,         // RIFF/WAVE (and RF64/BW64) with PCM
  flac,        // native FLAC
  aiff,        // AIFF or AIFF-C with PCM
  m4a,         // ISO BMFF (MP4/M4A) with AAC or ALAC
  aac,         // raw ADTS AAC
  ogg_vorbis,  // Ogg with Vorbis
  opus,        // Ogg with Opus
};

std::string_view to_string(Format format);

// The ffmpeg demuxer that reads `format`: every ffmpeg/ffprobe run names it explicitly, so content
// that slipped past sniffing can never be read by an unexpected demuxer (a playlist, a concat list).
std::string_view demuxer_name(Format format);

// Decides the format from the leading bytes of the content (after any ID3v2 tags, which the caller
// skips). `at_end` says that `head` reaches the end of the file. Throws InvalidMedia with
// `unrecognized_format`, `not_audio` or `unsupported_codec`.
Format classify_head(std::string_view head, bool at_end);

// Reads a file's magic bytes: empty files, ID3v2 tags, classify_head, and the container checks
// that need the file's end (RIFF/FORM sizes, the last Ogg page). Throws InvalidMedia.
Format sniff_file(const std::filesystem::path& file);

// Size of the ID3v2 tag starting `head` (header, body and footer), 0 when there is none.
std::uint64_t id3v2_size(std::string_view head);

// The last complete, checksummed Ogg page in `tail` (a file's last bytes), searched backwards.
// Candidates that fail their checksum cost their length, so the search stops once it has
// checksummed kOggScanBudget bytes: a real stream's last page is found within a page or two,
// while a tail packed with fake page headers would otherwise cost tail² / 5 bytes of CRC.
struct OggTail {
  bool found = false;          // a valid page was found
  bool end_of_stream = false;  // and it carries the end-of-stream flag
  std::size_t checksummed = 0;
};
inline constexpr std::size_t kOggScanBudget = std::size_t{256} * 1024;
OggTail scan_ogg_tail(std::string_view tail);

}  // namespace mc::media
