// probe_audio: formats are recognised from their content, bad uploads get the right error code.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cerrno>
#include <random>

#include "media/probe.hpp"
#include "support/media_files.hpp"

using namespace mc;
using namespace mc::media;
namespace fs = std::filesystem;

namespace {

class MediaProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    MC_REQUIRE_FFMPEG();
    dir_ = test::media_temp_dir("mc-probe");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // The code InvalidMedia carries, or "accepted".
  static std::string outcome(const fs::path& file, const ProbeOptions& options = {}) {
    try {
      probe_audio(file, options);
      return "accepted";
    } catch (const InvalidMedia& e) {
      return e.code();
    }
  }

  test::AudioKind kind(const std::string& name) const {
    for (const auto& k : test::accepted_kinds()) {
      if (k.name == name) return k;
    }
    throw std::runtime_error("no kind " + name);
  }

  fs::path truncated_copy(const fs::path& file, double keep) const {
    const std::string bytes = test::read_bytes(file);
    fs::path out = dir_ / ("cut-" + file.filename().string());
    test::write_bytes(out,
                      bytes.substr(0, static_cast<std::size_t>(static_cast<double>(bytes.size()) * keep)));
    return out;
  }

  fs::path dir_;
};

struct Expected {
  std::string kind;
  Format format;
  std::string codec;
  int sample_rate;
};

void PrintTo(const Expected& e, std::ostream* os) {
  *os << e.kind;
}

class EveryAcceptedFormat : public MediaProbe, public ::testing::WithParamInterface<Expected> {};

TEST_P(EveryAcceptedFormat, is_accepted_with_its_format_duration_and_stream) {
  const Expected& e = GetParam();
  const fs::path file = test::make_audio(dir_, kind(e.kind), 3.0);
  const ProbeResult r = probe_audio(file);
  EXPECT_EQ(r.format, e.format);
  EXPECT_EQ(r.codec, e.codec);
  EXPECT_NEAR(r.duration_s, 3.0, 0.1);
  EXPECT_TRUE(r.decoded);
  EXPECT_EQ(r.sample_rate, e.sample_rate);
  EXPECT_EQ(r.channels, 2);
  EXPECT_EQ(r.audio_streams, 1);
  EXPECT_FALSE(r.has_artwork);
}

INSTANTIATE_TEST_SUITE_P(Formats, EveryAcceptedFormat,
                         ::testing::Values(Expected{"mp3", Format::mp3, "mp3", 44100},
                                           Expected{"wav", Format::wav, "pcm_s16le", 44100},
                                           Expected{"flac", Format::flac, "flac", 44100},
                                           Expected{"aiff", Format::aiff, "pcm_s16be", 44100},
                                           Expected{"m4a_aac", Format::m4a, "aac", 44100},
                                           Expected{"m4a_alac", Format::m4a, "alac", 44100},
                                           Expected{"ogg_vorbis", Format::ogg_vorbis, "vorbis", 44100},
                                           Expected{"opus", Format::opus, "opus", 48000},
                                           Expected{"adts_aac", Format::aac, "aac", 44100}),
                         [](const auto& info) { return info.param.kind; });

TEST_F(MediaProbe, format_comes_from_content_not_the_file_name) {
  const fs::path wav = test::make_audio(dir_, kind("wav"), 1.0);
  const fs::path disguised = dir_ / "song.mp3";
  fs::rename(wav, disguised);
  EXPECT_EQ(probe_audio(disguised).format, Format::wav);
}

TEST_F(MediaProbe, reads_tags_and_embedded_artwork) {
  const fs::path cover = dir_ / "cover.png";
  test::ffmpeg({"-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", cover.string()});
  const fs::path mp3 = dir_ / "tagged.mp3";
  test::ffmpeg({"-f",
                "lavfi",
                "-i",
                "sine=duration=2",
                "-i",
                cover.string(),
                "-map",
                "0:a",
                "-map",
                "1:v",
                "-c:a",
                "libmp3lame",
                "-c:v",
                "copy",
                "-id3v2_version",
                "3",
                "-metadata",
                "title=Blue Hour",
                "-metadata",
                "artist=Ana Ng",
                "-metadata",
                "album=Night Drives",
                "-metadata",
                "track=3/12",
                "-metadata:s:v",
                "comment=Cover (front)",
                "-disposition:v",
                "attached_pic",
                mp3.string()});
  const ProbeResult r = probe_audio(mp3);
  EXPECT_EQ(r.tags.title, "Blue Hour");
  EXPECT_EQ(r.tags.artist, "Ana Ng");
  EXPECT_EQ(r.tags.album, "Night Drives");
  EXPECT_EQ(r.tags.track, 3);
  EXPECT_TRUE(r.has_artwork);
  EXPECT_EQ(r.artwork_codec, "png");
}

