#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/uuid.hpp"

// Reading Stripe-shaped objects defensively: a missing or mistyped field is absent, never a crash.
namespace mc::payments::fields {

namespace bj = boost::json;

inline const bj::object* object(const bj::object* o, std::string_view key) {
  if (!o) return nullptr;
  const auto* v = o->if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

// o.a.b.c as an object (nullptr when any step is missing).
inline const bj::object* path(const bj::object* o, std::initializer_list<std::string_view> keys) {
  for (auto k : keys) o = object(o, k);
  return o;
}

inline std::optional<std::string> str(const bj::object* o, std::string_view key) {
  if (!o) return std::nullopt;
  const auto* v = o->if_contains(key);
  if (!v || !v->is_string() || v->as_string().empty()) return std::nullopt;
  return std::string(v->as_string());
}

inline int64_t num(const bj::object* o, std::string_view key) {
  if (!o) return 0;
  const auto* v = o->if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= INT64_MAX) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

inline bool flag(const bj::object* o, std::string_view key) {
  if (!o) return false;
  const auto* v = o->if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

// The first element of o.key.data (Stripe lists), as an object.
inline const bj::object* first(const bj::object* o, std::string_view key) {
  const bj::object* list = object(o, key);
  if (!list) return nullptr;
  const auto* data = list->if_contains("data");
  if (!data || !data->is_array() || data->as_array().empty() || !data->as_array()[0].is_object())
    return nullptr;
  return &data->as_array()[0].as_object();
}

using mc::is_uuid;

inline std::optional<std::string> uuid(const std::optional<std::string>& s) {
  if (s && is_uuid(*s)) return s;
  return std::nullopt;
}

inline std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace mc::payments::fields
