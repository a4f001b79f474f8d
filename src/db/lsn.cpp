#include "db/lsn.hpp"

#include <charconv>
#include <cstdio>

namespace mc::db {

std::optional<Lsn> Lsn::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size() || text.size() > 17) {
    return std::nullopt;
  }
  uint32_t hi = 0, lo = 0;
  const auto a = text.substr(0, slash);
  const auto b = text.substr(slash + 1);
  auto r1 = std::from_chars(a.data(), a.data() + a.size(), hi, 16);
  auto r2 = std::from_chars(b.data(), b.data() + b.size(), lo, 16);
  if (r1.ec != std::errc() || r1.ptr != a.data() + a.size() || r2.ec != std::errc() ||
      r2.ptr != b.data() + b.size()) {
    return std::nullopt;
  }
  return Lsn{(static_cast<uint64_t>(hi) << 32) | lo};
}

std::string Lsn::str() const {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(value >> 32),
                static_cast<unsigned>(value & 0xffffffffu));
  return buf;
}

}  // namespace mc::db
