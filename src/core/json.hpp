#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace mc::json {

namespace bj = boost::json;

// Parses a request body that must be one JSON object; throws ApiError invalid_json otherwise.
// Every string in it (at any depth, keys too) is checked for control characters: anything but
// tab, line feed and carriage return is refused with 400 validation_failed naming the top-level
// field, so a NUL never reaches SQL (where it would fail or cut the text short).
bj::object parse_object(std::string_view body);

// Whether text holds a control character: C0 (below U+0020), DEL or C1 (U+0080-U+009F). Tab, LF
// and CR count only when line_breaks_allowed is false.
bool has_control_characters(std::string_view text, bool line_breaks_allowed);
// Characters (code points) in valid UTF-8 text, as PostgreSQL's char_length counts them.
std::size_t utf8_length(std::string_view text);

// Single-line text (names, titles, ids) or text that may span lines (bios, comments, messages).
enum class Text { single_line, multi_line };

// The one JSON writer for everything the server sends or stores: like Boost.JSON's, except that
// numbers never use exponent notation (whole doubles as integers, others as plain decimals) and
// non-finite doubles become null.
std::string serialize(const bj::value& v);

// Reads fields from a request object, collecting every problem so one 400 names them all.
// finish() also rejects fields nobody asked for.
class FieldReader {
 public:
  explicit FieldReader(const bj::object& obj) : obj_(obj) {}

  // Strings: single-line ones refuse tab, CR and LF too (parse_object refused every other control
  // character already).
  std::string required_string(std::string_view name, Text text = Text::single_line);
  std::optional<std::string> optional_string(std::string_view name, Text text = Text::single_line);
  // An RFC 3339 timestamp within [kEarliestTimestamp, kLatestTimestamp], as the UTC text SQL gets.
  std::optional<std::string> optional_timestamp(std::string_view name);

  // Marks a field as known when the caller reads it itself (arrays, objects).
  void accept(std::string_view name) { seen_.emplace(name); }

  // Records a rule failure for a field (first reason per field wins).
  void fail(std::string_view name, std::string_view reason);
  bool has_error(std::string_view name) const { return errors_.contains(name); }

  // Throws ApiError validation_failed when anything failed or an unknown field was sent.
  void finish();

 private:
  const bj::object& obj_;
  std::set<std::string, std::less<>> seen_;
  bj::object errors_;
};

}  // namespace mc::json
