#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mc::media {

// Builds waveform peaks from interleaved signed 16-bit little-endian PCM fed in chunks of any size
// (a chunk may end in the middle of a sample). Peaks are first kept per block of samples sized from
// the expected length (about 8 blocks per point; blocks double in size should the stream run far
// longer, so memory stays bounded), then reduced to exactly `points` values, so the result has
// `points` entries whether the stream turns out longer or shorter than expected.
class WaveformBuilder {
 public:
  WaveformBuilder(int channels, std::uint64_t expected_frames, std::size_t points);

  void feed(std::string_view s16le);
  std::uint64_t frames() const { return frames_; }

  // `points` values in [0, 1]: each the largest absolute sample in its stretch of time (over all
  // channels), scaled so the loudest point is 1 (all zeros for silence).
  std::vector<float> finish() const;

 private:
  void add_frame_peak(std::uint16_t peak);

  int channels_;
  std::size_t points_;
  std::uint64_t block_frames_;
  std::vector<std::uint16_t> blocks_;
  std::uint16_t current_ = 0;
  std::uint64_t in_block_ = 0;
  std::uint64_t frames_ = 0;
  int channel_ = 0;
  std::uint16_t frame_peak_ = 0;
  std::string carry_;  // an odd byte left over from the previous chunk
};

}  // namespace mc::media
