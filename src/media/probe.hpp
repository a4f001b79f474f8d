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

struct ProbeOptions {
  double max_duration_s = 2 * 3600.0;  // longer: too_long
  bool decode_check = true;            // decode everything to refuse truncated or corrupt files
  std::chrono::milliseconds timeout{10 * 60 * 1000};  // per tool run
  std::stop_token stop;                               // requested: throws Cancelled
  Tools tools;
};

// Decides what an uploaded file is from its content (magic bytes, then ffprobe, then a full decode
// with errors fatal), never from its name or MIME type. Throws InvalidMedia (the upload's fault),
// ProcessingError (ours: ffmpeg missing, a timeout) or Cancelled.
ProbeResult probe_audio(const std::filesystem::path& file, const ProbeOptions& options = {});

}  // namespace mc::media
