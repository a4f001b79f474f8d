// process_audio end to end with real ffmpeg: the HLS ladder, loudness, waveform, artwork, progress.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>

#include "media/pipeline.hpp"
#include "support/media_files.hpp"

using mc::run_process;
namespace test = mc::test;
using namespace mc::media;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  return test::read_bytes(p);
}

// ffmpeg's own EBU R128 reading of a file.
Loudness reference_loudness(const fs::path& file) {
  const auto r = run_process({"ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", file.string(), "-af",
                              "ebur128=peak=true:framelog=verbose", "-f", "null", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto l = parse_ebur128_summary(r.output);
  EXPECT_TRUE(l) << r.output;
  return l.value_or(Loudness{});
}

// Decodes a playlist (and everything it references) with ffmpeg; returns the decoded seconds.
double decoded_seconds(const fs::path& playlist) {
  const auto r = run_process({"ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-i", playlist.string(),
                              "-f", "null", "-", "-progress", "pipe:1"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ProgressReader progress;
  std::size_t start = 0;
  for (std::size_t nl; (nl = r.output.find('\n', start)) != std::string::npos; start = nl + 1) {
    progress.feed(std::string_view(r.output).substr(start, nl - start));
  }
  return static_cast<double>(progress.out_time_us()) / 1e6;
}

struct Recorded {
  std::mutex mutex;
  std::vector<std::pair<Stage, double>> progress;
  std::vector<int> ready;

  ProgressSink sink() {
    return {[this](Stage s, double p) {
              std::lock_guard lock(mutex);
              progress.emplace_back(s, p);
            },
            [this](const mc::media::Rung& rung) {
              std::lock_guard lock(mutex);
              ready.push_back(rung.kbps);
            }};
  }
};

// One 20 s track processed once for the whole suite: 10 s of a quiet tone, then 10 s of the same
// tone 20 dB louder, so the waveform has somewhere to be louder.
class MediaPipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::have_ffmpeg()) return;
    dir_ = new fs::path(test::media_temp_dir("mc-pipeline"));
    source_ = new fs::path(*dir_ / "track.flac");
    test::ffmpeg(
        {"-f", "lavfi", "-i",
         "sine=frequency=440:sample_rate=44100:duration=20,volume='if(lt(t,10),0.05,0.5)':eval=frame", "-ac",
         "2", "-c:a", "flac", source_->string()});
    recorded_ = new Recorded;
    result_ = new ProcessResult(process_audio(*source_, *dir_ / "out", {}, recorded_->sink()));
  }
  static void TearDownTestSuite() {
    if (dir_) fs::remove_all(*dir_);
    delete result_;
    delete recorded_;
    delete source_;
    delete dir_;
  }
  void SetUp() override {
    MC_REQUIRE_FFMPEG();
    ASSERT_TRUE(result_);
  }

  static fs::path out() { return *dir_ / "out"; }

  static inline fs::path* dir_ = nullptr;
  static inline fs::path* source_ = nullptr;
  static inline Recorded* recorded_ = nullptr;
  static inline ProcessResult* result_ = nullptr;
};

TEST_F(MediaPipeline, master_playlist_lists_every_rung_with_bandwidth_and_codecs) {
  const auto master = hls::parse_master_playlist(read_text(out() / "master.m3u8"));
  EXPECT_TRUE(master.independent_segments);
  ASSERT_EQ(master.variants.size(), 3u);
  const int kbps[] = {128, 256, 320};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& v = master.variants[i];
    EXPECT_EQ(v.uri, std::to_string(kbps[i]) + "/index.m3u8");
    EXPECT_EQ(v.codecs, "mp4a.40.2");
    // The measured peak segment bit rate: at most the nominal rate plus container overhead (a
    // pure tone needs fewer bits than the nominal rate, so there is no lower bound to check).
    EXPECT_GE(v.bandwidth, v.average_bandwidth);
    EXPECT_GT(v.average_bandwidth, 0);
    EXPECT_LT(v.bandwidth, kbps[i] * 1000 * 1.15);
    EXPECT_TRUE(fs::exists(out() / v.uri));
  }
  ASSERT_EQ(result_->rungs.size(), 3u);
  EXPECT_EQ(result_->rungs[0].playlist, fs::path("128/index.m3u8"));
}