TEST_F(MediaProbe, reads_vorbis_comments) {
  const fs::path flac = test::make_audio(dir_, kind("flac"), 1.0, "",
                                         {"-metadata", "TITLE=Ünïcode Title", "-metadata", "TRACKNUMBER=7"});
  const ProbeResult r = probe_audio(flac);
  EXPECT_EQ(r.tags.title, "Ünïcode Title");
  EXPECT_EQ(r.tags.track, 7);
  EXPECT_FALSE(r.tags.artist);
}

TEST_F(MediaProbe, empty_file_is_refused) {
  test::write_bytes(dir_ / "empty.mp3", "");
  EXPECT_EQ(outcome(dir_ / "empty.mp3"), "empty_file");
}

TEST_F(MediaProbe, text_named_mp3_is_unrecognized) {
  test::write_bytes(dir_ / "notes.mp3", "These are not the droids you are looking for.\nJust text.\n");
  EXPECT_EQ(outcome(dir_ / "notes.mp3"), "unrecognized_format");
}

TEST_F(MediaProbe, random_bytes_are_unrecognized) {
  std::mt19937 rng(1234);
  std::string bytes(200000, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
  test::write_bytes(dir_ / "noise.wav", bytes);
  EXPECT_EQ(outcome(dir_ / "noise.wav"), "unrecognized_format");
}

TEST_F(MediaProbe, images_are_not_audio) {
  for (const char* name : {"picture.png", "picture.jpg"}) {
    const fs::path image = dir_ / name;
    test::ffmpeg({"-f", "lavfi", "-i", "testsrc=s=64x64", "-frames:v", "1", image.string()});
    const fs::path renamed = dir_ / (std::string(name) + ".mp3");
    fs::rename(image, renamed);
    EXPECT_EQ(outcome(renamed), "not_audio") << name;
  }
}

TEST_F(MediaProbe, video_is_not_audio) {
  const fs::path video = dir_ / "clip.m4a";
  test::ffmpeg({"-f", "lavfi", "-i", "testsrc=s=64x64:d=1", "-f", "lavfi", "-i", "sine=d=1", "-c:v", "mpeg4",
                "-c:a", "aac", "-f", "mp4", video.string()});
  EXPECT_EQ(outcome(video), "not_audio");
}

TEST_F(MediaProbe, container_without_audio_has_no_audio_stream) {
  const fs::path srt = dir_ / "lyrics.srt";
  test::write_bytes(srt, "1\n00:00:00,000 --> 00:00:01,000\nla la la\n");
  const fs::path mp4 = dir_ / "lyrics.m4a";
  test::ffmpeg({"-i", srt.string(), "-c:s", "mov_text", "-f", "mp4", mp4.string()});
  EXPECT_EQ(outcome(mp4), "no_audio_stream");
}

TEST_F(MediaProbe, truncated_flac_is_refused) {
  const fs::path flac = test::make_audio(dir_, kind("flac"), 4.0, "anoisesrc=d=4:c=pink:r=44100");
  EXPECT_EQ(outcome(truncated_copy(flac, 0.5)), "truncated_or_corrupt");
}

TEST_F(MediaProbe, truncated_files_of_every_kind_are_refused) {
  for (const char* name : {"mp3", "wav", "aiff", "m4a_aac", "ogg_vorbis", "opus"}) {
    const fs::path file = test::make_audio(dir_, kind(name), 4.0, "anoisesrc=d=4:c=pink:r=44100");
    EXPECT_EQ(outcome(truncated_copy(file, 0.5)), "truncated_or_corrupt") << name;
  }
}

// The search for an Ogg stream's last page finds it at once in a real file, and a tail packed
// with fake page headers costs at most kOggScanBudget bytes of checksum (it used to cost one
// checksum per complete candidate: about tail² / 60 bytes, 280 MB for a 128 KiB tail).
TEST_F(MediaProbe, the_ogg_last_page_search_is_bounded) {
  for (const char* name : {"ogg_vorbis", "opus"}) {
    const std::string bytes =
        test::read_bytes(test::make_audio(dir_, kind(name), 4.0, "anoisesrc=d=4:c=pink:r=44100"));
    const std::string_view tail =
        std::string_view(bytes).substr(bytes.size() - std::min<std::size_t>(bytes.size(), 128 * 1024));
    const OggTail real = scan_ogg_tail(tail);
    EXPECT_TRUE(real.found && real.end_of_stream) << name;
    EXPECT_LE(real.checksummed, std::size_t{65307}) << name << ": one page";
  }
  std::string fake("OggS\0", 5);
  fake += std::string(27, '\xFF');  // 255 segments of up to 255 bytes: ~57 KB per candidate page
  std::string tail;
  while (tail.size() < 128 * 1024) tail += fake;
  const OggTail attack = scan_ogg_tail(tail);
  EXPECT_FALSE(attack.found);
  EXPECT_LE(attack.checksummed, kOggScanBudget);
}

TEST_F(MediaProbe, corrupted_middle_is_refused) {
  const fs::path flac = test::make_audio(dir_, kind("flac"), 4.0, "anoisesrc=d=4:c=pink:r=44100");
  std::string bytes = test::read_bytes(flac);
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 4000; ++i)
    bytes[i] = static_cast<char>(i * 7);
  test::write_bytes(flac, bytes);
  EXPECT_EQ(outcome(flac), "truncated_or_corrupt");
}

