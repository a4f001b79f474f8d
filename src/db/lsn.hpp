#pragma once
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mc::db {

// A PostgreSQL WAL position ("16/B374D848"): the consistency token clients carry for read-your-writes.
struct Lsn {
  uint64_t value = 0;

  static std::optional<Lsn> parse(std::string_view text);
  std::string str() const;
  auto operator<=>(const Lsn&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 false positive
};

// A write's result and the consistency token its commit produced.
template <class T>
struct Written {
  T value;
  Lsn lsn;
};

}  // namespace mc::db