TEST_F(MediaPipeline, every_rung_has_short_segments_that_add_up_to_the_source) {
  EXPECT_NEAR(result_->duration_s, 20.0, 0.01);
  for (int kbps : {128, 256, 320}) {
    const auto p = hls::parse_media_playlist(read_text(out() / std::to_string(kbps) / "index.m3u8"));
    EXPECT_TRUE(p.ended);
    EXPECT_EQ(p.playlist_type, "VOD");
    ASSERT_TRUE(p.map_uri);
    EXPECT_TRUE(fs::exists(out() / std::to_string(kbps) / *p.map_uri));
    ASSERT_GE(p.segments.size(), 3u);
    for (const auto& s : p.segments) {
      EXPECT_LE(s.duration_s, 6.5) << kbps << " " << s.uri;
      EXPECT_LE(std::lround(s.duration_s), p.target_duration) << "RFC 8216 §4.3.3.1";
      EXPECT_GT(fs::file_size(out() / std::to_string(kbps) / s.uri), 0u);
    }
    EXPECT_NEAR(p.total_duration_s(), 20.0, 0.1) << kbps;
    EXPECT_LE(p.segments.front().duration_s, 6.5);
    EXPECT_GE(p.segments.front().duration_s, 5.5);  // ~6 s segments
  }
}

TEST_F(MediaPipeline, ffprobe_decodes_every_rung_as_stereo_aac_lc) {
  for (int kbps : {128, 256, 320}) {
    const fs::path playlist = out() / std::to_string(kbps) / "index.m3u8";
    EXPECT_NEAR(decoded_seconds(playlist), 20.0, 0.1) << kbps;
    const auto r =
        run_process({"ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                     "stream=codec_name,profile,sample_rate,channels", "-of", "csv=p=0", playlist.string()});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.output.substr(0, r.output.find('\n')), "aac,LC,44100,2") << kbps;
  }
}

TEST_F(MediaPipeline, loudness_matches_ffmpegs_own_reading_and_gain_reaches_the_target) {
  const Loudness reference = reference_loudness(*source_);
  EXPECT_NEAR(result_->loudness.integrated_lufs, reference.integrated_lufs, 0.5);
  EXPECT_NEAR(result_->loudness.true_peak_dbtp, reference.true_peak_dbtp, 0.5);
  // A 0.5-amplitude tone peaks at about -6 dBTP: the boost to -14 LUFS is capped at -1 dBTP.
  const double wanted = -14.0 - result_->loudness.integrated_lufs;
  const double headroom = -1.0 - result_->loudness.true_peak_dbtp;
  EXPECT_NEAR(result_->gain_db, std::min(wanted, headroom), 1e-9);
  EXPECT_LE(result_->loudness.true_peak_dbtp + result_->gain_db, -1.0 + 1e-9);
}

TEST_F(MediaPipeline, waveform_has_1000_points_louder_where_the_signal_is) {
  const auto& w = result_->waveform;
  ASSERT_EQ(w.size(), 1000u);
  for (float v : w) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  const double quiet = std::accumulate(w.begin(), w.begin() + 450, 0.0) / 450;
  const double loud = std::accumulate(w.begin() + 550, w.end(), 0.0) / 450;
  EXPECT_NEAR(loud, 1.0, 0.02);
  EXPECT_NEAR(quiet, 0.1, 0.02);  // 20 dB quieter
}

TEST_F(MediaPipeline, progress_reaches_100_and_the_lowest_rung_is_ready_first) {
  const auto& progress = recorded_->progress;
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().first, Stage::done);
  EXPECT_DOUBLE_EQ(progress.back().second, 100.0);
  for (std::size_t i = 1; i < progress.size(); ++i) EXPECT_GE(progress[i].second, progress[i - 1].second);
  ASSERT_EQ(recorded_->ready.size(), 3u);
  EXPECT_EQ(recorded_->ready.front(), 128);
  std::vector<int> sorted = recorded_->ready;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{128, 256, 320}));
  EXPECT_GT(result_->timings.first_rung_s, 0);
  EXPECT_LE(result_->timings.first_rung_s, result_->timings.total_s);
}

TEST_F(MediaPipeline, leaves_only_finished_outputs) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"128", "256", "320", "master.m3u8"}));
  EXPECT_FALSE(result_->artwork);
  EXPECT_TRUE(result_->warnings.empty());
}

// ---- Other inputs (each processed on its own: short files) -----------------------------------

class MediaPipelineInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    MC_REQUIRE_FFMPEG();
    dir_ = test::media_temp_dir("mc-pipeline-in");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(MediaPipelineInputs, artwork_is_extracted_from_an_mp3s_attached_picture) {
  const fs::path cover = dir_ / "cover.jpg";
  test::ffmpeg({"-f", "lavfi", "-i", "testsrc=s=320x320", "-frames:v", "1", cover.string()});
  const fs::path mp3 = dir_ / "with-cover.mp3";
  test::ffmpeg({"-f", "lavfi", "-i", "sine=duration=3", "-i", cover.string(), "-map", "0:a", "-map", "1:v",
                "-c:a", "libmp3lame", "-c:v", "copy", "-id3v2_version", "3", "-disposition:v", "attached_pic",
                mp3.string()});
  const ProcessResult r = process_audio(mp3, dir_ / "out");
  ASSERT_TRUE(r.artwork);
  EXPECT_EQ(r.artwork->mime_type, "image/jpeg");
  EXPECT_EQ(r.artwork->path, dir_ / "out" / "artwork.jpg");
  EXPECT_EQ(test::read_bytes(r.artwork->path), test::read_bytes(cover));  // the picture as embedded
  EXPECT_NEAR(r.duration_s, 3.0, 0.1);
}

