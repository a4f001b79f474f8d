// process_audio end to end with real ffmpeg: the HLS ladder, loudness, waveform, artwork, progress.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <tuple>

#include "media/pipeline.hpp"
#include "media/probe.hpp"
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

// The AAC rungs and, for this lossless source, the FLAC rung.
const std::vector<std::string> kRungDirs{"128", "256", "lossless"};

TEST_F(MediaPipeline, master_playlist_lists_every_rung_with_bandwidth_and_codecs) {
  const auto master = hls::parse_master_playlist(read_text(out() / "master.m3u8"));
  EXPECT_TRUE(master.independent_segments);
  ASSERT_EQ(master.variants.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& v = master.variants[i];
    EXPECT_EQ(v.uri, kRungDirs[i] + "/index.m3u8");
    EXPECT_GE(v.bandwidth, v.average_bandwidth);
    EXPECT_GT(v.average_bandwidth, 0);
    EXPECT_TRUE(fs::exists(out() / v.uri));
    if (i < 2) {
      EXPECT_EQ(v.codecs, "mp4a.40.2");
      // The measured peak segment bit rate: at most the nominal rate plus container overhead (a
      // pure tone needs fewer bits than the nominal rate, so there is no lower bound to check).
      EXPECT_LT(v.bandwidth, std::stoi(kRungDirs[i]) * 1000 * 1.15);
    } else {
      EXPECT_EQ(v.codecs, "fLaC");  // MP4RA's sample entry, what hls.js and Safari look for
    }
  }
  ASSERT_EQ(result_->rungs.size(), 3u);
  EXPECT_EQ(result_->rungs[0].playlist, fs::path("128/index.m3u8"));
  EXPECT_EQ(result_->rungs[2].kbps, hls::kLosslessRung);
  EXPECT_EQ(result_->rungs[2].playlist, fs::path("lossless/index.m3u8"));
}

TEST_F(MediaPipeline, every_rung_has_short_segments_that_add_up_to_the_source) {
  EXPECT_NEAR(result_->duration_s, 20.0, 0.01);
  for (const std::string& kbps : kRungDirs) {
    const auto p = hls::parse_media_playlist(read_text(out() / kbps / "index.m3u8"));
    EXPECT_TRUE(p.ended);
    EXPECT_EQ(p.playlist_type, "VOD");
    ASSERT_TRUE(p.map_uri);
    EXPECT_TRUE(fs::exists(out() / kbps / *p.map_uri));
    ASSERT_GE(p.segments.size(), 3u);
    for (const auto& s : p.segments) {
      EXPECT_LE(s.duration_s, 6.5) << kbps << " " << s.uri;
      EXPECT_LE(std::lround(s.duration_s), p.target_duration) << "RFC 8216 §4.3.3.1";
      EXPECT_GT(fs::file_size(out() / kbps / s.uri), 0u);
    }
    EXPECT_NEAR(p.total_duration_s(), 20.0, 0.1) << kbps;
    EXPECT_LE(p.segments.front().duration_s, 6.5);
    EXPECT_GE(p.segments.front().duration_s, 5.5);  // ~6 s segments
  }
}

TEST_F(MediaPipeline, ffprobe_decodes_the_aac_rungs_as_stereo_aac_lc_and_the_top_one_as_flac) {
  for (const std::string& kbps : kRungDirs) {
    const fs::path playlist = out() / kbps / "index.m3u8";
    EXPECT_NEAR(decoded_seconds(playlist), 20.0, 0.1) << kbps;
    const auto r =
        run_process({"ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                     "stream=codec_name,profile,sample_rate,channels", "-of", "csv=p=0", playlist.string()});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.output.substr(0, r.output.find('\n')),
              kbps == "lossless" ? "flac,unknown,44100,2" : "aac,LC,44100,2")
        << kbps;
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

TEST_F(MediaPipeline, progress_reaches_100_and_the_lowest_aac_rung_is_ready_before_the_next) {
  const auto& progress = recorded_->progress;
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().first, Stage::done);
  EXPECT_DOUBLE_EQ(progress.back().second, 100.0);
  for (std::size_t i = 1; i < progress.size(); ++i) EXPECT_GE(progress[i].second, progress[i - 1].second);
  ASSERT_EQ(recorded_->ready.size(), 3u);
  // Of the AAC rungs, the lowest comes first (its tool runs at full priority). The lossless rung
  // costs about a fifth of an AAC encode, so on a short input it may well finish before 128 kbps.
  const auto at = [&](int rung) { return std::find(recorded_->ready.begin(), recorded_->ready.end(), rung); };
  EXPECT_LT(at(128), at(256));
  std::vector<int> sorted = recorded_->ready;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{128, 256, hls::kLosslessRung}));
  EXPECT_GT(result_->timings.first_rung_s, 0);
  EXPECT_LE(result_->timings.first_rung_s, result_->timings.total_s);
}

