#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The words of a search query as the server sees them (docs/search.md, "Typos"): split once per
// search, then used to pick each word's typo tolerance and to count typing mistakes in ranking.
namespace mc::search {

// Runs of letters and digits, ASCII lowercased; any byte above 0x7f counts as a letter (the
// database lowercases and splits those the way it split the names).
std::vector<std::string> query_words(std::string_view text);

// Letters in `word` (UTF-8 code points).
std::size_t letters_in(std::string_view word);

// How far a dictionary word may be from a typed word of `letters` letters to count as its correction.
struct Tolerance {
  // The least trigram similarity, in tenths: what one typing mistake in the middle of such a word
  // still scores, so a long word is not compared with the hundreds of words that share a few of its
  // trigrams (2 up to six letters, 4 from nine).
  int similarity_tenths;
  // The most typing mistakes (an edit, or a swap of neighbours), when limited: one for a word of
  // five letters or fewer, where two edits reach common words that bury the intended one ("brith"
  // is two from "bright", in 952 track titles, while "quite" is one swap from "quiet"); a longer
  // word is limited by similarity alone ("midnite" is three edits from "midnight", and 0.42 similar).
  std::optional<int> mistakes;

  bool operator==(const Tolerance&) const = default;
};
Tolerance tolerance_for(std::size_t letters);

}  // namespace mc::search
