#pragma once
#include <optional>
#include <string_view>
#include <vector>

namespace mc {

// A file compiled into the binary (migrations, the OpenAPI document, word lists).
struct EmbeddedFile {
  std::string_view name;
  std::string_view contents;
};

inline std::optional<std::string_view> find_embedded(const std::vector<EmbeddedFile>& files,
                                                     std::string_view name) {
  for (const auto& f : files) {
    if (f.name == name) return f.contents;
  }
  return std::nullopt;
}

}  // namespace mc

namespace mc::db {
const std::vector<mc::EmbeddedFile>& embedded_migrations();
}
namespace mc::ops {
const std::vector<mc::EmbeddedFile>& embedded_docs();
}
