#include "realtime/offset.hpp"

#include <charconv>
#include <limits>

namespace mc::realtime {

namespace {
template <class T>
std::optional<T> decimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

std::string Offset::str() const {
  return std::to_string(xid) + "-" + std::to_string(id);
}

std::optional<Offset> parse_offset(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto xid = decimal<std::uint64_t>(text.substr(0, dash));
  const auto id = decimal<std::int64_t>(text.substr(dash + 1));
  if (!xid || !id) return std::nullopt;
  return Offset{*xid, *id};
}

}  // namespace mc::realtime
