#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>

#include "media/errors.hpp"
#include "media/sniff.hpp"
#include "media/tools.hpp"

namespace mc::media {

// Tags read from the file (valid UTF-8, trimmed, control characters removed; at most 500 bytes).
struct Tags {
  std::optional<std::string> title;
  std::optional<std::string> artist;
  std::optional<std::string> album;
  std::optional<int> track;  // "3/12" → 3
};

struct ProbeResult {
  Format format = Format::mp3;
  std::string codec;      // ffprobe's name: mp3, pcm_s16le, flac, aac, alac, vorbis, opus, ...
  double duration_s = 0;  // decoded duration when the decode check ran, else the container's
  bool decoded = false;   // the decode check ran: duration_s is exact
  int sample_rate = 0;    // Hz
  int channels = 0;
  std::int64_t bit_rate = 0;  // bits per second; 0 when unknown
  Tags tags;
  bool has_artwork = false;   // an embedded picture (ID3 APIC, FLAC PICTURE, MP4 covr, ...)
  std::string artwork_codec;  // "mjpeg", "png", ... when has_artwork
  int artwork_stream = -1;    // its stream index, for extraction
  int audio_streams = 0;      // the first one is the one used
};

// The bounds an upload must be within, checked from ffprobe's answer before the full decode
// (docs/media.md, "Limits").
struct ProbeOptions {
  double min_duration_s = 1.0;         // shorter: too_short
  double max_duration_s = 4 * 3600.0;  // longer: too_long
  int min_sample_rate = 8000;          // outside [min, max] Hz: unsupported_sample_rate
  int max_sample_rate = 384000;
  int max_channels = 8;      // more: unsupported_channels
  bool decode_check = true;  // decode everything to refuse truncated or corrupt files
  std::chrono::milliseconds timeout{10 * 60 * 1000};  // per tool run (wall clock)
  int nice = 0;  // added niceness for the tools (the server passes MEDIA_JOBS_NICE)
  // CPU time the decode check may use (RLIMIT_CPU); 0: 10 s plus 1/50 of the audio's duration
  // (every accepted codec decodes hundreds of times faster than real time). Passing it is
  // too_costly_to_decode: a file built to be slow to decode, never a normal one.
  std::chrono::seconds decode_cpu_limit{0};
  std::stop_token stop;  // requested: throws Cancelled
  Tools tools;
};

// Decides what an uploaded file is from its content (magic bytes, then ffprobe, then a full decode
// with errors fatal), never from its name or MIME type. Throws InvalidMedia (the upload's fault),
// ProcessingError (ours: ffmpeg missing, a timeout) or Cancelled.
ProbeResult probe_audio(const std::filesystem::path& file, const ProbeOptions& options = {});

}  // namespace mc::media
