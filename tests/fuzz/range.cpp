// parse_range on arbitrary Range headers and representation sizes. The first 8 bytes are the
// size, the rest the header. Invariants: a slice is inside the representation (first ≤ last <
// size); the answer (whole, slice or unsatisfiable) agrees with a plain reading of RFC 9110's three
// forms; and formatting a slice back ("bytes=first-last") parses to the same slice.
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/byte_range.hpp"

using mc::http::ByteRange;
using mc::http::parse_range;
using mc::http::RangeRequest;

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

// The oracle: RFC 9110 §14.1.2 single ranges, written independently of the parser. Syntax it does
// not know (and last < first) means the whole representation; a well-formed range that starts at
// or past the end (or a zero-length suffix) is unsatisfiable.
RangeRequest expected(std::string_view h, std::uint64_t size) {
  const RangeRequest whole;
  const RangeRequest none{RangeRequest::unsatisfiable, {}};
  if (h.substr(0, 6) != "bytes=") return whole;
  h.remove_prefix(6);
  const auto dash = h.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view rest = h.substr(dash + 1);
  if (dash == 0) {
    const auto n = digits(rest);
    if (!n) return whole;
    if (*n == 0 || size == 0) return none;
    return {RangeRequest::slice, {*n >= size ? 0 : size - *n, size - 1}};
  }
  const auto a = digits(h.substr(0, dash));
  if (!a) return whole;
  if (rest.empty()) return *a >= size ? none : RangeRequest{RangeRequest::slice, {*a, size - 1}};
  const auto b = digits(rest);
  if (!b || *b < *a) return whole;
  if (*a >= size) return none;
  return {RangeRequest::slice, {*a, *b >= size ? size - 1 : *b}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 8) return 0;
  std::uint64_t length = 0;
  std::memcpy(&length, bytes, 8);
  if (bytes[0] & 1) length %= 100000;  // small sizes half of the time, where the edges are
  const std::string_view header(reinterpret_cast<const char*>(bytes) + 8, size - 8);

  const auto r = parse_range(header, length);
  const auto want = expected(header, length);
  FUZZ_CHECK(r.kind == want.kind);
  if (r.kind != RangeRequest::slice) return 0;
  FUZZ_CHECK(r.range.first == want.range.first && r.range.last == want.range.last);
  FUZZ_CHECK(r.range.first <= r.range.last && r.range.last < length);
  const std::string again = "bytes=" + std::to_string(r.range.first) + "-" + std::to_string(r.range.last);
  const auto back = parse_range(again, length);
  FUZZ_CHECK(back.kind == RangeRequest::slice && back.range.first == r.range.first &&
             back.range.last == r.range.last);
  return 0;
}
