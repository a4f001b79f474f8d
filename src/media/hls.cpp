#include "media/hls.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

namespace mc::media::hls {

namespace {

[[noreturn]] void malformed(const std::string& why) {
  throw std::invalid_argument("malformed playlist: " + why);
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

template <class T>
T number(std::string_view s, const char* what) {
  T v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size())
    malformed(std::string("bad ") + what + " '" + std::string(s) + "'");
  return v;
}

// AttributeName=value pairs; quoted values may contain commas.
std::map<std::string, std::string, std::less<>> attributes(std::string_view list) {
  std::map<std::string, std::string, std::less<>> out;
  while (!list.empty()) {
    const auto eq = list.find('=');
    if (eq == std::string_view::npos) malformed("attribute without a value");
    const std::string name(list.substr(0, eq));
    list.remove_prefix(eq + 1);
    std::string value;
    if (!list.empty() && list.front() == '"') {
      const auto close = list.find('"', 1);
      if (close == std::string_view::npos) malformed("unterminated quoted attribute");
      value = std::string(list.substr(1, close - 1));
      list.remove_prefix(close + 1);
    } else {
      value = std::string(list.substr(0, list.find(',')));
      list.remove_prefix(value.size());
    }
    out[name] = value;
    if (!list.empty()) {
      if (list.front() != ',') malformed("attributes not separated by commas");
      list.remove_prefix(1);
    }
  }
  return out;
}

bool is_uri_line(std::string_view line) {
  return !line.empty() && line.front() != '#';
}

}  // namespace

double MediaPlaylist::total_duration_s() const {
  return std::accumulate(segments.begin(), segments.end(), 0.0,
                         [](double sum, const Segment& s) { return sum + s.duration_s; });
}

MediaPlaylist parse_media_playlist(std::string_view text) {
  const auto lines = lines_of(text);
  if (lines.empty() || lines.front() != "#EXTM3U") malformed("no #EXTM3U header");
  MediaPlaylist p;
  double pending = -1;  // the EXTINF waiting for its URI (-1: none)
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.starts_with("#EXT-X-VERSION:")) {
      p.version = number<int>(line.substr(15), "version");
    } else if (line.starts_with("#EXT-X-TARGETDURATION:")) {
      p.target_duration = number<int>(line.substr(22), "target duration");
    } else if (line.starts_with("#EXT-X-PLAYLIST-TYPE:")) {
      p.playlist_type = std::string(line.substr(21));
    } else if (line.starts_with("#EXT-X-MAP:")) {
      const auto attrs = attributes(line.substr(11));
      const auto uri = attrs.find("URI");
      if (uri == attrs.end()) malformed("EXT-X-MAP without URI");
      p.map_uri = uri->second;
    } else if (line.starts_with("#EXTINF:")) {
      std::string_view d = line.substr(8);
      d = d.substr(0, d.find(','));
      pending = number<double>(d, "EXTINF duration");
      if (!(pending >= 0) || !std::isfinite(pending)) malformed("negative EXTINF duration");
    } else if (line == "#EXT-X-ENDLIST") {
      p.ended = true;
    } else if (line.starts_with("#EXT-X-STREAM-INF")) {
      malformed("a master playlist, not a media playlist");
    } else if (is_uri_line(line)) {
      if (pending < 0) malformed("segment URI without EXTINF");
      p.segments.push_back({pending, std::string(line)});
      pending = -1;
    }
  }
  if (pending >= 0) malformed("EXTINF without a segment URI");
  if (p.target_duration <= 0) malformed("no EXT-X-TARGETDURATION");
  return p;
}

std::string rung_dir(int rung) {
  return rung == kLosslessRung ? "lossless" : std::to_string(rung);
}

int rung_of_dir(std::string_view dir) {
  if (dir == "lossless") return kLosslessRung;
  int k = 0;
  const auto [p, ec] = std::from_chars(dir.data(), dir.data() + dir.size(), k);
  return ec == std::errc() && p == dir.data() + dir.size() && k > 0 && k != kLosslessRung ? k : 0;
}