TEST_F(MediaPipeline, leaves_only_finished_outputs) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"128", "256", "lossless", "master.m3u8"}));
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

// An MP3 whose ID3v2.3 tag holds `picture` as its front cover, declared as `mime`: made by hand,
// because ffmpeg will only embed pictures it can read itself.
fs::path mp3_with_picture(const fs::path& dir, const std::string& picture, const std::string& mime) {
  const fs::path plain = dir / "plain.mp3";
  test::ffmpeg(
      {"-f", "lavfi", "-i", "sine=duration=3", "-c:a", "libmp3lame", "-id3v2_version", "0", plain.string()});
  std::string body = std::string(1, '\0') + mime + std::string(1, '\0') + "\x03" + std::string(1, '\0');
  body += picture;
  auto be32 = [](std::size_t n, bool syncsafe) {
    const int shift = syncsafe ? 7 : 8;
    const std::size_t mask = syncsafe ? 0x7f : 0xff;
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[3 - i] = static_cast<char>((n >> (shift * i)) & mask);
    return out;
  };
  const std::string frame = "APIC" + be32(body.size(), false) + std::string(2, '\0') + body;
  const std::string tag = std::string("ID3\x03\x00\x00", 6) + be32(frame.size(), true) + frame;
  const fs::path out = dir / "with-picture.mp3";
  test::write_bytes(out, tag + test::read_bytes(plain));
  return out;
}

// The size of a JPEG as ffprobe reads it ("w,h"), or "" when it is not one.
std::string jpeg_size(const fs::path& file) {
  const auto r = run_process({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height",
                              "-of", "csv=p=0", file.string()});
  if (r.exit_code != 0 || !r.output.starts_with("mjpeg,")) return "";
  return r.output.substr(6, r.output.find('\n') - 6);
}

TEST_F(MediaPipelineInputs, embedded_artwork_comes_out_re_encoded_at_the_standard_sizes) {
  const fs::path cover = dir_ / "cover.png";
  test::ffmpeg({"-f", "lavfi", "-i", "testsrc=s=400x300", "-frames:v", "1", cover.string()});
  const fs::path mp3 = dir_ / "with-cover.mp3";
  test::ffmpeg({"-f", "lavfi", "-i", "sine=duration=3", "-i", cover.string(), "-map", "0:a", "-map", "1:v",
                "-c:a", "libmp3lame", "-c:v", "copy", "-id3v2_version", "3", "-disposition:v", "attached_pic",
                mp3.string()});
  const ProcessResult r = process_audio(mp3, dir_ / "out");
  ASSERT_TRUE(r.artwork);
  EXPECT_EQ(r.artwork->dir, dir_ / "out" / "artwork");
  std::vector<std::string> sizes;
  for (const Rendition& rendition : r.artwork->renditions) {
    EXPECT_EQ(rendition.file, r.artwork->dir / (std::to_string(rendition.width) + ".jpg"));
    sizes.push_back(jpeg_size(rendition.file));  // re-encoded as JPEG, centre-cropped square
  }
  EXPECT_EQ(sizes, (std::vector<std::string>{"128,128", "256,256", "512,512", "1024,1024"}));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "artwork.src"));  // the embedded bytes are not kept
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_NEAR(r.duration_s, 3.0, 0.1);
}

