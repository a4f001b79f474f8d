#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "media/hls.hpp"
#include "media/images.hpp"
#include "media/loudness.hpp"
#include "media/probe.hpp"

namespace mc::media {

enum class Stage { probing, transcoding, finishing, done };
std::string_view to_string(Stage stage);

struct Rung;

// Where processing reports to. Calls never overlap (they come from two threads, one at a time) and
// must not block for long: they hold up the tool whose output they report.
struct ProgressSink {
  // Overall progress: percent of the whole job (0..100, never decreasing), with the current stage.
  // The last call is (done, 100).
  std::function<void(Stage stage, double percent)> on_progress;
  // A rung's playlist and segments are complete and final under out_dir/<rung_dir>/: it can be
  // served. The lowest rung comes first, well before the others.
  std::function<void(const Rung& rung)> on_rung_ready;
};

struct ProcessOptions {
  std::vector<int> ladder_kbps{128,
                               256};  // AAC-LC rungs (< hls::kLosslessRung); the lowest is encoded on its own
  // Adds the lossless rung (FLAC in fMP4, the source's own samples) when the source is lossless
  // (PCM, FLAC or ALAC) and mono or stereo. A lossy source gets none: it would only be bigger.
  bool lossless = true;
  double segment_s = 6.0;      // HLS segment target
  double max_segment_s = 6.5;  // every segment at most this long (checked)
  std::size_t waveform_points = 1000;
  double target_lufs = -14.0;
  double true_peak_ceiling_dbtp = -1.0;
  bool extract_artwork = true;
  // The file's probe, when the caller already has one (skips probing again). Without it the file
  // is probed without the decode check: the transcode itself stops at the first decoding error.
  std::optional<ProbeResult> probe;
  ProbeOptions probe_options;  // limits, tools, timeout and stop token for the probe and every tool run
  int nice = 0;  // added niceness for every tool, the probe's too (a server keeps its API responsive with 10)
};

struct Rung {
  int kbps = 0;                    // the rung's id: AAC kbps, or hls::kLosslessRung
  std::filesystem::path playlist;  // relative to out_dir: "128/index.m3u8", "lossless/index.m3u8"
  int sample_rate = 0;             // AAC: 44100 or 48000, stereo; lossless: the source's
  std::int64_t bandwidth = 0;      // peak segment bit rate (bits/s), for BANDWIDTH
  std::int64_t average_bandwidth = 0;
  std::string codecs = "mp4a.40.2";  // "fLaC" for the lossless rung
  std::size_t segments = 0;
  double duration_s = 0;  // sum of EXTINF

  hls::Variant variant() const { return {kbps, bandwidth, average_bandwidth, codecs, {}}; }
};

// The embedded picture, re-encoded by the image pipeline (media/images.hpp) into the standard
// artwork sizes: out_dir/artwork/<width>.jpg. The embedded bytes themselves are never kept.
struct Artwork {
  std::filesystem::path dir;  // out_dir/artwork
  std::vector<Rendition> renditions;
};

struct ProcessResult {
  ProbeResult probe;
  double duration_s = 0;        // decoded duration of the audio
  Loudness loudness;            // EBU R128 of the streamed signal (after resampling/downmix, before AAC)
  double gain_db = 0;           // playback gain to target_lufs (see normalisation_gain_db)
  std::vector<float> waveform;  // waveform_points values in [0, 1]
  std::vector<Rung> rungs;      // ascending id: the AAC rungs, then lossless
  std::filesystem::path master_playlist;  // out_dir/master.m3u8: every rung, relative URIs
  std::optional<Artwork> artwork;
  std::vector<std::string> warnings;  // things that went wrong without failing the job (bad artwork)
  struct Timings {
    double probe_s = 0;
    double first_rung_s = 0;  // from the call to the lowest rung's on_rung_ready
    double total_s = 0;
  } timings;
};

// Turns an accepted upload into everything the player needs (SPEC §4.4): loudness and gain,
// waveform, an HLS ladder (fMP4 segments) of AAC-LC rungs and a lossless FLAC rung under
// out_dir/<rung_dir>/index.m3u8, a master playlist, and the embedded artwork (validated and
// re-encoded; a bad picture is dropped with a warning). The input is only read. Blocking; run it through
// mc::offload. Previous outputs in out_dir are replaced, so a retried job starts clean.
// Throws InvalidMedia (from the probe), ProcessingError, or Cancelled.
ProcessResult process_audio(const std::filesystem::path& input, const std::filesystem::path& out_dir,
                            const ProcessOptions& options = {}, const ProgressSink& sink = {});

}  // namespace mc::media
