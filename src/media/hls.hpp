#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// HLS playlists (RFC 8216): reading the media playlists ffmpeg writes, and writing (and reading)
// master playlists — the server writes a master per viewer listing only the rungs their tier allows.
namespace mc::media::hls {

struct Segment {
  double duration_s = 0;  // EXTINF
  std::string uri;
};

struct MediaPlaylist {
  int version = 1;
  int target_duration = 0;             // EXT-X-TARGETDURATION, seconds
  std::string playlist_type;           // VOD, EVENT or empty
  std::optional<std::string> map_uri;  // EXT-X-MAP (fMP4 initialisation segment)
  std::vector<Segment> segments;
  bool ended = false;  // EXT-X-ENDLIST

  double total_duration_s() const;
};

// Throws std::invalid_argument when `text` is not a well-formed media playlist.
MediaPlaylist parse_media_playlist(std::string_view text);

// Rungs are named by their nominal AAC bit rate in kbps (128, 256; 320 in versions made before
// the lossless rung). The lossless FLAC rung has this id: above every AAC rung, so a tier's "up
// to" cap keeps working on plain numbers. Its directory and URIs say "lossless".
inline constexpr int kLosslessRung = 1000;
inline constexpr std::string_view kFlacCodecs = "fLaC";  // CODECS of the lossless rung (MP4RA)

// The directory (and URI path segment) of a rung: "128", "lossless".
std::string rung_dir(int rung);
// The rung of a directory name, or 0 when it names none.
int rung_of_dir(std::string_view dir);

// One rung of the ladder as a master playlist lists it.
struct Variant {
  int kbps = 0;                        // the rung's id (128, 256 or kLosslessRung)
  std::int64_t bandwidth = 0;          // BANDWIDTH: peak segment bit rate, bits/s
  std::int64_t average_bandwidth = 0;  // AVERAGE-BANDWIDTH, bits/s (0: not written)
  std::string codecs = "mp4a.40.2";    // CODECS (AAC-LC; "fLaC" for lossless)
  std::string uri;                     // filled by parse_master_playlist
};

// A master playlist listing `variants` in the order given, each at uri_for_rung(variant) (signed
// URLs, relative paths, ...). Throws std::invalid_argument for an empty list, a missing bandwidth
// or a URI that is empty or has a line break or a quote.
std::string master_playlist(const std::vector<Variant>& variants,
                            const std::function<std::string(const Variant&)>& uri_for_rung);

struct MasterPlaylist {
  bool independent_segments = false;
  std::vector<Variant> variants;  // kbps is 0: a master does not say it
};

// Throws std::invalid_argument when `text` is not a well-formed master playlist.
MasterPlaylist parse_master_playlist(std::string_view text);

// RFC 8216 §4.3.4.2's peak segment bit rate: the highest bit rate (bits/s) of any run of
// consecutive segments lasting 0.5 to 1.5 target durations (the whole stream when none does).
std::int64_t peak_segment_bit_rate(const std::vector<double>& durations_s,
                                   const std::vector<std::uint64_t>& bytes, double target_duration_s);

}  // namespace mc::media::hls
