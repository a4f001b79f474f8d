#include "http/byte_range.hpp"

#include <algorithm>
#include <charconv>

namespace mc::http {

std::optional<ByteRange> parse_byte_range(std::string_view header, std::uint64_t size) {
  if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos || size == 0)
    return std::nullopt;
  header.remove_prefix(6);
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto num = [](std::string_view s, std::uint64_t& v) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  };
  std::uint64_t a = 0, b = 0;
  if (dash == 0) {
    if (!num(header.substr(1), b) || b == 0) return std::nullopt;
    return ByteRange{size - std::min(b, size), size - 1};
  }
  if (!num(header.substr(0, dash), a) || a >= size) return std::nullopt;
  if (dash + 1 == header.size()) return ByteRange{a, size - 1};
  if (!num(header.substr(dash + 1), b) || b < a) return std::nullopt;
  return ByteRange{a, std::min(b, size - 1)};
}

}  // namespace mc::http
