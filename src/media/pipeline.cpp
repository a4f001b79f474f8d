#include "media/pipeline.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "media/waveform.hpp"

namespace mc::media {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kDurationTolerance_s = 0.1;  // HLS total vs the decoded audio

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// 44.1 kHz for the 44.1 kHz family (CD, 88.2, 176.4, 22.05 ...), 48 kHz for everything else.
int output_rate(int source_rate) {
  return source_rate % 11025 == 0 ? 44100 : 48000;
}

// Resample only when needed (with soxr), then the stereo planar float the AAC encoder takes. Mono
// is spread over both channels at -3 dB each, which keeps its loudness.
std::string prepare_filter(int source_rate, int rate) {
  std::string f;
  if (source_rate != rate) f = "aresample=" + std::to_string(rate) + ":resampler=soxr,";
  return f + "aformat=sample_fmts=fltp:sample_rates=" + std::to_string(rate) + ":channel_layouts=stereo";
}

std::string rung_name(int rung) {
  return hls::rung_dir(rung);
}
fs::path part_dir(const fs::path& out_dir, int rung) {
  return out_dir / (rung_name(rung) + ".part");
}
std::string rung_label(int rung) {
  return rung == hls::kLosslessRung ? "lossless rung" : rung_name(rung) + " kbps rung";
}

// Lossless sources only: a lossless rung of an MP3 would be a bigger copy of the same MP3. Mono and
// stereo only, so every rung of the ladder has the layout players switch between without a hiccup.
bool lossless_source(const ProbeResult& probe) {
  return (probe.codec.starts_with("pcm_") || probe.codec == "flac" || probe.codec == "alac") &&
         probe.channels <= 2;
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The arguments that encode one mapped stream into an fMP4 HLS rung in `dir`.
void add_rung_output(std::vector<std::string>& argv, int rung, const fs::path& dir,
                     const ProcessOptions& options) {
  if (rung == hls::kLosslessRung) {
    // FLAC in MP4 is "experimental" to ffmpeg 5.1's muxer (the format is standard: the flag only
    // unlocks it). The encoder's last packet is an empty one carrying the final STREAMINFO; the
    // HLS muxer counts it as one more frame in the last EXTINF, so it is dropped (STREAMINFO's MD5
    // then stays zero, which FLAC defines as "not computed").
    argv.insert(argv.end(), {"-c:a", "flac", "-strict", "experimental", "-bsf:a", "noise=drop=not(size)"});
  } else {
    // The "fast" coder: at 128 kbps and above it sounds at least as good as ffmpeg 5.1's default
    // "twoloop" (its author made it the default for that reason in 2018) for half the CPU, which is
    // what puts the first rung within 0.4x of a plain ffmpeg run (docs/media.md).
    argv.insert(argv.end(), {"-c:a", "aac", "-aac_coder", "fast", "-b:a", std::to_string(rung) + "k"});
  }
  argv.insert(argv.end(), {"-map_metadata", "-1"});
  argv.insert(argv.end(), {"-map_chapters", "-1", "-f", "hls", "-hls_time", number(options.segment_s)});
  argv.insert(argv.end(), {"-hls_playlist_type", "vod", "-hls_segment_type", "fmp4"});
  argv.insert(argv.end(), {"-hls_fmp4_init_filename", "init.mp4"});
  argv.insert(argv.end(),
              {"-hls_segment_filename", (dir / "seg_%05d.m4s").string(), (dir / "index.m3u8").string()});
}

// The input, read only as a local file, with the demuxer its content was sniffed as.
void add_input(std::vector<std::string>& argv, const ProbeResult& probe, const fs::path& input) {
  argv.insert(argv.end(), {"-protocol_whitelist", "file", "-f", std::string(demuxer_name(probe.format))});
  argv.insert(argv.end(), {"-i", input_url(input)});
}

std::vector<std::string> ffmpeg_head(const ProcessOptions& options, const ProbeResult& probe,
                                     const fs::path& input, const char* log_level) {
  std::vector<std::string> argv{options.probe_options.tools.ffmpeg, "-nostdin", "-hide_banner", "-nostats"};
  argv.insert(argv.end(), {"-v", log_level, "-xerror", "-progress", "pipe:1"});
  add_input(argv, probe, input);
  return argv;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ProcessingError("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file_atomically(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw ProcessingError("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

// Checks a finished rung against the HLS rules we promise, measures it and moves it into place.
// `expected_s` < 0: the source duration is not known exactly yet (checked later).
Rung finish_rung(const fs::path& out_dir, int kbps, int rate, double expected_s,
                 const ProcessOptions& options) {
  const fs::path dir = part_dir(out_dir, kbps);
  const std::string what = rung_label(kbps) + ": ";
  hls::MediaPlaylist playlist;
  try {
    playlist = hls::parse_media_playlist(read_file(dir / "index.m3u8"));
  } catch (const std::invalid_argument& e) {
    throw ProcessingError(what + e.what());
  }
  if (!playlist.ended || playlist.segments.empty()) throw ProcessingError(what + "playlist is incomplete");
  if (!playlist.map_uri || !fs::exists(dir / *playlist.map_uri))
    throw ProcessingError(what + "no init segment");
  std::vector<double> durations;
  std::vector<std::uint64_t> sizes;
  for (const hls::Segment& s : playlist.segments) {
    if (s.duration_s > options.max_segment_s) {
      throw ProcessingError(what + "segment " + s.uri + " lasts " + number(s.duration_s) + " s");
    }
    std::error_code ec;
    const auto size = fs::file_size(dir / s.uri, ec);
    if (ec || size == 0) throw ProcessingError(what + "segment " + s.uri + " is missing");
    durations.push_back(s.duration_s);
    sizes.push_back(size);
  }
  Rung rung;
  rung.kbps = kbps;
  rung.playlist = fs::path(rung_name(kbps)) / "index.m3u8";
  rung.sample_rate = rate;
  if (kbps == hls::kLosslessRung) rung.codecs = std::string(hls::kFlacCodecs);
  rung.segments = playlist.segments.size();
  rung.duration_s = playlist.total_duration_s();
  if (expected_s >= 0 && std::abs(rung.duration_s - expected_s) > kDurationTolerance_s) {
    throw ProcessingError(what + "lasts " + number(rung.duration_s) + " s instead of " + number(expected_s) +
                          " s");
  }
  rung.bandwidth = hls::peak_segment_bit_rate(durations, sizes, playlist.target_duration);
  std::uint64_t total = 0;
  for (auto s : sizes) total += s;
  rung.average_bandwidth =
      static_cast<std::int64_t>(std::ceil(8.0 * static_cast<double>(total) / rung.duration_s));
  const fs::path final_dir = out_dir / rung_name(kbps);
  fs::remove_all(final_dir);
  fs::rename(dir, final_dir);
  return rung;
}

// Serialises the sink's calls from the worker threads and keeps progress monotonic.
class Reporter {
 public:
  Reporter(const ProgressSink& sink, std::vector<double> weights)
      : sink_(sink), weights_(std::move(weights)), fractions_(weights_.size(), 0.0) {}

  void progress(Stage stage, double percent) {
    std::lock_guard lock(mutex_);
    percent = std::clamp(percent, last_, 100.0);
    if (stage == stage_ && percent - last_ < 0.1 && percent < 100.0) return;
    last_ = percent;
    stage_ = stage;
    if (sink_.on_progress) sink_.on_progress(stage, percent);
  }

  // Transcoding: the share of its work each tool has done, weighted by how much work it has.
  void transcoded(std::size_t tool, double fraction) {
    double done = 0, total = 0;
    {
      std::lock_guard lock(mutex_);
      fractions_[tool] = std::clamp(fraction, 0.0, 1.0);
      for (std::size_t i = 0; i < weights_.size(); ++i) {
        done += weights_[i] * fractions_[i];
        total += weights_[i];
      }
    }
    progress(Stage::transcoding, 2.0 + 95.0 * done / total);
  }

  void rung_ready(const Rung& rung) {
    std::lock_guard lock(mutex_);
    if (sink_.on_rung_ready) sink_.on_rung_ready(rung);
  }

 private:
  const ProgressSink& sink_;
  std::mutex mutex_;
  double last_ = -1;
  Stage stage_ = Stage::probing;
  std::vector<double> weights_;
  std::vector<double> fractions_;
};

// Runs one ffmpeg, feeding its -progress output to `on_fraction` (share of `duration_s` done).
StreamingResult run_ffmpeg(const std::vector<std::string>& argv, double duration_s,
                           const std::function<void(double)>& on_fraction,
                           std::function<void(std::string_view)> on_fd3, std::stop_token stop,
                           const ProcessOptions& options, const std::atomic<int>* renice) {
  ProgressReader reader;
  StreamingOptions streaming;
  streaming.stop = std::move(stop);
  streaming.nice = options.nice;
  streaming.renice = renice;
  // Transcoding runs at many times real time; allow real time plus the probe's timeout.
  streaming.timeout =
      options.probe_options.timeout + std::chrono::milliseconds(static_cast<long>(duration_s * 1000));
  streaming.on_fd3 = std::move(on_fd3);
  streaming.on_stdout_line = [&](std::string_view line) {
    if (reader.feed(line) && duration_s > 0)
      on_fraction(static_cast<double>(reader.out_time_us()) / 1e6 / duration_s);
  };
  StreamingResult r = run_process_streaming(argv, streaming);
  require_started(r, "ffmpeg");
  if (r.stopped) throw Cancelled();
  if (r.timed_out) throw ProcessingError("ffmpeg timed out");
  return r;
}

[[noreturn]] void tool_failed(const char* what, const StreamingResult& r, const fs::path& input) {
  // With -v level+info the error lines carry an "[error]" tag; show the first one.
  std::string_view err = r.stderr_output;
  if (const auto at = err.find("[error] "); at != std::string_view::npos) err = err.substr(at);
  throw ProcessingError(std::string(what) + " failed (exit " + std::to_string(r.exit_code) +
                        "): " + client_message(err, input));
}

// The embedded picture's bytes exactly as stored (no decoding by ffmpeg), then the image pipeline:
// only a JPEG, PNG or WebP within the size limits comes out, re-encoded. Anything else is dropped
// with a warning; the audio is not the picture's hostage.
std::optional<Artwork> extract_artwork(const fs::path& input, const fs::path& out_dir,
                                       const ProbeResult& probe, const ProcessOptions& options,
                                       std::stop_token stop, std::vector<std::string>& warnings) {
  const fs::path raw = out_dir / "artwork.src";
  std::vector<std::string> argv{options.probe_options.tools.ffmpeg, "-nostdin", "-hide_banner", "-v",
                                "error"};
  add_input(argv, probe, input);
  argv.insert(argv.end(), {"-map", "0:" + std::to_string(probe.artwork_stream), "-frames:v", "1"});
  argv.insert(argv.end(), {"-c:v", "copy", "-f", "image2", "-update", "1", "-y", raw.string()});
  StreamingOptions streaming;
  streaming.stop = std::move(stop);
  streaming.timeout = std::chrono::seconds(60);
  streaming.cpu_limit = std::chrono::seconds(10);
  streaming.nice = options.nice;
  const StreamingResult r = run_process_streaming(argv, streaming);
  require_started(r, "ffmpeg");
  if (r.stopped) throw Cancelled();
  std::error_code ec;
  if (r.exit_code != 0 || fs::file_size(raw, ec) == 0 || ec) {
    fs::remove(raw, ec);
    warnings.push_back("artwork extraction failed: " + client_message(r.stderr_output, input));
    return std::nullopt;
  }
  Artwork artwork{out_dir / "artwork", {}};
  try {
    artwork.renditions = render_image(raw, ImageKind::artwork, artwork.dir);
  } catch (const InvalidMedia& e) {
    warnings.push_back(std::string("embedded artwork dropped (") + e.code() + "): " + e.what());
    fs::remove_all(artwork.dir, ec);
    fs::remove(raw, ec);
    return std::nullopt;
  }
  fs::remove(raw, ec);
  return artwork;
}

void remove_previous_outputs(const fs::path& out_dir, const std::vector<int>& rungs) {
  for (int rung : rungs) {
    fs::remove_all(out_dir / rung_name(rung));
    fs::remove_all(part_dir(out_dir, rung));
  }
  fs::remove_all(out_dir / "artwork");
  for (const char* name : {"master.m3u8", "artwork.src"}) fs::remove(out_dir / name);
}

// One ffmpeg run: it decodes the input once and feeds its rungs and its share of the analysis.
struct Tool {
  std::vector<int> rungs;
  bool loudness = false;
  bool waveform = false;
  // Relative CPU cost, for progress: an AAC encode is 1; FLAC is about a fifth of that.
  double weight() const {
    double w = (loudness ? 0.3 : 0) + (waveform ? 0.1 : 0);
    for (int rung : rungs) w += rung == hls::kLosslessRung ? 0.2 : 1.0;
    return w;
  }
};

// The lowest rung gets a tool of its own, so it is ready after about a third of the work. Every
// other rung gets one too, so that the cores stay busy once the first is done (decoding is cheap
// next to AAC encoding, so decoding once per tool costs little). The analysis rides with the
// lightest later tool: the lossless one when there is one (FLAC costs about a fifth of an AAC
// encode, so loudness and waveform there keep it level with the 256 kbps tool, which is then
// all that (b) waits for); otherwise loudness with the second tool and the waveform with the last.
std::vector<Tool> plan_tools(const std::vector<int>& rungs) {
  std::vector<Tool> tools;
  tools.reserve(rungs.size() + 1);
  for (int rung : rungs) tools.push_back(Tool{{rung}});
  if (tools.size() == 1) tools.push_back(Tool{});
  const bool lossless_last = tools.size() > 2 && tools.back().rungs == std::vector<int>{hls::kLosslessRung};
  (lossless_last ? tools.back() : tools[1]).loudness = true;
  tools.back().waveform = true;
  return tools;
}

std::vector<std::string> tool_argv(const Tool& tool, const std::string& prepare, const fs::path& input,
                                   const fs::path& out_dir, const ProbeResult& probe,
                                   const ProcessOptions& options) {
  // level+info: the ebur128 summary is logged at info level; errors carry an [error] tag.
  std::vector<std::string> argv = ffmpeg_head(options, probe, input, tool.loudness ? "level+info" : "error");
  std::vector<int> aac;
  bool lossless = false;
  for (int rung : tool.rungs) {
    if (rung == hls::kLosslessRung) {
      lossless = true;
    } else {
      aac.push_back(rung);
    }
  }
  const std::size_t outputs = aac.size() + (tool.loudness ? 1 : 0) + (tool.waveform ? 1 : 0);
  if (outputs == 1 && aac.size() == 1) {
    argv.insert(argv.end(), {"-map", "0:a:0", "-af", prepare});
    add_rung_output(argv, aac[0], part_dir(out_dir, aac[0]), options);
  } else if (outputs > 0) {
    std::string graph = "[0:a:0]" + prepare + (outputs > 1 ? ",asplit=" + std::to_string(outputs) : "");
    for (int kbps : aac) graph += "[r" + rung_name(kbps) + "]";
    if (tool.loudness) graph += "[loud]";
    if (tool.waveform) graph += "[wave]";
    if (tool.loudness) graph += ";[loud]ebur128=peak=true:framelog=verbose,anullsink";
    if (tool.waveform) graph += ";[wave]aformat=sample_fmts=s16:channel_layouts=stereo[pcm]";
    argv.insert(argv.end(), {"-filter_complex", graph});
    for (int kbps : aac) {
      argv.insert(argv.end(), {"-map", "[r" + rung_name(kbps) + "]"});
      add_rung_output(argv, kbps, part_dir(out_dir, kbps), options);
    }
  }
  // The decoded source itself, outside the filter graph: its samples and bit depth reach the FLAC
  // encoder untouched (ffmpeg 5.1 writes 16 bits, or 24 for anything deeper).
  if (lossless) {
    argv.insert(argv.end(), {"-map", "0:a:0"});
    add_rung_output(argv, hls::kLosslessRung, part_dir(out_dir, hls::kLosslessRung), options);
  }
  if (tool.waveform) argv.insert(argv.end(), {"-map", "[pcm]", "-f", "s16le", "pipe:3"});
  return argv;
}

// How much lower the other tools run while the first rung is encoded, so that on a busy machine the
// first rung gets a whole core. They are raised back when it is done (where we may: see renice).
constexpr int kLaterToolsNice = 10;

}  // namespace

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::probing:
      return "probing";
    case Stage::transcoding:
      return "transcoding";
    case Stage::finishing:
      return "finishing";
    case Stage::done:
      return "done";
  }
  return "unknown";
}

ProcessResult process_audio(const fs::path& input, const fs::path& out_dir, const ProcessOptions& options,
                            const ProgressSink& sink) {
  const auto t0 = Clock::now();
  std::vector<int> ladder = options.ladder_kbps;
  std::sort(ladder.begin(), ladder.end());
  ladder.erase(std::unique(ladder.begin(), ladder.end()), ladder.end());
  if (ladder.empty() || ladder.front() <= 0 || ladder.back() >= hls::kLosslessRung)
    throw std::invalid_argument("process_audio: the AAC ladder must be rates in kbps");
  if (options.waveform_points == 0)
    throw std::invalid_argument("process_audio: waveform_points must be positive");

  ProcessResult result;
  if (options.probe) {
    result.probe = *options.probe;
  } else {
    ProbeOptions probe_options = options.probe_options;
    probe_options.decode_check = false;
    probe_options.nice = std::max(probe_options.nice, options.nice);
    result.probe = probe_audio(input, probe_options);
  }
  result.timings.probe_s = seconds_since(t0);
  const ProbeResult& probe = result.probe;
  if (options.lossless && lossless_source(probe)) ladder.push_back(hls::kLosslessRung);

  const std::vector<Tool> tools = plan_tools(ladder);
  std::vector<double> weights;
  weights.reserve(tools.size());
  for (const Tool& t : tools) weights.push_back(t.weight());
  Reporter reporter(sink, weights);
  reporter.progress(Stage::probing, 0);
  reporter.progress(Stage::probing, 2);

  fs::create_directories(out_dir);
  remove_previous_outputs(out_dir, ladder);
  for (int kbps : ladder) fs::create_directories(part_dir(out_dir, kbps));

  const int rate = output_rate(probe.sample_rate);
  const std::string prepare = prepare_filter(probe.sample_rate, rate);
  const double expected_s = probe.duration_s;

  // A failure in one tool stops the others; so does the caller's stop token.
  std::stop_source internal;
  std::stop_callback forward(options.probe_options.stop, [&internal] { internal.request_stop(); });
  std::atomic<int> later_nice{std::min(options.nice + kLaterToolsNice, 19)};

  WaveformBuilder waveform(2, static_cast<std::uint64_t>(std::max(expected_s, 0.0) * rate),
                           options.waveform_points);
  std::vector<std::vector<Rung>> rungs(tools.size());
  std::vector<std::exception_ptr> errors(tools.size());
  std::string loudness_log;
  std::vector<std::string> artwork_warnings;  // written by the first tool's thread only

  auto run_tool = [&](std::size_t index) {
    const Tool& tool = tools[index];
    try {
      ProcessOptions tool_options = options;
      if (index > 0) tool_options.nice = later_nice.load();
      auto on_fraction = [&reporter, index](double f) { reporter.transcoded(index, f); };
      std::function<void(std::string_view)> on_pcm;
      if (tool.waveform) on_pcm = [&waveform](std::string_view bytes) { waveform.feed(bytes); };
      const StreamingResult r =
          run_ffmpeg(tool_argv(tool, prepare, input, out_dir, probe, options), expected_s, on_fraction,
                     on_pcm, internal.get_token(), tool_options, index > 0 ? &later_nice : nullptr);
      if (r.exit_code != 0) tool_failed("encoding", r, input);
      reporter.transcoded(index, 1.0);
      if (tool.loudness) loudness_log = r.stderr_output;
      for (int rung : tool.rungs) {
        const int rung_rate = rung == hls::kLosslessRung ? probe.sample_rate : rate;
        rungs[index].push_back(
            finish_rung(out_dir, rung, rung_rate, probe.decoded ? expected_s : -1.0, options));
        reporter.rung_ready(rungs[index].back());
      }
      if (index == 0) {
        result.timings.first_rung_s = seconds_since(t0);
        later_nice = options.nice;  // the rest may now have the machine
        if (options.extract_artwork && probe.has_artwork && probe.artwork_stream >= 0) {
          result.artwork =
              extract_artwork(input, out_dir, probe, options, internal.get_token(), artwork_warnings);
        }
      }
    } catch (...) {
      errors[index] = std::current_exception();
      internal.request_stop();
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i + 1 < tools.size(); ++i) threads.emplace_back(run_tool, i);
  run_tool(tools.size() - 1);
  for (auto& t : threads) t.join();

  // A failed job leaves nothing behind, not even rungs already announced: the job is not done.
  auto cleanup = [&] {
    try {
      remove_previous_outputs(out_dir, ladder);
    } catch (const fs::filesystem_error&) {
    }
  };
  // The error that made the other tools stop wins over their Cancelled.
  for (const std::exception_ptr& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const Cancelled&) {
      continue;
    } catch (...) {
      cleanup();
      throw;
    }
  }
  if (std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e != nullptr; })) {
    cleanup();
    throw Cancelled();
  }

  result.warnings = std::move(artwork_warnings);
  reporter.progress(Stage::finishing, 97);
  result.duration_s = static_cast<double>(waveform.frames()) / rate;
  for (const auto& tool_rungs : rungs)
    result.rungs.insert(result.rungs.end(), tool_rungs.begin(), tool_rungs.end());
  std::sort(result.rungs.begin(), result.rungs.end(),
            [](const Rung& a, const Rung& b) { return a.kbps < b.kbps; });
  // Rungs finished before the exact duration was known are checked now.
  for (const Rung& r : result.rungs) {
    if (std::abs(r.duration_s - result.duration_s) > kDurationTolerance_s) {
      throw ProcessingError("the " + rung_label(r.kbps) + " lasts " + number(r.duration_s) +
                            " s instead of " + number(result.duration_s) + " s");
    }
  }

  const auto loudness = parse_ebur128_summary(loudness_log);
  if (!loudness) throw ProcessingError("no EBU R128 summary in ffmpeg's output");
  result.loudness = *loudness;
  result.gain_db = normalisation_gain_db(*loudness, options.target_lufs, options.true_peak_ceiling_dbtp);
  result.waveform = waveform.finish();

  std::vector<hls::Variant> variants;
  for (const Rung& r : result.rungs) variants.push_back(r.variant());
  result.master_playlist = out_dir / "master.m3u8";
  write_file_atomically(result.master_playlist, hls::master_playlist(variants, [](const hls::Variant& v) {
                          return rung_name(v.kbps) + "/index.m3u8";
                        }));

  result.timings.total_s = seconds_since(t0);
  reporter.progress(Stage::done, 100);
  return result;
}

}  // namespace mc::media
