// Loudness summary parsing, normalisation gain and waveform peaks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "media/loudness.hpp"
#include "media/waveform.hpp"

using namespace mc::media;

namespace {

constexpr const char* kSummary = R"([info] size=N/A time=00:00:05.00 bitrate=N/A speed=71.9x
[Parsed_ebur128_0 @ 0x559de0fc4940] [info] Summary:

  Integrated loudness:
    I:         -21.8 LUFS
    Threshold: -31.8 LUFS

  Loudness range:
    LRA:         3.5 LU
    Threshold: -41.8 LUFS
    LRA low:   -21.8 LUFS
    LRA high:  -21.8 LUFS

  True peak:
    Peak:      -21.1 dBFS
)";

TEST(Loudness, parses_the_ebur128_summary) {
  const auto l = parse_ebur128_summary(kSummary);
  ASSERT_TRUE(l);
  EXPECT_DOUBLE_EQ(l->integrated_lufs, -21.8);
  EXPECT_DOUBLE_EQ(l->range_lu, 3.5);
  EXPECT_DOUBLE_EQ(l->true_peak_dbtp, -21.1);
  EXPECT_FALSE(parse_ebur128_summary("[info] no summary here\n"));
}

TEST(Loudness, silence_parses_to_the_floor_values) {
  const auto l = parse_ebur128_summary(
      "Summary:\n\n  Integrated loudness:\n    I:         -70.0 LUFS\n\n  True peak:\n    Peak:       -inf "
      "dBFS\n");
  ASSERT_TRUE(l);
  EXPECT_DOUBLE_EQ(l->integrated_lufs, -70.0);
  EXPECT_DOUBLE_EQ(l->true_peak_dbtp, -120.0);
  EXPECT_DOUBLE_EQ(normalisation_gain_db(*l), 0.0);
}

TEST(Loudness, quiet_track_is_raised_to_target_when_its_peaks_allow) {
  EXPECT_DOUBLE_EQ(normalisation_gain_db({-20.0, -10.0, 0}), 6.0);
}

TEST(Loudness, boost_stops_where_the_true_peak_reaches_the_ceiling) {
  EXPECT_DOUBLE_EQ(normalisation_gain_db({-20.0, -4.0, 0}), 3.0);  // peak -4 → -1 dBTP
  EXPECT_DOUBLE_EQ(normalisation_gain_db({-20.0, -0.5, 0}),
                   0.0);  // already over the ceiling: no boost, no cut
}

TEST(Loudness, loud_track_is_cut_in_full) {
  EXPECT_DOUBLE_EQ(normalisation_gain_db({-8.0, 0.8, 0}), -6.0);
}

std::string s16(const std::vector<std::int16_t>& samples) {
  std::string out;
  for (auto v : samples) {
    out += static_cast<char>(static_cast<std::uint16_t>(v) & 0xFF);
    out += static_cast<char>(static_cast<std::uint16_t>(v) >> 8);
  }
  return out;
}

TEST(Waveform, peaks_are_normalised_and_follow_the_level) {
  // 1000 stereo frames: quiet first half, loud second half (on the right channel only).
  std::vector<std::int16_t> pcm;
  for (int i = 0; i < 1000; ++i) {
    const auto quiet = static_cast<std::int16_t>(i % 2 ? 1000 : -1000);
    const auto loud = static_cast<std::int16_t>(i % 2 ? 16000 : -32768);
    pcm.push_back(i < 500 ? quiet : std::int16_t{0});
    pcm.push_back(i < 500 ? std::int16_t{0} : loud);
  }
  WaveformBuilder w(2, 1000, 10);
  const std::string bytes = s16(pcm);
  // Fed in odd-sized chunks, splitting samples and frames.
  for (std::size_t at = 0; at < bytes.size(); at += 333) w.feed(std::string_view(bytes).substr(at, 333));
  EXPECT_EQ(w.frames(), 1000u);
  const auto peaks = w.finish();
  ASSERT_EQ(peaks.size(), 10u);
  // Blocks of samples need not align with the change in the middle: look away from it.
  for (int p = 0; p < 4; ++p) EXPECT_NEAR(peaks[p], 1000.0 / 32768.0, 1e-6);
  for (int p = 6; p < 10; ++p) EXPECT_FLOAT_EQ(peaks[p], 1.0f);
}

TEST(Waveform, always_has_the_requested_points) {
  WaveformBuilder shorter(1, 100000, 1000);  // expected far more than arrives
  shorter.feed(s16({100, -200, 300}));
  const auto a = shorter.finish();
  ASSERT_EQ(a.size(), 1000u);
  for (float v : a) EXPECT_FLOAT_EQ(v, 1.0f);  // three samples: every point shows the one block

  WaveformBuilder longer(1, 10, 4);  // expected far less
  std::vector<std::int16_t> ramp;
  ramp.reserve(4000);
  for (int i = 0; i < 4000; ++i) ramp.push_back(static_cast<std::int16_t>(i));
  longer.feed(s16(ramp));
  const auto b = longer.finish();
  ASSERT_EQ(b.size(), 4u);
  EXPECT_LT(b[0], b[1]);
  EXPECT_LT(b[2], b[3]);
  EXPECT_FLOAT_EQ(b[3], 1.0f);

  WaveformBuilder unknown(1, 0, 10);  // length unknown: blocks grow instead of memory
  std::vector<std::int16_t> rising(200000);
  for (std::size_t i = 0; i < rising.size(); ++i) rising[i] = static_cast<std::int16_t>(i / 8);
  unknown.feed(s16(rising));
  const auto c = unknown.finish();
  ASSERT_EQ(c.size(), 10u);
  EXPECT_NEAR(c[0], 0.1f, 0.01f);
  EXPECT_NEAR(c[4], 0.5f, 0.01f);
  EXPECT_FLOAT_EQ(c[9], 1.0f);

  WaveformBuilder silent(2, 100, 5);
  silent.feed(s16(std::vector<std::int16_t>(200, 0)));
  for (float v : silent.finish()) EXPECT_EQ(v, 0.0f);
}

}  // namespace
