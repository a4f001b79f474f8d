#include "features/search/typo_distance.hpp"

#include <algorithm>

#include "features/search/query_words.hpp"

namespace mc::search {

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

int typo_distance(const std::vector<std::string>& typed_words, std::string_view name, int cap) {
  const auto name_words = query_words(name);
  int total = 0;
  for (const auto& word : typed_words) {
    int closest = cap;
    for (const auto& candidate : name_words)
      closest = std::min(closest, edit_distance(word, candidate, closest));
    total += closest;
    if (total >= cap) return cap;
  }
  return total;
}

}  // namespace mc::search
