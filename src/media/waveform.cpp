#include "media/waveform.hpp"

#include <algorithm>
#include <stdexcept>

namespace mc::media {

WaveformBuilder::WaveformBuilder(int channels, std::uint64_t expected_frames, std::size_t points)
    : channels_(channels),
      points_(points),
      block_frames_(std::max<std::uint64_t>(1, expected_frames / (points * 8 + 1))) {
  if (channels <= 0 || points == 0)
    throw std::invalid_argument("WaveformBuilder: channels and points must be positive");
  blocks_.reserve(points * 8 + 16);
}

void WaveformBuilder::add_frame_peak(std::uint16_t peak) {
  current_ = std::max(current_, peak);
  ++frames_;
  if (++in_block_ < block_frames_) return;
  blocks_.push_back(current_);
  current_ = 0;
  in_block_ = 0;
  // Far longer than expected (or the length was unknown): halve the resolution, so memory stays
  // bounded whatever the stream turns out to be.
  if (blocks_.size() >= points_ * 32) {
    for (std::size_t i = 0; i < blocks_.size() / 2; ++i)
      blocks_[i] = std::max(blocks_[2 * i], blocks_[2 * i + 1]);
    blocks_.resize(blocks_.size() / 2);
    block_frames_ *= 2;
  }
}

void WaveformBuilder::feed(std::string_view bytes) {
  auto sample = [&](std::uint8_t lo, std::uint8_t hi) {
    const auto v = static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | hi << 8));
    const auto magnitude = static_cast<std::uint16_t>(v < 0 ? -static_cast<int>(v) : v);
    frame_peak_ = std::max(frame_peak_, magnitude);
    if (++channel_ == channels_) {
      add_frame_peak(frame_peak_);
      frame_peak_ = 0;
      channel_ = 0;
    }
  };
  std::size_t i = 0;
  if (!carry_.empty() && !bytes.empty()) {
    sample(static_cast<std::uint8_t>(carry_[0]), static_cast<std::uint8_t>(bytes[0]));
    carry_.clear();
    i = 1;
  }
  for (; i + 1 < bytes.size(); i += 2) {
    sample(static_cast<std::uint8_t>(bytes[i]), static_cast<std::uint8_t>(bytes[i + 1]));
  }
  if (i < bytes.size()) carry_.assign(1, bytes[i]);
}

std::vector<float> WaveformBuilder::finish() const {
  std::vector<std::uint16_t> blocks = blocks_;
  if (in_block_ > 0) blocks.push_back(current_);
  std::vector<float> out(points_, 0.0f);
  if (blocks.empty()) return out;
  const std::size_t n = blocks.size();
  std::uint16_t loudest = 0;
  for (std::size_t p = 0; p < points_; ++p) {
    const std::size_t begin = p * n / points_;
    const std::size_t end = std::max(begin + 1, (p + 1) * n / points_);
    const std::uint16_t peak = *std::max_element(blocks.begin() + static_cast<std::ptrdiff_t>(begin),
                                                 blocks.begin() + static_cast<std::ptrdiff_t>(end));
    out[p] = peak;
    loudest = std::max(loudest, peak);
  }
  if (loudest == 0) return out;
  for (float& v : out) v /= static_cast<float>(loudest);
  return out;
}

}  // namespace mc::media
