#include "media/probe.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mc::media {

namespace bj = boost::json;

namespace {

constexpr std::size_t kMaxTagBytes = 500;

// Valid UTF-8 with control characters dropped, whitespace trimmed, cut at a character boundary.
std::string clean_text(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len != 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (ok && len > 1) {  // no overlong forms, surrogates or values past U+10FFFF
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(len == 2 && c < 0xC2) && !(len == 3 && c == 0xE0 && c1 < 0xA0) &&
           !(len == 3 && c == 0xED && c1 >= 0xA0) && !(len == 4 && c == 0xF0 && c1 < 0x90) &&
           !(len == 4 && (c > 0xF4 || (c == 0xF4 && c1 >= 0x90)));
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      i += 1;
      continue;
    }
    if (len == 1 && (c < 0x20 || c == 0x7F)) {
      if (c == '\t' || c == '\n' || c == '\r') out += ' ';
    } else {
      if (out.size() + len > kMaxTagBytes) break;
      out.append(in.substr(i, len));
    }
    i += len;
  }
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const bj::object* object_at(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

std::string string_at(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return {};
  if (const auto* s = v->if_string()) return std::string(*s);
  return {};
}

// ffprobe prints most numbers as strings ("44100", "5.000000").
template <class T>
std::optional<T> number_at(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<T>(v->as_int64());
  if (v->is_double()) return static_cast<T>(v->as_double());
  const auto* s = v->if_string();
  if (!s) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    try {
      std::size_t used = 0;
      const double d = std::stod(std::string(*s), &used);
      if (used == s->size() && std::isfinite(d)) return static_cast<T>(d);
    } catch (const std::exception&) {
    }
    return std::nullopt;
  } else {
    T n{};
    const auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (ec == std::errc() && ptr == s->data() + s->size()) return n;
    return std::nullopt;
  }
}

std::optional<std::string> tag(const std::vector<const bj::object*>& sources, std::string_view name) {
  for (const bj::object* tags : sources) {
    if (!tags) continue;
    for (const auto& kv : *tags) {
      if (!iequals(kv.key(), name)) continue;
      if (const auto* s = kv.value().if_string()) {
        std::string text = clean_text(*s);
        if (!text.empty()) return text;
      }
    }
  }
  return std::nullopt;
}

std::optional<int> track_number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  int n = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || n <= 0 || (ptr != text->data() + text->size() && *ptr != '/')) return std::nullopt;
  return n;
}

bool codec_accepted(Format format, std::string_view codec) {
  switch (format) {
    case Format::mp3:
      return codec == "mp3";
    case Format::wav:
    case Format::aiff:
      return codec.starts_with("pcm_");
    case Format::flac:
      return codec == "flac";
    case Format::m4a:
      return codec == "aac" || codec == "alac";
    case Format::aac:
      return codec == "aac";
    case Format::ogg_vorbis:
      return codec == "vorbis";
    case Format::opus:
      return codec == "opus";
  }
  return false;
}

// ffprobe reads headers only: seconds of CPU are already far more than it needs.
constexpr std::chrono::seconds kProbeCpuLimit{10};

StreamingResult run_tool(const std::vector<std::string>& argv, std::string* stdout_text,
                         const ProbeOptions& options, std::chrono::seconds cpu_limit,
                         std::int64_t* out_time_us = nullptr) {
  ProgressReader progress;
  StreamingOptions streaming;
  streaming.stop = options.stop;
  streaming.timeout = options.timeout;
  streaming.nice = options.nice;
  streaming.cpu_limit = cpu_limit;
  streaming.on_stdout_line = [&](std::string_view line) {
    if (stdout_text) {
      stdout_text->append(line);
      stdout_text->push_back('\n');
    }
    if (out_time_us) progress.feed(line);
  };
  StreamingResult r = run_process_streaming(argv, streaming);
  require_started(r, argv.front());
  if (r.stopped) throw Cancelled();
  if (r.timed_out) throw ProcessingError(argv.front() + " timed out");
  if (r.cpu_limited) {
    throw InvalidMedia("too_costly_to_decode", "The file takes too much computing time to read (over " +
                                                   std::to_string(cpu_limit.count()) + " s of CPU)");
  }
  if (out_time_us) *out_time_us = progress.ended() ? progress.out_time_us() : -1;
  return r;
}

