#include "db/result.hpp"

#include <charconv>

namespace mc::db {

long Result::affected() const {
  if (!res_) return 0;
  const char* n = PQcmdTuples(res_.get());
  return (n && *n) ? std::atol(n) : 0;
}

int64_t Result::int64(int row, int col) const {
  const auto v = view(row, col);
  int64_t out = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) {
    throw DbError("column " + std::to_string(col) + " is not an integer: " + std::string(v));
  }
  return out;
}

}  // namespace mc::db
