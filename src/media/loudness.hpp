#pragma once
#include <optional>
#include <string_view>

namespace mc::media {

// EBU R128 measurements of one programme.
struct Loudness {
  double integrated_lufs = -70.0;  // -70: nothing above the absolute gate (silence)
  double true_peak_dbtp = -120.0;  // -120 stands for digital silence (-inf), to stay JSON-friendly
  double range_lu = 0.0;           // loudness range (LRA)
};

// Reads the summary ffmpeg's ebur128 filter logs when it ends (the last one, should the filter
// graph have been configured more than once). nullopt: no summary in `log`.
std::optional<Loudness> parse_ebur128_summary(std::string_view log);

// The playback gain that brings `loudness` to `target_lufs`. A boost is limited so that the true
// peak after the gain stays at or below `ceiling_dbtp` (a quiet track with loud peaks is raised
// only as far as its peaks allow, never lowered for them); a cut is never limited. Silence
// (nothing above the gate) gets 0 dB.
double normalisation_gain_db(const Loudness& loudness, double target_lufs = -14.0,
                             double ceiling_dbtp = -1.0);

}  // namespace mc::media
