#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mc::http {

// The headers of one multipart/form-data part that matter to us.
struct PartHeaders {
  std::string name;                     // Content-Disposition name="…"
  std::optional<std::string> filename;  // present for file parts
  std::string content_type;             // as sent (never trusted for file formats)
};

// The boundary of a multipart/form-data Content-Type, or nullopt when it is not one or the
// boundary is missing or invalid (RFC 2046: 1-70 characters).
std::optional<std::string> multipart_boundary(std::string_view content_type);

// Incremental multipart/form-data parser (RFC 7578): bytes go in as they arrive, in chunks of any
// size; part data comes out through callbacks without being held in memory. Only the last
// delimiter's length of data is kept back between chunks.
class MultipartParser {
 public:
  struct Callbacks {
    // Return false to refuse the part (the parse stops with the callback's error).
    std::function<bool(const PartHeaders&)> on_part_begin;
    std::function<bool(std::string_view data)> on_part_data;
    std::function<bool()> on_part_end;
  };

  MultipartParser(const std::string& boundary, Callbacks callbacks, std::size_t header_limit = 8192);

  // false once the body is malformed or a callback refused; error() says why.
  bool feed(std::string_view data);
  // The body ended: false unless the closing delimiter was seen.
  bool finish();
  bool done() const { return state_ == State::done; }
  const std::string& error() const { return error_; }

 private:
  enum class State { preamble, after_delimiter, headers, body, done, failed };
  bool fail(std::string message);
  bool parse_headers(std::string_view block, PartHeaders& out);

  std::string delimiter_;  // CRLF "--" boundary
  Callbacks callbacks_;
  std::size_t header_limit_;
  State state_ = State::preamble;
  std::string pending_;
  std::string error_;
};

}  // namespace mc::http
