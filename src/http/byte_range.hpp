#pragma once
#include <cstdint>
#include <string_view>

namespace mc::http {

// An inclusive byte range of a representation: first ≤ last < size.
struct ByteRange {
  std::uint64_t first = 0, last = 0;
};

// What a Range header asks of a representation of `size` bytes (RFC 9110 §14.2).
struct RangeRequest {
  enum Kind { whole, slice, unsatisfiable } kind = whole;
  ByteRange range;  // for slice
};

// One byte range: "bytes=a-b", "bytes=a-" or "bytes=-n" (b clamped to the end). Anything else is
// ignored and the whole representation served, as RFC 9110 asks for a Range the server does not
// understand (another unit, bad syntax, last < first) and allows for one it chooses not to serve
// (several ranges). Only a well-formed range that lies past the end is unsatisfiable.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

}  // namespace mc::http
