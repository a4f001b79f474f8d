#include "core/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/error.hpp"

namespace mc::json {

bj::object parse_object(std::string_view body) {
  boost::system::error_code ec;
  bj::parse_options opts;
  opts.max_depth = 32;
  bj::value v = bj::parse(body, ec, {}, opts);
  if (ec) throw ApiError(400, "invalid_json", "Request body is not valid JSON: " + ec.message());
  if (!v.is_object()) throw ApiError(400, "invalid_json", "Request body must be a JSON object");
  return std::move(v.as_object());
}

std::string serialize(const bj::value& v) {
  return bj::serialize(v);
}

std::string FieldReader::required_string(std::string_view name) {
  seen_.emplace(name);
  const auto* v = obj_.if_contains(name);
  if (!v || v->is_null()) {
    fail(name, "is required");
    return {};
  }
  if (!v->is_string()) {
    fail(name, "must be a string");
    return {};
  }
  return std::string(v->as_string());
}

std::optional<std::string> FieldReader::optional_string(std::string_view name) {
  seen_.emplace(name);
  const auto* v = obj_.if_contains(name);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    fail(name, "must be a string");
    return std::nullopt;
  }
  return std::string(v->as_string());
}

void FieldReader::fail(std::string_view name, std::string_view reason) {
  if (!errors_.contains(name)) errors_[name] = reason;
}

void FieldReader::finish() {
  for (const auto& kv : obj_) {
    if (!seen_.contains(std::string_view(kv.key()))) fail(kv.key(), "is not a known field");
  }
  if (!errors_.empty()) throw ApiError::validation(std::move(errors_));
}

}  // namespace mc::json
