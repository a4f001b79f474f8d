#include "http/multipart.hpp"

#include <algorithm>
#include <cctype>

namespace mc::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One parameter of a header value such as `form-data; name="file"; filename="a.mp3"`.
std::optional<std::string> header_param(std::string_view value, std::string_view wanted) {
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const std::size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string key = lower(trim(value.substr(i, eq - i)));
    std::size_t j = eq + 1;
    std::string param;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        param.push_back(value[j++]);
      }
      if (j >= value.size()) return std::nullopt;  // unterminated quote
      ++j;
    } else {
      const std::size_t end = std::min(value.find(';', j), value.size());
      param = std::string(trim(value.substr(j, end - j)));
      j = end;
    }
    if (key == wanted) return param;
    i = value.find(';', j);
  }
  return std::nullopt;
}

bool valid_boundary(std::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  static constexpr std::string_view kSpecials = "'()+_,-./:=? ";
  return std::all_of(b.begin(), b.end(), [](unsigned char c) {
    return std::isalnum(c) || kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (lower(trim(content_type.substr(0, semi))) != "multipart/form-data") return std::nullopt;
  auto b = header_param(content_type, "boundary");
  if (!b || !valid_boundary(*b)) return std::nullopt;
  return b;
}

MultipartParser::MultipartParser(const std::string& boundary, Callbacks callbacks, std::size_t header_limit)
    : delimiter_("\r\n--" + boundary), callbacks_(std::move(callbacks)), header_limit_(header_limit) {
  // The first delimiter may open the body without the CRLF that precedes the others.
  pending_ = "\r\n";
}

bool MultipartParser::fail(std::string message) {
  state_ = State::failed;
  error_ = std::move(message);
  pending_.clear();
  return false;
}

bool MultipartParser::parse_headers(std::string_view block, PartHeaders& out) {
  bool disposition = false;
  while (!block.empty()) {
    const auto eol = block.find("\r\n");
    const std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
    if (line.empty()) continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail("a part header has no colon");
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      if (lower(trim(value.substr(0, value.find(';')))) != "form-data") {
        return fail("a part's Content-Disposition is not form-data");
      }
      auto n = header_param(value, "name");
      if (!n || n->empty()) return fail("a part has no name");
      out.name = std::move(*n);
      out.filename = header_param(value, "filename");
      disposition = true;
    } else if (name == "content-type") {
      out.content_type = std::string(value);
    }
  }
  if (!disposition) return fail("a part has no Content-Disposition");
  return true;
}

bool MultipartParser::feed(std::string_view data) {
  if (state_ == State::failed) return false;
  if (state_ == State::done) return true;  // the epilogue is ignored
  pending_.append(data);
  std::size_t pos = 0;  // consumed prefix of pending_
  while (true) {
    std::string_view rest = std::string_view(pending_).substr(pos);
    if (state_ == State::preamble || state_ == State::body) {
      const auto hit = rest.find(delimiter_);
      if (hit == std::string_view::npos) {
        // Keep back what could be the start of a delimiter split across chunks.
        const std::size_t keep = std::min(rest.size(), delimiter_.size() - 1);
        const std::size_t emit = rest.size() - keep;
        if (state_ == State::body && emit > 0 && !callbacks_.on_part_data(rest.substr(0, emit))) {
          return fail("the upload was refused");
        }
        if (state_ == State::preamble && (preamble_ += emit) > kMaxPreamble) {
          return fail("no multipart boundary found");
        }
        pos += emit;
        break;
      }
      if (state_ == State::body) {
        if (hit > 0 && !callbacks_.on_part_data(rest.substr(0, hit))) return fail("the upload was refused");
        if (!callbacks_.on_part_end()) return fail("the upload was refused");
      } else if ((preamble_ += hit) > kMaxPreamble) {
        return fail("no multipart boundary found");
      }
      pos += hit + delimiter_.size();
      padding_ = 0;
      state_ = State::after_delimiter;
    } else if (state_ == State::after_delimiter) {
      // "--" right after the delimiter closes the body; otherwise transport padding, then CRLF.
      // Padding is consumed as it arrives (never kept and searched again) and is bounded.
      if (padding_ == 0 && rest.starts_with("-")) {
        if (rest.size() < 2) break;
        if (rest[1] != '-') return fail("a multipart delimiter is not followed by CRLF");
        state_ = State::done;
        pending_.clear();
        return true;
      }
      std::size_t i = 0;
      while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
      padding_ += i;
      pos += i;
      if (padding_ > kMaxTransportPadding) return fail("too much padding after a multipart delimiter");
      rest.remove_prefix(i);
      if (rest.empty()) break;
      if (rest[0] != '\r' || (rest.size() > 1 && rest[1] != '\n')) {
        return fail("a multipart delimiter is not followed by CRLF");
      }
      if (rest.size() < 2) break;
      pos += 2;
      scanned_ = 0;
      state_ = State::headers;
    } else if (state_ == State::headers) {
      // An empty header block ends at the first CRLF.
      if (rest.starts_with("\r\n")) return fail("a part has no headers");
      // Resume the search for the blank line where the last chunk's search stopped.
      const auto end = rest.find("\r\n\r\n", scanned_ > 3 ? scanned_ - 3 : 0);
      if (end == std::string_view::npos) {
        // A block within the limit has its blank line within the first header_limit_ + 4 bytes;
        // until then it may still be arriving (whatever the chunking, the same bodies pass).
        if (rest.size() >= header_limit_ + 4) return fail("a part's headers are too large");
        scanned_ = rest.size();
        break;
      }
      if (end > header_limit_) return fail("a part's headers are too large");
      PartHeaders headers;
      if (!parse_headers(rest.substr(0, end + 2), headers)) return false;
      if (!callbacks_.on_part_begin(headers)) return fail("the upload was refused");
      pos += end + 4;
      // The part's data runs up to the next delimiter (an empty part starts with its CRLF).
      state_ = State::body;
    } else {
      break;
    }
  }
  pending_.erase(0, pos);
  return true;
}

bool MultipartParser::finish() {
  if (state_ == State::failed) return false;
  if (state_ != State::done) return fail("the multipart body ended before its closing boundary");
  return true;
}

}  // namespace mc::http
