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
bj::object parse_object(std::string_view body);

// The one JSON writer for everything the server sends or stores: like Boost.JSON's, except that
// numbers never use exponent notation (whole doubles as integers, others as plain decimals) and
// non-finite doubles become null.
std::string serialize(const bj::value& v);

// Reads fields from a request object, collecting every problem so one 400 names them all.
// finish() also rejects fields nobody asked for.
class FieldReader {
 public:
  explicit FieldReader(const bj::object& obj) : obj_(obj) {}

  std::string required_string(std::string_view name);
  std::optional<std::string> optional_string(std::string_view name);

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