TEST_F(MediaPipelineInputs, a_mono_48_khz_source_gives_a_48_khz_stereo_ladder) {
  const fs::path wav = dir_ / "mono.wav";
  test::ffmpeg({"-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=4", "-c:a", "pcm_s16le",
                wav.string()});
  const ProcessResult r = process_audio(wav, dir_ / "out");
  ASSERT_EQ(r.rungs.size(), 3u);
  for (const Rung& rung : r.rungs) {
    EXPECT_EQ(rung.sample_rate, 48000);
    const auto probe = run_process({"ffprobe", "-v", "error", "-show_entries", "stream=sample_rate,channels",
                                    "-of", "csv=p=0", (dir_ / "out" / rung.playlist).string()});
    EXPECT_EQ(probe.output.substr(0, probe.output.find('\n')), "48000,2");
  }
  // Mono spread over two channels keeps its loudness.
  EXPECT_NEAR(r.loudness.integrated_lufs, reference_loudness(wav).integrated_lufs, 0.5);
}

TEST_F(MediaPipelineInputs, a_96_khz_source_is_resampled_to_48_khz) {
  const fs::path flac = dir_ / "hires.flac";
  test::ffmpeg({"-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=96000:duration=3", "-ac", "2", "-c:a",
                "flac", flac.string()});
  ProcessOptions options;
  options.ladder_kbps = {128};
  const ProcessResult r = process_audio(flac, dir_ / "out", options);
  ASSERT_EQ(r.rungs.size(), 1u);
  EXPECT_EQ(r.rungs[0].sample_rate, 48000);
  EXPECT_NEAR(r.duration_s, 3.0, 0.01);
  EXPECT_EQ(r.waveform.size(), 1000u);
}

TEST_F(MediaPipelineInputs, running_again_replaces_the_previous_outputs) {
  const fs::path wav = test::make_audio(dir_, test::accepted_kinds()[1], 2.0);
  ProcessOptions options;
  options.ladder_kbps = {128, 256};
  process_audio(wav, dir_ / "out", options);
  test::write_bytes(dir_ / "out" / "128" / "stale.m4s", "old");
  const ProcessResult r = process_audio(wav, dir_ / "out", options);
  EXPECT_FALSE(fs::exists(dir_ / "out" / "128" / "stale.m4s"));
  EXPECT_EQ(r.rungs.size(), 2u);
  EXPECT_EQ(hls::parse_master_playlist(read_text(dir_ / "out" / "master.m3u8")).variants.size(), 2u);
}

TEST_F(MediaPipelineInputs, a_corrupt_file_fails_and_leaves_nothing_behind) {
  // Probed by the caller before it was damaged: the transcode must still stop on the damage.
  const fs::path flac = dir_ / "track.flac";
  test::ffmpeg(
      {"-f", "lavfi", "-i", "anoisesrc=d=6:c=pink:r=44100", "-ac", "2", "-c:a", "flac", flac.string()});
  ProcessOptions options;
  options.probe = probe_audio(flac);
  std::string bytes = test::read_bytes(flac);
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 5000; ++i)
    bytes[i] = static_cast<char>(i * 13);
  test::write_bytes(flac, bytes);
  EXPECT_THROW(process_audio(flac, dir_ / "out", options), ProcessingError);
  for (const auto& e : fs::directory_iterator(dir_ / "out")) ADD_FAILURE() << "left behind: " << e.path();
}

TEST_F(MediaPipelineInputs, stop_token_cancels_the_tools) {
  const fs::path flac = dir_ / "long.flac";
  test::ffmpeg(
      {"-f", "lavfi", "-i", "anoisesrc=d=120:c=pink:r=44100", "-ac", "2", "-c:a", "flac", flac.string()});
  std::stop_source stop;
  ProcessOptions options;
  options.probe_options.stop = stop.get_token();
  ProgressSink sink;
  sink.on_progress = [&stop](Stage stage, double) {
    if (stage == Stage::transcoding) stop.request_stop();
  };
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(process_audio(flac, dir_ / "out", options, sink), Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  for (const auto& e : fs::directory_iterator(dir_ / "out")) ADD_FAILURE() << "left behind: " << e.path();
}

}  // namespace
