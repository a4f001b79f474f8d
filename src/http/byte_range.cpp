#include "http/byte_range.hpp"

#include <algorithm>
#include <charconv>

namespace mc::http {

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  const RangeRequest whole;
  const RangeRequest unsatisfiable{RangeRequest::unsatisfiable, {}};
  if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos) return whole;
  header.remove_prefix(6);
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return whole;
  auto num = [](std::string_view s, std::uint64_t& v) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  std::uint64_t a = 0, b = 0;
  if (dash == 0) {
    if (!num(header.substr(1), b)) return whole;
    if (b == 0 || size == 0) return unsatisfiable;
    return {RangeRequest::slice, {size - std::min(b, size), size - 1}};
  }
  if (!num(header.substr(0, dash), a)) return whole;
  if (dash + 1 == header.size()) {
    if (a >= size) return unsatisfiable;
    return {RangeRequest::slice, {a, size - 1}};
  }
  if (!num(header.substr(dash + 1), b) || b < a) return whole;
  if (a >= size) return unsatisfiable;
  return {RangeRequest::slice, {a, std::min(b, size - 1)}};
}

}  // namespace mc::http
