#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/process.hpp"

namespace mc::media {

// Where the ffmpeg tools are (PATH lookup by default).
struct Tools {
  std::string ffmpeg = "ffmpeg";
  std::string ffprobe = "ffprobe";
};

// How every tool run names its input: "file:" plus the absolute path, so that a file name can never
// be read as a protocol ("http:…", "concat:…") or an option.
std::string input_url(const std::filesystem::path& file);

// Throws ProcessingError when the tool did not start at all (not installed: exec failed).
void require_started(const StreamingResult& result, std::string_view tool);

// A tool's stderr made fit to show a client: its first line, without "[demuxer @ 0x…]" prefixes,
// log-level tags or the server's path to the file.
std::string client_message(std::string_view stderr_output, const std::filesystem::path& file);

// One ffmpeg run from the first audio stream of `input` (read with `demuxer` when given), without
// video or the source's metadata, then `output_args` (codec, tags, container, the output file).
// Throws ProcessingError when it fails, saying `what` could not be made and ffmpeg's first line.
struct AudioTranscode {
  std::filesystem::path input;
  std::string demuxer;  // empty: ffmpeg detects it
  std::vector<std::string> output_args;
  std::string what;  // for the error: "an attachment", "flac", …
  std::chrono::milliseconds timeout{0};
  int nice = 0;
};
void transcode_audio(const AudioTranscode& t);

// Reads `ffmpeg -progress pipe:1` output: blocks of key=value lines, each ending with
// progress=continue|end.
class ProgressReader {
 public:
  // Returns true when `line` ends a block (then out_time_us() is that block's time).
  bool feed(std::string_view line);
  std::int64_t out_time_us() const { return out_time_us_; }
  bool ended() const { return ended_; }

 private:
  std::int64_t pending_us_ = 0;
  std::int64_t out_time_us_ = 0;
  bool ended_ = false;
};

}  // namespace mc::media