std::string master_playlist(const std::vector<Variant>& variants,
                            const std::function<std::string(const Variant&)>& uri_for_rung) {
  if (variants.empty()) throw std::invalid_argument("master_playlist: no variants");
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const Variant& v : variants) {
    if (v.bandwidth <= 0) throw std::invalid_argument("master_playlist: variant without bandwidth");
    const std::string uri = uri_for_rung(v);
    if (uri.empty() || uri.find_first_of("\r\n\"") != std::string::npos) {
      throw std::invalid_argument("master_playlist: unusable URI for the " + std::to_string(v.kbps) +
                                  " kbps rung");
    }
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(v.bandwidth);
    if (v.average_bandwidth > 0) out += ",AVERAGE-BANDWIDTH=" + std::to_string(v.average_bandwidth);
    if (!v.codecs.empty()) out += ",CODECS=\"" + v.codecs + "\"";
    out += "\n" + uri + "\n";
  }
  return out;
}

MasterPlaylist parse_master_playlist(std::string_view text) {
  const auto lines = lines_of(text);
  if (lines.empty() || lines.front() != "#EXTM3U") malformed("no #EXTM3U header");
  MasterPlaylist m;
  std::optional<Variant> pending;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line == "#EXT-X-INDEPENDENT-SEGMENTS") {
      m.independent_segments = true;
    } else if (line.starts_with("#EXT-X-STREAM-INF:")) {
      const auto attrs = attributes(line.substr(18));
      Variant v;
      const auto bw = attrs.find("BANDWIDTH");
      if (bw == attrs.end()) malformed("EXT-X-STREAM-INF without BANDWIDTH");
      v.bandwidth = number<std::int64_t>(bw->second, "BANDWIDTH");
      if (const auto avg = attrs.find("AVERAGE-BANDWIDTH"); avg != attrs.end()) {
        v.average_bandwidth = number<std::int64_t>(avg->second, "AVERAGE-BANDWIDTH");
      }
      const auto codecs = attrs.find("CODECS");
      v.codecs = codecs == attrs.end() ? "" : codecs->second;
      pending = v;
    } else if (line.starts_with("#EXTINF")) {
      malformed("a media playlist, not a master playlist");
    } else if (is_uri_line(line)) {
      if (!pending) malformed("URI without EXT-X-STREAM-INF");
      pending->uri = std::string(line);
      m.variants.push_back(*pending);
      pending.reset();
    }
  }
  if (pending) malformed("EXT-X-STREAM-INF without a URI");
  if (m.variants.empty()) malformed("no variants");
  return m;
}

std::int64_t peak_segment_bit_rate(const std::vector<double>& durations_s,
                                   const std::vector<std::uint64_t>& bytes, double target_duration_s) {
  if (durations_s.size() != bytes.size()) throw std::invalid_argument("peak_segment_bit_rate: size mismatch");
  double peak = 0;
  for (std::size_t i = 0; i < durations_s.size(); ++i) {
    double seconds = 0, bits = 0;
    for (std::size_t j = i; j < durations_s.size(); ++j) {
      seconds += durations_s[j];
      bits += 8.0 * static_cast<double>(bytes[j]);
      if (seconds > 1.5 * target_duration_s) break;
      if (seconds >= 0.5 * target_duration_s) peak = std::max(peak, bits / seconds);
    }
  }
  if (peak == 0) {
    const double seconds = std::accumulate(durations_s.begin(), durations_s.end(), 0.0);
    const double bits =
        8.0 * static_cast<double>(std::accumulate(bytes.begin(), bytes.end(), std::uint64_t{0}));
    if (seconds > 0) peak = bits / seconds;
  }
  return static_cast<std::int64_t>(std::ceil(peak));
}

}  // namespace mc::media::hls