[[noreturn]] void too_long(double seconds, double limit) {
  throw InvalidMedia("too_long", "The audio is " + std::to_string(static_cast<long>(seconds / 60)) +
                                     " minutes long; the limit is " +
                                     std::to_string(static_cast<long>(limit / 60)) + " minutes");
}

std::string tenths(double v) {
  const long t = std::lround(v * 10);
  return std::to_string(t / 10) + "." + std::to_string(t % 10);
}

// Durations outside the limits, from the header (before decoding) or from the decode.
void check_duration(double seconds, const ProbeOptions& options) {
  if (seconds > options.max_duration_s) too_long(seconds, options.max_duration_s);
  if (seconds < options.min_duration_s) {
    throw InvalidMedia("too_short", "The audio lasts " + tenths(seconds) + " s; the minimum is " +
                                        tenths(options.min_duration_s) + " s");
  }
}

// Sample rates and channel counts no listener needs, refused before anything is decoded: they are
// what makes a small file expensive to decode, resample and analyse.
void check_format_limits(int rate, int channels, const ProbeOptions& options) {
  if (rate < options.min_sample_rate || rate > options.max_sample_rate) {
    throw InvalidMedia("unsupported_sample_rate",
                       "The audio's sample rate is " + std::to_string(rate) +
                           " Hz; accepted: " + std::to_string(options.min_sample_rate) + " to " +
                           std::to_string(options.max_sample_rate) + " Hz");
  }
  if (channels > options.max_channels) {
    throw InvalidMedia("unsupported_channels", "The audio has " + std::to_string(channels) +
                                                   " channels; accepted: 1 to " +
                                                   std::to_string(options.max_channels));
  }
}

// ffmpeg decodes an embedded picture while it opens the file (to learn its size) and logs what it
// cannot read, even though only the audio is decoded. A broken cover is no reason to refuse the
// audio: the picture is validated, and dropped, by the image pipeline when artwork is extracted.
std::string without_picture_errors(std::string_view stderr_text, const ProbeResult& probe) {
  if (!probe.has_artwork || probe.artwork_codec.empty()) return std::string(stderr_text);
  const std::string prefix = "[" + probe.artwork_codec + " @ ";
  std::string kept;
  std::size_t pos = 0;
  while (pos < stderr_text.size()) {
    std::size_t eol = stderr_text.find('\n', pos);
    if (eol == std::string_view::npos) eol = stderr_text.size();
    const std::string_view line = stderr_text.substr(pos, eol - pos);
    if (!line.starts_with(prefix) && !line.empty()) kept.append(line).push_back('\n');
    pos = eol + 1;
  }
  return kept;
}

}  // namespace