TEST_F(MediaPipelineInputs, embedded_artwork_that_is_no_valid_picture_is_dropped_not_served) {
  // JPEG magic, then garbage; and a real PNG too large in pixels for the image pipeline.
  const std::string garbage = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(20000, 'x');
  const fs::path huge_png = dir_ / "huge.png";
  test::ffmpeg({"-f", "lavfi", "-i", "color=c=red:s=12100x16", "-frames:v", "1", huge_png.string()});
  const std::vector<std::pair<std::string, std::string>> pictures{{garbage, "image/jpeg"},
                                                                  {test::read_bytes(huge_png), "image/png"}};
  for (const auto& [picture, mime] : pictures) {
    const fs::path mp3 = mp3_with_picture(dir_, picture, mime);
    ASSERT_TRUE(probe_audio(mp3).has_artwork) << mime;
    const ProcessResult r = process_audio(mp3, dir_ / "out");
    EXPECT_FALSE(r.artwork) << mime;
    ASSERT_EQ(r.warnings.size(), 1u) << mime;
    EXPECT_NE(r.warnings[0].find("artwork"), std::string::npos) << r.warnings[0];
    EXPECT_FALSE(fs::exists(dir_ / "out" / "artwork")) << mime;
    EXPECT_FALSE(fs::exists(dir_ / "out" / "artwork.src")) << mime;
    EXPECT_FALSE(fs::exists(dir_ / "out" / "artwork.jpg")) << mime;  // nothing copied as it was
    EXPECT_EQ(r.rungs.size(), 2u) << "the audio is still processed (MP3: no lossless rung)";
  }
}

