#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace mc::http {

// An inclusive byte range of a representation: first ≤ last < size.
struct ByteRange {
  std::uint64_t first = 0, last = 0;
};

// RFC 9110 single byte ranges of a `size`-byte representation: "bytes=a-b", "bytes=a-",
// "bytes=-n" (b is clamped to the end). nullopt: not satisfiable, or not one of those forms.
std::optional<ByteRange> parse_byte_range(std::string_view header, std::uint64_t size);

}  // namespace mc::http