ProbeResult probe_audio(const std::filesystem::path& file, const ProbeOptions& options) {
  ProbeResult result;
  result.format = sniff_file(file);
  const std::string url = input_url(file);
  const std::string demuxer(demuxer_name(result.format));

  std::string json_text;
  const StreamingResult probed =
      run_tool({options.tools.ffprobe, "-v", "warning", "-hide_banner", "-protocol_whitelist", "file", "-f",
                demuxer, "-print_format", "json", "-show_format", "-show_streams", "-i", url},
               &json_text, options, kProbeCpuLimit);
  bj::parse_options parse_options;
  parse_options.allow_invalid_utf8 = true;  // tags in legacy encodings; cleaned below
  boost::system::error_code ec;
  const bj::value doc = bj::parse(json_text, ec, {}, parse_options);
  const bj::object* root = ec ? nullptr : doc.if_object();
  if (probed.exit_code != 0 || !root) {
    throw InvalidMedia("truncated_or_corrupt",
                       "The " + std::string(to_string(result.format)) +
                           " file cannot be read: " + client_message(probed.stderr_output, file));
  }

  const bj::object* format = object_at(*root, "format");
  const bj::object* audio = nullptr;
  bool video = false;
  if (const auto* streams = root->if_contains("streams"); streams && streams->is_array()) {
    for (const auto& sv : streams->as_array()) {
      const bj::object* s = sv.if_object();
      if (!s) continue;
      const std::string type = string_at(*s, "codec_type");
      if (type == "audio") {
        if (!audio) audio = s;
        ++result.audio_streams;
      } else if (type == "video") {
        const bj::object* disposition = object_at(*s, "disposition");
        const bool picture = disposition && number_at<int>(*disposition, "attached_pic").value_or(0) == 1;
        if (!picture) {
          video = true;
        } else if (!result.has_artwork) {
          result.has_artwork = true;
          result.artwork_codec = string_at(*s, "codec_name");
          result.artwork_stream = number_at<int>(*s, "index").value_or(-1);
        }
      }
    }
  }
  if (video) throw InvalidMedia("not_audio", "The file is a video, not audio");
  if (!audio) throw InvalidMedia("no_audio_stream", "The file contains no audio stream");

  result.codec = string_at(*audio, "codec_name");
  if (!codec_accepted(result.format, result.codec)) {
    throw InvalidMedia("unsupported_codec",
                       "Audio coded as " + (result.codec.empty() ? "unknown" : result.codec) + " in a " +
                           std::string(to_string(result.format)) + " file is not accepted");
  }
  result.sample_rate = number_at<int>(*audio, "sample_rate").value_or(0);
  result.channels = number_at<int>(*audio, "channels").value_or(0);
  if (result.sample_rate <= 0 || result.channels <= 0) {
    throw InvalidMedia("truncated_or_corrupt", "The audio stream has no valid sample rate or channel count");
  }
  check_format_limits(result.sample_rate, result.channels, options);
  result.bit_rate = number_at<std::int64_t>(*audio, "bit_rate")
                        .value_or(format ? number_at<std::int64_t>(*format, "bit_rate").value_or(0) : 0);

  std::optional<double> declared = format ? number_at<double>(*format, "duration") : std::nullopt;
  if (!declared) declared = number_at<double>(*audio, "duration");
  // Durations estimated from the bit rate (ADTS, MP3 without a Xing header) are only a guess.
  const bool estimated = probed.stderr_output.find("Estimating duration from bitrate") != std::string::npos;
  // A guessed duration is checked only after decoding; a declared one is refused before.
  if (declared && !estimated) check_duration(*declared, options);
  if (declared && *declared > options.max_duration_s) too_long(*declared, options.max_duration_s);

  const bj::object* audio_tags = object_at(*audio, "tags");
  const std::vector<const bj::object*> tag_sources{format ? object_at(*format, "tags") : nullptr, audio_tags};
  result.tags.title = tag(tag_sources, "title");
  result.tags.artist = tag(tag_sources, "artist");
  result.tags.album = tag(tag_sources, "album");
  auto track = tag(tag_sources, "track");
  if (!track) track = tag(tag_sources, "tracknumber");
  result.tags.track = track_number(track);

  result.duration_s = declared.value_or(0);
  if (!options.decode_check) return result;

  // Decode everything to a null sink; -xerror makes the first decoding error fatal.
  std::vector<std::string> argv{options.tools.ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-v", "error"};
  argv.insert(argv.end(), {"-xerror", "-protocol_whitelist", "file", "-f", demuxer, "-i", url});
  argv.insert(argv.end(), {"-map", "0:a:0", "-f", "null", "-", "-progress", "pipe:1"});
  std::int64_t decoded_us = -1;
  const std::chrono::seconds cpu_limit =
      options.decode_cpu_limit.count() > 0
          ? options.decode_cpu_limit
          : std::chrono::seconds(
                10 + static_cast<long>(
                         std::min(declared.value_or(options.max_duration_s), options.max_duration_s) / 50));
  const StreamingResult decoded = run_tool(argv, nullptr, options, cpu_limit, &decoded_us);
  const std::string errors = without_picture_errors(decoded.stderr_output, result);
  if (decoded.exit_code != 0 || !errors.empty()) {
    throw InvalidMedia("truncated_or_corrupt",
                       "The audio cannot be decoded to the end: " + client_message(errors, file));
  }
  const double decoded_s = static_cast<double>(std::max<std::int64_t>(decoded_us, 0)) / 1e6;
  if (decoded_s <= 0) throw InvalidMedia("no_audio_stream", "The file contains no audio samples");
  if (declared && !estimated && decoded_s + std::max(0.5, *declared * 0.01) < *declared) {
    throw InvalidMedia("truncated_or_corrupt", "The audio stops after " +
                                                   std::to_string(std::lround(decoded_s)) + " s of the " +
                                                   std::to_string(std::lround(*declared)) +
                                                   " s its header announces: the file is truncated");
  }
  check_duration(decoded_s, options);
  result.duration_s = decoded_s;
  result.decoded = true;
  return result;
}

}  // namespace mc::media
