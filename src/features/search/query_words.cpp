#include "features/search/query_words.hpp"

namespace mc::search {
namespace {

bool word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

}  // namespace

std::vector<std::string> query_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (word_byte(c)) {
      current.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::size_t letters_in(std::string_view word) {
  std::size_t n = 0;
  for (const char ch : word)
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;  // not a UTF-8 continuation byte
  return n;
}

Tolerance tolerance_for(std::size_t letters) {
  // pg_trgm pads a word of n letters to n + 1 trigrams. Two neighbours swapped in the middle (the
  // costliest single mistake) break four of them and add four: similarity (n - 3) / (n + 5), so
  // 0.27 at six letters ("auorra"), 0.33 at seven, 0.38 at eight, 0.43 at nine, rising after.
  if (letters <= 5) return {2, 1};
  if (letters == 6) return {2, std::nullopt};
  if (letters <= 8) return {3, std::nullopt};
  return {4, std::nullopt};
}

}  // namespace mc::search
