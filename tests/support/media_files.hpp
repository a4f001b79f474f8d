#pragma once
// Audio files made at test time with ffmpeg's lavfi sources, for the media tests.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/process.hpp"

namespace mc::test {

namespace fs = std::filesystem;

inline bool have_ffmpeg() {
  for (const char* tool : {"ffmpeg", "ffprobe"}) {
    const auto r = run_process({tool, "-version"});
    if (r.exit_code != 0) return false;
  }
  return true;
}

// Call first in every test that needs the tools: fails the test (not skips it) when they are missing.
#define MC_REQUIRE_FFMPEG() \
  ASSERT_TRUE(::mc::test::have_ffmpeg()) << "ffmpeg/ffprobe are not installed: apt-get install ffmpeg"

inline fs::path media_temp_dir(const std::string& prefix) {
  std::string templ = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  return templ;
}

// Runs ffmpeg quietly; throws with its output when it fails.
inline void ffmpeg(std::vector<std::string> args) {
  args.insert(args.begin(), {"ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y"});
  const auto r = run_process(args);
  if (r.exit_code != 0) throw std::runtime_error("ffmpeg failed: " + r.output);
}

struct AudioKind {
  std::string name;                // test label
  std::string ext;                 // file extension (irrelevant to the code under test)
  std::vector<std::string> codec;  // output options
};

// Every accepted format, as real encoders write it.
inline std::vector<AudioKind> accepted_kinds() {
  return {
      {"mp3", "mp3", {"-c:a", "libmp3lame", "-b:a", "128k"}},
      {"wav", "wav", {"-c:a", "pcm_s16le"}},
      {"flac", "flac", {"-c:a", "flac"}},
      {"aiff", "aiff", {"-c:a", "pcm_s16be"}},
      {"m4a_aac", "m4a", {"-c:a", "aac", "-b:a", "128k"}},
      {"m4a_alac", "m4a", {"-c:a", "alac"}},
      {"ogg_vorbis", "ogg", {"-c:a", "libvorbis", "-q:a", "4"}},
      {"opus", "opus", {"-c:a", "libopus", "-b:a", "96k"}},
      {"adts_aac", "aac", {"-c:a", "aac", "-b:a", "128k", "-f", "adts"}},
  };
}

// `seconds` of a stereo 44.1 kHz tone (or `source`, any lavfi graph) encoded as `kind`.
inline fs::path make_audio(const fs::path& dir, const AudioKind& kind, double seconds,
                           const std::string& source = "", std::vector<std::string> extra = {}) {
  const fs::path out = dir / (kind.name + "." + kind.ext);
  const std::string graph =
      source.empty() ? "sine=frequency=440:sample_rate=44100:duration=" + std::to_string(seconds) : source;
  std::vector<std::string> args{"-f", "lavfi", "-i", graph, "-ac", "2", "-t", std::to_string(seconds)};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), kind.codec.begin(), kind.codec.end());
  args.push_back(out.string());
  ffmpeg(args);
  return out;
}

inline std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace mc::test