TEST_F(MediaProbe, too_long_is_refused_before_decoding) {
  const fs::path wav = test::make_audio(dir_, kind("wav"), 3.0);
  ProbeOptions options;
  options.max_duration_s = 2.0;
  EXPECT_EQ(outcome(wav, options), "too_long");
}

// ---- Limits (checked from ffprobe's answer, before the full decode) --------------------------

// A WAV made by ffmpeg from `graph` with extra output options.
fs::path wav_of(const fs::path& dir, const std::string& name, const std::string& graph,
                std::vector<std::string> extra = {}) {
  const fs::path out = dir / name;
  std::vector<std::string> args{"-f", "lavfi", "-i", graph};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), {"-c:a", "pcm_s16le", out.string()});
  test::ffmpeg(args);
  return out;
}

// Options whose decode check cannot run: an InvalidMedia proves the refusal came before it.
ProbeOptions without_decoder() {
  ProbeOptions options;
  options.tools.ffmpeg = "/nonexistent/ffmpeg";
  return options;
}

TEST_F(MediaProbe, sample_rates_outside_8_to_384_khz_are_refused_before_decoding) {
  EXPECT_EQ(outcome(wav_of(dir_, "4k.wav", "sine=sample_rate=4000:duration=2"), without_decoder()),
            "unsupported_sample_rate");
  EXPECT_EQ(outcome(wav_of(dir_, "400k.wav", "sine=sample_rate=400000:duration=2"), without_decoder()),
            "unsupported_sample_rate");
  // The limits themselves are accepted.
  EXPECT_EQ(outcome(wav_of(dir_, "8k.wav", "sine=sample_rate=8000:duration=2")), "accepted");
  EXPECT_EQ(outcome(wav_of(dir_, "384k.wav", "sine=sample_rate=384000:duration=2")), "accepted");
  try {
    probe_audio(wav_of(dir_, "4k.wav", "sine=sample_rate=4000:duration=2"));
    ADD_FAILURE() << "accepted";
  } catch (const InvalidMedia& e) {
    EXPECT_STREQ(e.what(), "The audio's sample rate is 4000 Hz; accepted: 8000 to 384000 Hz");
  }
}

TEST_F(MediaProbe, more_than_8_channels_are_refused_before_decoding) {
  // Nine channels have no default layout to upmix to: nine copies of one tone, merged.
  const std::string nine =
      "sine=duration=2,asplit=9[a][b][c][d][e][f][g][h][i];[a][b][c][d][e][f][g][h][i]amerge=inputs=9[out0]";
  EXPECT_EQ(outcome(wav_of(dir_, "9ch.wav", nine), without_decoder()), "unsupported_channels");
  EXPECT_EQ(outcome(wav_of(dir_, "8ch.wav", "sine=duration=2", {"-ac", "8"})), "accepted");
}

TEST_F(MediaProbe, durations_outside_1_s_to_4_h_are_refused_before_decoding) {
  EXPECT_EQ(outcome(wav_of(dir_, "short.wav", "sine=duration=0.5"), without_decoder()), "too_short");
  EXPECT_EQ(outcome(wav_of(dir_, "one.wav", "sine=duration=1")), "accepted");
  // Over the maximum (4 h by default; a 4-hour file is too big to make here): a 3 s file against a
  // 2 s limit, refused from its header.
  EXPECT_EQ(ProbeOptions{}.max_duration_s, 4 * 3600.0);
  EXPECT_EQ(outcome(wav_of(dir_, "3s.wav", "sine=duration=3"),
                    [] {
                      ProbeOptions o = without_decoder();
                      o.max_duration_s = 2.0;
                      return o;
                    }()),
            "too_long");
}

