// The ingest benchmark's driver (bench/ingest/run.sh). Prints one JSON object on stdout.
//
//   media_bench ours <input> <out_dir>
//     The server's path for one upload: probe_audio (with the full decode check), then
//     process_audio. Times from the start ("upload complete") to (a) the first rung playable
//     (on_rung_ready) and (b) everything ready (process_audio returned).
//   media_bench baseline <input> <out_dir>
//     One plain ffmpeg command making the same 3-rung ladder (AAC-LC 128/256 kbps and lossless
//     FLAC, fMP4 HLS, 6 s segments), started the same way (its own session), timed the same way.
//
// Both report the CPU time (user + system) of the driver and every tool it ran.
#include <sys/resource.h>

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/process.hpp"
#include "media/pipeline.hpp"

namespace media = mc::media;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage u{};
    getrusage(who, &u);
    total += static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
             static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }
  return total;
}

double playlist_seconds(const fs::path& playlist) {
  std::ifstream in(playlist);
  std::stringstream text;
  text << in.rdbuf();
  return media::hls::parse_media_playlist(text.str()).total_duration_s();
}

boost::json::object run_baseline(const fs::path& input, const fs::path& out) {
  const auto t0 = Clock::now();
  const double cpu0 = cpu_seconds();
  std::vector<std::string> argv{"ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-v", "error"};
  argv.insert(argv.end(), {"-i", input.string(), "-map", "0:a:0", "-map", "0:a:0", "-map", "0:a:0"});
  argv.insert(argv.end(), {"-c:a:0", "aac", "-b:a:0", "128k", "-c:a:1", "aac", "-b:a:1", "256k"});
  argv.insert(argv.end(), {"-c:a:2", "flac", "-strict", "experimental"});
  argv.insert(argv.end(),
              {"-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4"});
  argv.insert(argv.end(), {"-var_stream_map", "a:0,name:128 a:1,name:256 a:2,name:lossless"});
  argv.insert(argv.end(), {"-hls_segment_filename", (out / "%v" / "seg_%05d.m4s").string()});
  argv.push_back((out / "%v" / "index.m3u8").string());
  const auto r = mc::run_process_streaming(argv, {});
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  if (r.exit_code != 0) throw std::runtime_error("baseline ffmpeg failed: " + r.stderr_output);
  std::string command;
  for (const auto& a : argv)
    command += (command.empty() ? "" : " ") + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
  boost::json::array rungs;
  for (int rung : {128, 256, media::hls::kLosslessRung}) {
    rungs.push_back(
        {{"kbps", rung}, {"duration_s", playlist_seconds(out / media::hls::rung_dir(rung) / "index.m3u8")}});
  }
  return {{"mode", "baseline"},
          {"wall_s", wall},
          {"cpu_s", cpu_seconds() - cpu0},
          {"rungs", rungs},
          {"command", command}};
}

boost::json::object run_ours(const fs::path& input, const fs::path& out) {
  const auto t0 = Clock::now();
  const double cpu0 = cpu_seconds();
  auto since = [&t0] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  media::ProcessOptions options;
  options.probe = media::probe_audio(input);
  const double probe_s = since();

  // (a) is the 128 kbps rung: the one every listener can play. The lossless rung may be ready
  // sooner (FLAC is cheap), but only superfans get it.
  constexpr int kFirstRung = 128;
  double first_ready_s = -1;
  boost::json::array ready;
  media::ProgressSink sink;
  sink.on_rung_ready = [&](const media::Rung& rung) {
    const double t = since();
    if (rung.kbps == kFirstRung) first_ready_s = t;
    ready.push_back({{"kbps", rung.kbps}, {"s", t}});
  };
  const media::ProcessResult r = media::process_audio(input, out, options, sink);
  const double all_ready_s = since();

  boost::json::array rungs;
  for (const auto& rung : r.rungs) {
    rungs.push_back({{"kbps", rung.kbps},
                     {"segments", rung.segments},
                     {"duration_s", rung.duration_s},
                     {"bandwidth", rung.bandwidth},
                     {"average_bandwidth", rung.average_bandwidth}});
  }
  return {{"mode", "ours"},
          {"probe_s", probe_s},
          {"first_rung_s", first_ready_s},
          {"first_rung_kbps", kFirstRung},
          {"all_ready_s", all_ready_s},
          {"cpu_s", cpu_seconds() - cpu0},
          {"ready", ready},
          {"source_duration_s", options.probe->duration_s},
          {"duration_s", r.duration_s},
          {"integrated_lufs", r.loudness.integrated_lufs},
          {"true_peak_dbtp", r.loudness.true_peak_dbtp},
          {"gain_db", r.gain_db},
          {"waveform_points", r.waveform.size()},
          {"rungs", rungs}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (argc != 4 || (mode != "ours" && mode != "baseline")) {
    std::cerr << "usage: media_bench ours|baseline <input> <out_dir>\n";
    return 2;
  }
  try {
    fs::remove_all(argv[3]);
    fs::create_directories(argv[3]);
    const auto out = mode == "ours" ? run_ours(argv[2], argv[3]) : run_baseline(argv[2], argv[3]);
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  } catch (const media::InvalidMedia& e) {
    std::cerr << "invalid media (" << e.code() << "): " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
  }
  return 1;
}
