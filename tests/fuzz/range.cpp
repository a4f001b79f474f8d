// parse_byte_range on arbitrary Range headers and representation sizes. The first 8 bytes are the
// size, the rest the header. Invariants: a range is inside the representation (first ≤ last <
// size); it agrees with a plain reading of RFC 9110's three forms; and formatting a range back
// ("bytes=first-last") parses to the same range.
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/byte_range.hpp"

using mc::http::ByteRange;
using mc::http::parse_byte_range;

namespace {

std::optional<std::uint64_t> digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

// The oracle: RFC 9110 §14.1.2 single ranges, written independently of the parser.
std::optional<ByteRange> expected(std::string_view h, std::uint64_t size) {
  if (size == 0 || h.substr(0, 6) != "bytes=") return std::nullopt;
  h.remove_prefix(6);
  const auto dash = h.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto a = digits(h.substr(0, dash));
  const std::string_view rest = h.substr(dash + 1);
  if (dash == 0) {
    const auto n = digits(rest);
    if (!n || *n == 0) return std::nullopt;
    return ByteRange{*n >= size ? 0 : size - *n, size - 1};
  }
  if (!a || *a >= size) return std::nullopt;
  if (rest.empty()) return ByteRange{*a, size - 1};
  const auto b = digits(rest);
  if (!b || *b < *a) return std::nullopt;
  return ByteRange{*a, *b >= size ? size - 1 : *b};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 8) return 0;
  std::uint64_t length = 0;
  std::memcpy(&length, bytes, 8);
  if (bytes[0] & 1) length %= 100000;  // small sizes half of the time, where the edges are
  const std::string_view header(reinterpret_cast<const char*>(bytes) + 8, size - 8);

  const auto r = parse_byte_range(header, length);
  const auto want = expected(header, length);
  FUZZ_CHECK(r.has_value() == want.has_value());
  if (!r) return 0;
  FUZZ_CHECK(r->first == want->first && r->last == want->last);
  FUZZ_CHECK(r->first <= r->last && r->last < length);
  const std::string again = "bytes=" + std::to_string(r->first) + "-" + std::to_string(r->last);
  const auto back = parse_byte_range(again, length);
  FUZZ_CHECK(back && back->first == r->first && back->last == r->last);
  return 0;
}
