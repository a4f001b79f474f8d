#include "media/loudness.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace mc::media {

namespace {

// The number after `label` (e.g. "I:") on the first line that has it, from `from` on.
std::optional<double> value_after(std::string_view text, std::string_view label) {
  const auto at = text.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + label.size());
  rest = rest.substr(0, rest.find('\n'));
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.starts_with("-inf")) return -HUGE_VAL;
  if (rest.starts_with("inf")) return HUGE_VAL;
  const std::string number(rest.substr(0, rest.find(' ')));
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (end == number.c_str()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<Loudness> parse_ebur128_summary(std::string_view log) {
  const auto at = log.rfind("Summary:");
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view summary = log.substr(at);
  const auto integrated = value_after(summary, "I:");
  const auto peak_section = summary.find("True peak:");
  if (!integrated || peak_section == std::string_view::npos) return std::nullopt;
  const auto peak = value_after(summary.substr(peak_section), "Peak:");
  if (!peak) return std::nullopt;
  Loudness l;
  l.integrated_lufs = std::max(*integrated, -70.0);
  l.true_peak_dbtp = std::max(*peak, -120.0);
  l.range_lu = std::max(value_after(summary, "LRA:").value_or(0.0), 0.0);
  return l;
}

double normalisation_gain_db(const Loudness& loudness, double target_lufs, double ceiling_dbtp) {
  if (loudness.integrated_lufs <= -70.0) return 0.0;
  const double gain = target_lufs - loudness.integrated_lufs;
  if (gain <= 0) return gain;
  const double headroom = std::max(0.0, ceiling_dbtp - loudness.true_peak_dbtp);
  return std::min(gain, headroom);
}

}  // namespace mc::media
