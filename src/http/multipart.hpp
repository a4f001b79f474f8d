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
// size; part data comes out through callbacks without being held in memory. Each input byte is
// examined a bounded number of times: between chunks it keeps back at most a delimiter's length of
// part data, or one part's header block (up to header_limit + 3 bytes, its blank line arriving),
// never anything else.
class MultipartParser {
 public:
  // RFC 2046 lets a delimiter line carry "transport padding" (spaces and tabs) before its CRLF.
  // Clients send none; more than this is refused, so padding can neither pile up nor be streamed
  // forever.
  static constexpr std::size_t kMaxTransportPadding = 1024;
  // Junk before the first delimiter (RFC 2046's preamble) is refused beyond this.
  static constexpr std::size_t kMaxPreamble = std::size_t{64} * 1024;
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
  // Bytes held back for the next chunk (at most max(delimiter length, header_limit + 3)).
  std::size_t buffered() const { return pending_.size(); }

 private:
  enum class State { preamble, after_delimiter, headers, body, done, failed };
  bool fail(std::string message);
  bool parse_headers(std::string_view block, PartHeaders& out);

  std::string delimiter_;  // CRLF "--" boundary
  Callbacks callbacks_;
  std::size_t header_limit_;
  State state_ = State::preamble;
  std::string pending_;
  std::size_t preamble_ = 0;  // preamble bytes seen so far
  std::size_t padding_ = 0;   // transport padding after the current delimiter
  std::size_t scanned_ = 0;   // header-block bytes already searched for its end
  std::string error_;
};

}  // namespace mc::http