// A stand-in for ffmpeg that records how it was started, then runs the real one.
fs::path recording_ffmpeg(const fs::path& dir, const std::string& before_exec = "") {
  const fs::path script = dir / "ffmpeg-recording.sh";
  test::write_bytes(script, "#!/bin/sh\necho \"$(nice) $(ulimit -St)\" >> '" + (dir / "started").string() +
                                "'\n" + before_exec + "exec ffmpeg \"$@\"\n");
  fs::permissions(script, fs::perms::owner_all);
  return script;
}

TEST_F(MediaProbe, the_decode_check_runs_at_the_tools_niceness_under_a_cpu_limit) {
  const fs::path wav = test::make_audio(dir_, kind("wav"), 3.0);
  ProbeOptions options;
  options.tools.ffmpeg = recording_ffmpeg(dir_).string();
  options.nice = 7;
  probe_audio(wav, options);
  errno = 0;
  const int own = getpriority(PRIO_PROCESS, 0);
  // Niceness: ours plus 7; CPU: 10 s plus 1/50 of the 3 s of audio.
  EXPECT_EQ(test::read_bytes(dir_ / "started"), std::to_string(std::min(own + 7, 19)) + " 10\n");
}

TEST_F(MediaProbe, a_decode_that_passes_its_cpu_limit_is_refused) {
  const fs::path wav = test::make_audio(dir_, kind("wav"), 3.0);
  ProbeOptions options;
  // Stands for a file built to be slow to decode: the decode run only burns CPU.
  options.tools.ffmpeg =
      recording_ffmpeg(dir_, "case \"$*\" in *null*) while :; do :; done;; esac\n").string();
  options.decode_cpu_limit = std::chrono::seconds(1);
  options.timeout = std::chrono::seconds(120);  // a backstop: the CPU limit must end it first
  EXPECT_EQ(outcome(wav, options), "too_costly_to_decode");
}

TEST_F(MediaProbe, without_the_decode_check_the_container_duration_is_reported) {
  const fs::path flac = test::make_audio(dir_, kind("flac"), 2.0);
  ProbeOptions options;
  options.decode_check = false;
  const ProbeResult r = probe_audio(flac, options);
  EXPECT_FALSE(r.decoded);
  EXPECT_NEAR(r.duration_s, 2.0, 0.01);
}

TEST_F(MediaProbe, missing_tools_are_our_error_not_the_uploads) {
  const fs::path wav = test::make_audio(dir_, kind("wav"), 1.0);
  ProbeOptions options;
  options.tools.ffprobe = "/nonexistent/ffprobe";
  EXPECT_THROW(probe_audio(wav, options), ProcessingError);
}

// ---- content sniffing on synthetic bytes (no tools needed) ------------------------------------

std::string classify_code(std::string_view head) {
  try {
    return std::string(to_string(classify_head(head, true)));
  } catch (const InvalidMedia& e) {
    return e.code();
  }
}

// MPEG-1 Layer II or III frames at 128 kbps, 44.1 kHz (417 bytes each).
std::string mpeg_frames(int layer, int count) {
  std::string frame(417, '\0');
  frame[0] = '\xFF';
  frame[1] = static_cast<char>(0xF8 | (4 - layer) << 1 | 1);
  frame[2] = layer == 2 ? '\x80' : '\x90';  // bit rate index for 128 kbps; 44.1 kHz
  std::string out;
  for (int i = 0; i < count; ++i) out += frame;
  return out;
}

TEST(MediaSniff, mpeg_layer_three_frames_are_mp3) {
  EXPECT_EQ(classify_code(mpeg_frames(3, 4)), "mp3");
}

TEST(MediaSniff, mpeg_layer_two_is_an_unsupported_codec) {
  EXPECT_EQ(classify_code(mpeg_frames(2, 4)), "unsupported_codec");
}

TEST(MediaSniff, a_lone_frame_sync_is_not_enough) {
  std::string bytes = mpeg_frames(3, 1) + std::string(1000, 'x');
  EXPECT_EQ(classify_code(bytes), "unrecognized_format");
}

