#include "media/tools.hpp"

#include <charconv>

#include "media/errors.hpp"

namespace mc::media {

std::string input_url(const std::filesystem::path& file) {
  return "file:" + std::filesystem::absolute(file).lexically_normal().string();
}

void require_started(const StreamingResult& result, std::string_view tool) {
  if (result.exit_code == 127 && result.stderr_output.find("exec failed") != std::string::npos) {
    throw ProcessingError(std::string(tool) +
                          " could not be started: is ffmpeg installed (apt-get install ffmpeg)?");
  }
}

void transcode_audio(const AudioTranscode& t) {
  std::vector<std::string> argv{"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"};
  if (!t.demuxer.empty()) {
    argv.emplace_back("-f");
    argv.push_back(t.demuxer);
  }
  argv.emplace_back("-i");
  argv.push_back(input_url(t.input));
  for (const char* a : {"-map", "0:a:0", "-vn", "-map_metadata", "-1"}) argv.emplace_back(a);
  argv.insert(argv.end(), t.output_args.begin(), t.output_args.end());
  StreamingOptions options;
  options.timeout = t.timeout;
  options.nice = t.nice;
  const StreamingResult result = run_process_streaming(argv, options);
  require_started(result, "ffmpeg");
  if (result.exit_code != 0 || result.timed_out || result.stopped) {
    throw ProcessingError("ffmpeg could not make " + t.what + ": " +
                          client_message(result.stderr_output, t.input));
  }
}

std::string client_message(std::string_view err, const std::filesystem::path& file) {
  std::string_view line = err;
  while (!line.empty() && (line.front() == '\n' || line.front() == '\r' || line.front() == ' '))
    line.remove_prefix(1);
  line = line.substr(0, line.find('\n'));
  std::string out(line);
  // "[flac @ 0x55ae…] invalid residual", "[error] …": drop bracketed prefixes.
  while (!out.empty() && out.front() == '[') {
    const auto close = out.find("] ");
    if (close == std::string::npos) break;
    out.erase(0, close + 2);
  }
  for (const std::string& path :
       {input_url(file), std::filesystem::absolute(file).lexically_normal().string(), file.string()}) {
    for (std::size_t at; !path.empty() && (at = out.find(path)) != std::string::npos;)
      out.replace(at, path.size(), "input");
  }
  if (out.size() > 200) out.resize(200);
  return out;
}

bool ProgressReader::feed(std::string_view line) {
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
  if (key == "out_time_us") {
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec == std::errc() && ptr == value.data() + value.size() && v >= 0) pending_us_ = v;  // "N/A" early on
    return false;
  }
  if (key != "progress") return false;
  out_time_us_ = pending_us_;
  if (value == "end") ended_ = true;
  return true;
}

}  // namespace mc::media
