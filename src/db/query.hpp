#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc::db {

// A named statement. The name is the prepared-statement name and the label used in logs and metrics,
// so every query a store runs is declared once as a constant: `constexpr Query kFindUser{...}`.
struct Query {
  std::string_view name;
  std::string_view sql;
};

using Param = std::optional<std::string>;
using Params = std::vector<Param>;

inline Param to_param(std::string s) {
  return s;
}
inline Param to_param(std::string_view s) {
  return std::string(s);
}
inline Param to_param(const char* s) {
  return std::string(s);
}
inline Param to_param(bool b) {
  return std::string(b ? "true" : "false");
}
inline Param to_param(std::nullopt_t) {
  return std::nullopt;
}
template <class T>
requires std::is_integral_v<T> Param to_param(T v) {
  return std::to_string(v);
}
// A text[] parameter, as PostgreSQL's array literal ({"a","b\"c"}).
inline Param to_param(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}
template <class T>
Param to_param(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return to_param(*v);
}

// params("a", 1, std::nullopt) → text-format parameter list.
template <class... Args>
Params params(Args&&... args) {
  Params out;
  out.reserve(sizeof...(Args));
  (out.push_back(to_param(std::forward<Args>(args))), ...);
  return out;
}

struct Statement {
  const Query* query;
  Params params;
};

}  // namespace mc::db
