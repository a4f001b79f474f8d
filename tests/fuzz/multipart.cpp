// MultipartParser and multipart_boundary on arbitrary bodies. The first input line is the
// Content-Type's boundary parameter (a default when it is not a valid one), the next byte picks
// the chunk sizes, the rest is the body. Invariants:
//   - the outcome and the parts do not depend on how the body is cut into chunks;
//   - between chunks the parser holds at most max(delimiter, header limit + 3) bytes;
//   - no part's data holds the delimiter, and no more data comes out than went in.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "http/multipart.hpp"

using mc::http::MultipartParser;
using mc::http::PartHeaders;

namespace {

constexpr std::size_t kHeaderLimit = 256;

struct Outcome {
  bool ok = false;
  std::vector<PartHeaders> parts;
  std::vector<std::string> data;
  std::size_t data_bytes = 0;
};

Outcome parse(const std::string& boundary, std::string_view body, std::uint8_t seed) {
  Outcome out;
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [&out](const PartHeaders& h) {
    out.parts.push_back(h);
    out.data.emplace_back();
    return out.parts.size() <= 64;
  };
  cb.on_part_data = [&out](std::string_view d) {
    FUZZ_CHECK(!out.data.empty());
    out.data.back().append(d);
    out.data_bytes += d.size();
    return true;
  };
  cb.on_part_end = [] { return true; };
  MultipartParser p(boundary, cb, kHeaderLimit);
  const std::size_t max_held = std::max(boundary.size() + 4, kHeaderLimit + 3);
  std::uint32_t state = seed;
  bool ok = true;
  while (!body.empty() && ok) {
    std::size_t n = body.size();
    if (seed != 0) {
      state = state * 1103515245u + 12345u;
      n = std::min<std::size_t>(body.size(), 1 + (state >> 16) % 64);
    }
    ok = p.feed(body.substr(0, n));
    body.remove_prefix(n);
    if (ok) FUZZ_CHECK(p.buffered() <= max_held);
  }
  out.ok = ok && p.finish();
  if (!out.ok) FUZZ_CHECK(!p.error().empty());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(bytes), size);
  const auto nl = in.find('\n');
  std::string boundary = "b";
  if (nl != std::string_view::npos) {
    const std::string type = "multipart/form-data; boundary=" + std::string(in.substr(0, nl));
    if (auto b = mc::http::multipart_boundary(type)) {
      FUZZ_CHECK(!b->empty() && b->size() <= 70);
      boundary = *b;
    }
    in.remove_prefix(nl + 1);
  }
  if (in.empty()) return 0;
  const auto seed = static_cast<std::uint8_t>(in[0]);
  in.remove_prefix(1);

  const Outcome whole = parse(boundary, in, 0);
  const Outcome chunked = parse(boundary, in, seed == 0 ? 1 : seed);
  FUZZ_CHECK(whole.ok == chunked.ok);
  FUZZ_CHECK(whole.data_bytes <= in.size() && chunked.data_bytes <= in.size());
  if (whole.ok) {
    FUZZ_CHECK(whole.parts.size() == chunked.parts.size());
    for (std::size_t i = 0; i < whole.parts.size(); ++i) {
      FUZZ_CHECK(whole.parts[i].name == chunked.parts[i].name);
      FUZZ_CHECK(whole.parts[i].filename == chunked.parts[i].filename);
      FUZZ_CHECK(whole.parts[i].content_type == chunked.parts[i].content_type);
      FUZZ_CHECK(!whole.parts[i].name.empty());
      FUZZ_CHECK(whole.data[i] == chunked.data[i]);
      FUZZ_CHECK(whole.data[i].find("\r\n--" + boundary) == std::string::npos);
    }
  }
  return 0;
}
