#include "core/json.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <cmath>

#include "core/error.hpp"
#include "core/timestamp.hpp"

namespace mc::json {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void write_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t run = 0;  // start of the current run of characters that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

template <typename T>
void write_chars(std::string& out, T v, auto... format) {
  char buf[400];  // the longest fixed-notation double (DBL_MAX) has 309 digits
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, format...);
  out.append(buf, ec == std::errc() ? end : buf);
}

// Boost.JSON writes every double in exponent form (40.0 as 4E1), which clients display verbatim and
// strict integer parsers refuse: whole numbers go out as integers, others in plain decimal notation
// (the shortest that reads back as the same double).
void write_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";  // JSON has no infinities or NaN
    return;
  }
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (d == std::trunc(d) && std::fabs(d) <= kExactIntegers) {
    write_chars(out, static_cast<std::int64_t>(d));  // also turns -0 into 0
    return;
  }
  write_chars(out, d, std::chars_format::fixed);
}

void write_value(std::string& out, const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      out += "null";
      return;
    case bj::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case bj::kind::int64:
      write_chars(out, v.get_int64());
      return;
    case bj::kind::uint64:
      write_chars(out, v.get_uint64());
      return;
    case bj::kind::double_:
      write_double(out, v.get_double());
      return;
    case bj::kind::string:
      write_string(out, v.get_string());
      return;
    case bj::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        write_value(out, e);
      }
      out.push_back(']');
      return;
    }
    case bj::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        write_string(out, kv.key());
        out.push_back(':');
        write_value(out, kv.value());
      }
      out.push_back('}');
      return;
    }
  }
}

constexpr std::string_view kControlCharacters = "must not contain control characters";
constexpr std::string_view kOutOfRange = "holds a number out of range";

// Why a value sent in a body cannot be taken, if it cannot: a string (keys included) holding a
// control character other than a line break, or a number out of a double's range (Boost.JSON
// reads 1e999 as infinity, which no JSON answer can carry back and no field can use).
std::optional<std::string_view> refusal(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::double_:
      if (!std::isfinite(v.get_double())) return kOutOfRange;
      return std::nullopt;
    case bj::kind::string:
      if (has_control_characters(v.get_string(), true)) return kControlCharacters;
      return std::nullopt;
    case bj::kind::array:
      for (const auto& e : v.get_array()) {
        if (auto why = refusal(e)) return why;
      }
      return std::nullopt;
    case bj::kind::object:
      for (const auto& kv : v.get_object()) {
        if (has_control_characters(kv.key(), true)) return kControlCharacters;
        if (auto why = refusal(kv.value())) return why;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

bool has_control_characters(std::string_view text, bool line_breaks_allowed) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20) {
      if (line_breaks_allowed && (c == '\t' || c == '\n' || c == '\r')) continue;
      return true;
    }
    if (c == 0x7f) return true;
    // C1 controls are U+0080-U+009F: 0xC2 0x80-0x9F in UTF-8.
    if (c == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return true;
    }
  }
  return false;
}

bj::object parse_object(std::string_view body) {
  boost::system::error_code ec;
  bj::parse_options opts;
  opts.max_depth = 32;
  bj::value v = bj::parse(body, ec, {}, opts);
  if (ec) throw ApiError(400, "invalid_json", "Request body is not valid JSON: " + ec.message());
  if (!v.is_object()) throw ApiError(400, "invalid_json", "Request body must be a JSON object");
  bj::object errors;
  for (const auto& kv : v.as_object()) {
    if (has_control_characters(kv.key(), true)) {
      errors[kv.key()] = kControlCharacters;
    } else if (auto why = refusal(kv.value())) {
      errors[kv.key()] = *why;
    }
  }
  if (!errors.empty()) throw ApiError::validation(std::move(errors));
  return std::move(v.as_object());
}

std::string serialize(const bj::value& v) {
  std::string out;
  out.reserve(256);
  write_value(out, v);
  return out;
}

std::string FieldReader::required_string(std::string_view name, Text text) {
  const auto* v = obj_.if_contains(name);
  if (!v || v->is_null()) {
    seen_.emplace(name);
    fail(name, "is required");
    return {};
  }
  return optional_string(name, text).value_or(std::string());
}

std::optional<std::string> FieldReader::optional_string(std::string_view name, Text text) {
  seen_.emplace(name);
  const auto* v = obj_.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    fail(name, "must be a string");
    return std::nullopt;
  }
  if (text == Text::single_line && has_control_characters(v->get_string(), false)) {
    fail(name, "must be one line without control characters");
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::optional<std::string> FieldReader::optional_timestamp(std::string_view name) {
  const auto text = optional_string(name);
  if (!text) return std::nullopt;
  const auto micros = parse_rfc3339(*text);
  if (!micros) {
    fail(name, "must be an RFC 3339 timestamp such as 2026-05-01T18:00:00Z");
    return std::nullopt;
  }
  if (*micros < kEarliestTimestamp || *micros > kLatestTimestamp) {
    fail(name, "must be between 1970-01-01T00:00:00Z and 2199-12-31T23:59:59Z");
    return std::nullopt;
  }
  return format_rfc3339_utc(*micros);
}

void FieldReader::fail(std::string_view name, std::string_view reason) {
  if (!errors_.contains(name)) errors_[name] = reason;
}

void FieldReader::finish() {
  for (const auto& kv : obj_) {
    if (!seen_.contains(std::string_view(kv.key()))) fail(kv.key(), "is not a known field; leave it out");
  }
  if (!errors_.empty()) throw ApiError::validation(std::move(errors_));
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace mc::json
