#pragma once
#include <string_view>

namespace mc {

// The textual form of a UUID (8-4-4-4-12 hex digits, either case). Ids from outside are checked
// with it before they reach SQL, where a malformed uuid would be an error rather than "not found".
constexpr bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = s[i];
    if (dash != (c == '-')) return false;
    if (!dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

}  // namespace mc