// Direct-message pictures (docs/messaging.md "Attachments"): one rendition in the picture's own
// shape, fitted within 1280 px, never enlarged.
TEST_F(MediaPipelineInputs, a_message_picture_keeps_its_shape_and_is_never_enlarged) {
  const std::vector<std::tuple<std::string, std::string, int, int>> cases{{"wide.png", "1600x900", 1280, 720},
                                                                          {"tall.jpg", "900x2000", 576, 1280},
                                                                          {"small.png", "300x200", 300, 200}};
  for (const auto& [name, size, width, height] : cases) {
    const fs::path in = dir_ / name;
    test::ffmpeg({"-f", "lavfi", "-i", "testsrc2=s=" + size, "-frames:v", "1", in.string()});
    const auto out = render_image(in, ImageKind::message, dir_ / (name + ".out"));
    ASSERT_EQ(out.size(), 1u) << name;
    EXPECT_EQ(out[0].width, width) << name;
    EXPECT_EQ(out[0].height, height) << name;
    EXPECT_EQ(jpeg_size(out[0].file), std::to_string(width) + "," + std::to_string(height)) << name;
  }
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
    // AAC: spread over two channels; lossless: the source's one channel, untouched.
    EXPECT_EQ(probe.output.substr(0, probe.output.find('\n')),
              rung.kbps == hls::kLosslessRung ? "48000,1" : "48000,2");
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
  options.lossless = false;
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
  EXPECT_EQ(r.rungs.size(), 3u);  // and the lossless one
  EXPECT_EQ(hls::parse_master_playlist(read_text(dir_ / "out" / "master.m3u8")).variants.size(), 3u);
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

// ---- Quality: what each rung really is (SPEC §2: 128 and 256 kbps AAC, lossless FLAC) -----------

// Bits per second of a rung as stored: init segment and media segments over the playlist's length.
double measured_bps(const fs::path& rung_dir) {
  const auto p = hls::parse_media_playlist(read_text(rung_dir / "index.m3u8"));
  double bytes = static_cast<double>(fs::file_size(rung_dir / *p.map_uri));
  for (const auto& s : p.segments) bytes += static_cast<double>(fs::file_size(rung_dir / s.uri));
  return 8.0 * bytes / p.total_duration_s();
}

// MD5 of what ffmpeg decodes from `input`, as `sample_fmt` PCM.
std::string pcm_md5(const fs::path& input, const std::string& sample_fmt) {
  const auto r = run_process({"ffmpeg", "-nostdin", "-v", "error", "-i", input.string(), "-map", "0:a:0",
                              "-c:a", "pcm_" + sample_fmt, "-f", "md5", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

TEST_F(MediaPipelineInputs, every_rung_has_a_distinct_bit_rate_that_matches_its_label) {
  // Music-like: independent pink noise per channel under two tremolo tones (the ingest bench's
  // signal), 16-bit 44.1 kHz stereo FLAC. A pure tone would let AAC undershoot any label.
  const fs::path flac = dir_ / "music.flac";
  test::ffmpeg(
      {"-f",
       "lavfi",
       "-i",
       "anoisesrc=d=30:c=pink:r=44100:a=0.12:s=42",
       "-f",
       "lavfi",
       "-i",
       "anoisesrc=d=30:c=pink:r=44100:a=0.12:s=43",
       "-f",
       "lavfi",
       "-i",
       "sine=f=220:d=30:r=44100",
       "-f",
       "lavfi",
       "-i",
       "sine=f=331:d=30:r=44100",
       "-filter_complex",
       "[2][3]amix=inputs=2,volume=0.6,tremolo=f=2:d=0.5,asplit[t1][t2];[0][t1]amix=inputs=2:"
       "normalize=0[l];[1][t2]amix=inputs=2:normalize=0[r];[l][r]join=inputs=2:channel_layout=stereo",
       "-sample_fmt",
       "s16",
       "-c:a",
       "flac",
       flac.string()});
  const ProcessResult r = process_audio(flac, dir_ / "out");
  ASSERT_EQ(r.rungs.size(), 3u);
  const auto master = hls::parse_master_playlist(read_text(dir_ / "out" / "master.m3u8"));
  ASSERT_EQ(master.variants.size(), 3u);
  std::vector<double> measured;
  for (std::size_t i = 0; i < 3; ++i) {
    const Rung& rung = r.rungs[i];
    const double bps = measured_bps(dir_ / "out" / rung.playlist.parent_path());
    measured.push_back(bps);
    // The label a player sees: the nominal rate for AAC; for lossless, the AVERAGE-BANDWIDTH the
    // master announces (there is no nominal rate).
    const double label = rung.kbps == hls::kLosslessRung
                             ? static_cast<double>(master.variants[i].average_bandwidth)
                             : rung.kbps * 1000.0;
    EXPECT_NEAR(bps, label, 0.15 * label) << rung.playlist;
  }
  EXPECT_GT(measured[1], 1.6 * measured[0]) << "256 is not distinct from 128";
  EXPECT_GT(measured[2], 2.0 * measured[1]) << "lossless is not well above 256";
  // Lossless means the source's own samples: bit-exact after decoding.
  EXPECT_EQ(pcm_md5(dir_ / "out" / "lossless" / "index.m3u8", "s16le"), pcm_md5(flac, "s16le"));
}

TEST_F(MediaPipelineInputs, a_24_bit_96_khz_source_keeps_its_rate_and_samples_in_the_lossless_rung) {
  const fs::path wav = dir_ / "hires.wav";
  test::ffmpeg({"-f", "lavfi", "-i", "anoisesrc=d=3:c=pink:r=96000:a=0.3", "-ac", "2", "-c:a", "pcm_s24le",
                wav.string()});
  const ProcessResult r = process_audio(wav, dir_ / "out");
  ASSERT_EQ(r.rungs.size(), 3u);
  EXPECT_EQ(r.rungs[1].sample_rate, 48000);  // AAC: resampled
  EXPECT_EQ(r.rungs[2].sample_rate, 96000);  // lossless: as it came
  const fs::path playlist = dir_ / "out" / "lossless" / "index.m3u8";
  const auto probe = run_process({"ffprobe", "-v", "error", "-show_entries", "stream=bits_per_raw_sample",
                                  "-of", "csv=p=0", playlist.string()});
  EXPECT_EQ(probe.output.substr(0, probe.output.find('\n')), "24");
  EXPECT_EQ(pcm_md5(playlist, "s32le"), pcm_md5(wav, "s32le"));
}

TEST_F(MediaPipelineInputs, a_lossy_source_gets_no_lossless_rung) {
  const fs::path mp3 = test::make_audio(dir_, test::accepted_kinds()[0], 2.0);
  const ProcessResult r = process_audio(mp3, dir_ / "out");
  ASSERT_EQ(r.rungs.size(), 2u);
  EXPECT_EQ(r.rungs[1].kbps, 256);
  EXPECT_FALSE(fs::exists(dir_ / "out" / "lossless"));
}

}  // namespace