TEST(MediaSniff, magic_bytes_of_each_container) {
  EXPECT_EQ(classify_code(std::string("fLaC\0\0\0\x22", 8)), "flac");
  EXPECT_EQ(classify_code(std::string("RIFF\x24\0\0\0WAVEfmt ", 16)), "wav");
  EXPECT_EQ(classify_code(std::string("FORM\0\0\0\x24"
                                      "AIFCFVER",
                                      16)),
            "aiff");
  EXPECT_EQ(classify_code(std::string("\0\0\0\x18"
                                      "ftypM4A \0\0\0\0M4A isom",
                                      24)),
            "m4a");
  EXPECT_EQ(classify_code(std::string("\0\0\0\x18"
                                      "ftypheic\0\0\0\0mif1heic",
                                      24)),
            "not_audio");
  EXPECT_EQ(classify_code(std::string("RIFF\x24\0\0\0WEBPVP8 ", 16)), "not_audio");
  EXPECT_EQ(classify_code("%PDF-1.7\n"), "not_audio");
  EXPECT_EQ(classify_code(std::string("\x1A\x45\xDF\xA3\x01\0\0\0", 8)), "unrecognized_format");
}

TEST(MediaSniff, ogg_codec_comes_from_the_first_packet) {
  auto page = [](std::string_view packet) {
    std::string p("OggS\0\x02", 6);
    p += std::string(20, '\0');
    p += '\x01';
    p += static_cast<char>(packet.size());
    p += packet;
    return p;
  };
  EXPECT_EQ(classify_code(page("OpusHead\x01\x02")), "opus");
  EXPECT_EQ(classify_code(page("\x01vorbis\0\0\0\0")), "ogg_vorbis");
  EXPECT_EQ(classify_code(page("\x7f"
                               "FLAC\x01\0")),
            "unsupported_codec");
  EXPECT_EQ(classify_code(page("\x80theora\x03")), "not_audio");
}

TEST(MediaSniff, id3v2_tag_size_is_syncsafe_plus_header_and_footer) {
  EXPECT_EQ(id3v2_size(std::string("ID3\x04\0\0\0\0\x02\x01", 10)), 10u + 257u);
  EXPECT_EQ(id3v2_size(std::string("ID3\x04\0\x10\0\0\0\x10", 10)), 10u + 16u + 10u);
  EXPECT_EQ(id3v2_size(std::string("ID3\x04\0\0\0\0\x80\x01", 10)), 0u);  // not syncsafe
  EXPECT_EQ(id3v2_size("fLaC"), 0u);
}

// Sniffing reads untrusted bytes: whatever they are, it answers a format or InvalidMedia.
TEST(MediaSniff, never_fails_otherwise_on_random_or_mutated_bytes) {
  std::mt19937 rng(7);
  const std::vector<std::string> seeds{
      std::string("ID3\x03\0\0\0\0\0\x20", 10) + mpeg_frames(3, 3),
      mpeg_frames(3, 5),
      std::string("fLaC\0\0\0\x22", 8),
      std::string("RIFF\x24\0\0\0WAVEfmt ", 16),
      std::string("\0\0\0\x18"
                  "ftypM4A \0\0\0\0M4A isom",
                  24),
      std::string("OggS\0\x02", 6) + std::string(20, '\0') + "\x01\x13OpusHead\x01\x02"};
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = seeds[static_cast<std::size_t>(i) % seeds.size()];
    bytes.resize(rng() % (bytes.size() + 64));
    for (int flips = static_cast<int>(rng() % 8); flips > 0 && !bytes.empty(); --flips) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    try {
      classify_head(bytes, rng() % 2 == 0);
      (void)id3v2_size(bytes);
    } catch (const InvalidMedia&) {
    }
  }
  // The checks that read a file's end too (Ogg pages, RIFF/FORM sizes).
  const fs::path dir = test::media_temp_dir("mc-sniff");
  for (int i = 0; i < 300; ++i) {
    std::string bytes = seeds[static_cast<std::size_t>(i) % seeds.size()];
    if (i % 3 == 0) bytes = std::string("FORM\xff\0\0\0AIFF", 12);
    for (int k = static_cast<int>(rng() % 3); k > 0; --k) bytes += "OggS" + std::string(rng() % 300, '\x05');
    for (int flips = static_cast<int>(rng() % 8); flips > 0; --flips)
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    test::write_bytes(dir / "f", bytes);
    try {
      sniff_file(dir / "f");
    } catch (const InvalidMedia&) {
    }
  }
  fs::remove_all(dir);
}

}  // namespace
