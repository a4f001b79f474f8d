#include "features/search/typo_distance.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace mc::search {
namespace {

bool word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

std::vector<std::string> words_of(std::string_view text) {
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

}  // namespace

int edit_distance(std::string_view a, std::string_view b, int cap) {
  const auto n = a.size();
  const auto m = b.size();
  const auto length_gap = static_cast<int>(n > m ? n - m : m - n);
  if (length_gap >= cap) return cap;
  // Three rows: the one before last is needed for a swap.
  std::vector<int> before(m + 1), last(m + 1), row(m + 1);
  for (std::size_t j = 0; j <= m; ++j) last[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    row[0] = static_cast<int>(i);
    int row_min = row[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const int substitute = last[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      int best = std::min({last[j] + 1, row[j - 1] + 1, substitute});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        best = std::min(best, before[j - 2] + 1);
      row[j] = best;
      row_min = std::min(row_min, best);
    }
    // Every later row is at least this row's minimum.
    if (row_min >= cap) return cap;
    std::swap(before, last);
    std::swap(last, row);
  }
  return std::min(last[m], cap);
}

int typo_distance(std::string_view typed, std::string_view name, int cap) {
  const auto name_words = words_of(name);
  int total = 0;
  for (const auto& word : words_of(typed)) {
    int closest = cap;
    for (const auto& candidate : name_words)
      closest = std::min(closest, edit_distance(word, candidate, closest));
    total += closest;
    if (total >= cap) return cap;
  }
  return total;
}

}  // namespace mc::search
