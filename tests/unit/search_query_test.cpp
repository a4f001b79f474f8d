#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "features/search/query_words.hpp"
#include "features/search/store.hpp"
#include "features/search/typo_distance.hpp"

using mc::search::edit_distance;
using mc::search::letters_in;
using mc::search::query_words;
using mc::search::tolerance_for;
using mc::search::typo_distance;

TEST(SearchEditDistance, each_kind_of_typing_mistake_is_one) {
  EXPECT_EQ(edit_distance("korcalwyn", "korcalwyn", 3), 0);
  EXPECT_EQ(edit_distance("korcalywn", "korcalwyn", 3), 1);   // two neighbours swapped
  EXPECT_EQ(edit_distance("korcalwn", "korcalwyn", 3), 1);    // a letter left out
  EXPECT_EQ(edit_distance("korcalwyyn", "korcalwyn", 3), 1);  // a letter too many
  EXPECT_EQ(edit_distance("korcalwun", "korcalwyn", 3), 1);   // a wrong letter
  EXPECT_EQ(edit_distance("", "abc", 5), 3);
  EXPECT_EQ(edit_distance("abc", "", 5), 3);
}

TEST(SearchEditDistance, stops_at_the_cap) {
  // "korcalywn" to "korcaldu" is three edits; a cap of 2 answers 2 without finishing.
  EXPECT_EQ(edit_distance("korcalywn", "korcaldu", 9), 3);
  EXPECT_EQ(edit_distance("korcalywn", "korcaldu", 2), 2);
  EXPECT_EQ(edit_distance("a", "abcdefgh", 3), 3);  // lengths alone exceed the cap
  EXPECT_EQ(edit_distance("abcdef", "ghijkl", 4), 4);
}

TEST(SearchTypoDistance, a_swap_is_closer_than_a_different_ending) {
  // The bench/search miss: trigram similarity scored both names alike.
  EXPECT_EQ(typo_distance(query_words("korcalywn"), "Korcalwyn", 3), 1);
  EXPECT_EQ(typo_distance(query_words("korcalywn"), "Korcaldu & the Planets", 3), 3);
  EXPECT_EQ(typo_distance(query_words("Korcalywn"), "Kai Korcalcal", 3), 3);
}

TEST(SearchTypoDistance, every_typed_word_counts_against_its_closest_name_word) {
  EXPECT_EQ(typo_distance(query_words("kai korcalcla"), "Kai Korcalcal", 3), 1);
  EXPECT_EQ(typo_distance(query_words("the  orbits!"), "Korcalmey & the Orbits", 5), 0);
  EXPECT_EQ(typo_distance(query_words("kia korcalcla"), "Kai Korcalcal", 5), 2);
  EXPECT_EQ(typo_distance(query_words(""), "Kai Korcalcal", 3), 0);
  EXPECT_EQ(typo_distance(query_words("zzzz"), "", 3), 3);
}

TEST(SearchQueryWords, splits_on_anything_but_letters_and_digits_and_lowercases_ascii) {
  EXPECT_EQ(query_words("  The Orbits!  vol.2 "), (std::vector<std::string>{"the", "orbits", "vol", "2"}));
  EXPECT_EQ(query_words("Bj\xc3\xb6rk-Ens"), (std::vector<std::string>{"bj\xc3\xb6rk", "ens"}));
  EXPECT_TRUE(query_words(" ,;& ").empty());
}

TEST(SearchQueryWords, counts_letters_not_bytes) {
  EXPECT_EQ(letters_in("korcalwyn"), 9U);
  EXPECT_EQ(letters_in("bj\xc3\xb6rk"), 5U);  // ö is two bytes
  EXPECT_EQ(letters_in(""), 0U);
}

// pg_trgm's similarity of two lowercase words: shared trigrams over all trigrams, each word padded
// with two spaces before and one after.
double trigram_similarity(const std::string& a, const std::string& b) {
  auto trigrams = [](const std::string& w) {
    const std::string padded = "  " + w + " ";
    std::set<std::string> out;
    for (std::size_t i = 0; i + 3 <= padded.size(); ++i) out.insert(padded.substr(i, 3));
    return out;
  };
  const auto x = trigrams(a), y = trigrams(b);
  std::size_t shared = 0;
  for (const auto& t : x) shared += y.count(t);
  return static_cast<double>(shared) / static_cast<double>(x.size() + y.size() - shared);
}

TEST(SearchQueryWords, one_typing_mistake_anywhere_stays_within_the_tolerance) {
  // Every single mistake (wrong letter, letter left out, letter too many, a swap of neighbours) at
  // every place of words of 5 to 24 distinct letters keeps the typed word a correction of the
  // intended one: similar enough, and one mistake (edit_distance counts a swap as one).
  const std::string alphabet = "abcdefghijklmnopqrstuvwx";
  for (std::size_t n = 5; n <= alphabet.size(); ++n) {
    const std::string word = alphabet.substr(0, n);
    std::vector<std::string> typos;
    for (std::size_t i = 0; i < n; ++i) {
      if (i + 1 < n) {
        std::string swapped = word;
        std::swap(swapped[i], swapped[i + 1]);
        typos.push_back(swapped);
      }
      std::string wrong = word;
      wrong[i] = 'z';
      typos.push_back(wrong);
      typos.push_back(word.substr(0, i) + word.substr(i + 1));
      typos.push_back(word.substr(0, i) + "z" + word.substr(i));
    }
    for (const auto& typo : typos) {
      const auto tolerance = tolerance_for(letters_in(typo));
      EXPECT_GE(trigram_similarity(typo, word), tolerance.similarity_tenths / 10.0)
          << typo << " for " << word;
      EXPECT_LE(edit_distance(typo, word, 9), tolerance.mistakes.value_or(9)) << typo << " for " << word;
    }
  }
}

TEST(SearchQueryWords, a_long_word_needs_more_shared_trigrams_and_a_short_one_fewer_edits) {
  EXPECT_EQ(tolerance_for(6).similarity_tenths, 2);  // "auorra" is 0.27 from "aurora"
  EXPECT_GT(tolerance_for(9).similarity_tenths, tolerance_for(6).similarity_tenths);
  // Five trigrams of fifteen shared: within the old flat 0.2, no longer a candidate for nine letters.
  EXPECT_NEAR(trigram_similarity("korcalywn", "korcamble"), 1.0 / 3, 1e-9);
  EXPECT_LT(trigram_similarity("korcalywn", "korcamble"), tolerance_for(9).similarity_tenths / 10.0);
  // A short word is no longer corrected to a common word two edits away, but still to one swap away.
  ASSERT_TRUE(tolerance_for(5).mistakes.has_value());
  EXPECT_GT(edit_distance("brith", "bright", 9), *tolerance_for(5).mistakes);
  EXPECT_GT(edit_distance("thama", "thank", 9), *tolerance_for(5).mistakes);
  EXPECT_LE(edit_distance("quite", "quiet", 9), *tolerance_for(5).mistakes);
}

TEST(SearchExpansion, a_query_that_found_nothing_is_asked_again_with_any_one_word_missing) {
  using mc::search::store::all_but_one;
  using mc::search::store::Expansion;
  const Expansion three{{{"'a':* | 'x'", "'a':*"}, {"'b':*", "'b':*"}, {"'c':*", "'c':*"}}, "", ""};
  const auto relaxed = all_but_one(three);
  ASSERT_TRUE(relaxed);
  EXPECT_EQ(relaxed->corrected,
            "(('b':*) & ('c':*)) | (('a':* | 'x') & ('c':*)) | (('a':* | 'x') & ('b':*))");
  EXPECT_EQ(relaxed->words.size(), 3U);
  const Expansion two{{{"'aurora':*", "'aurora':*"}, {"'band':*", "'band':*"}}, "", ""};
  ASSERT_TRUE(all_but_one(two));
  EXPECT_EQ(all_but_one(two)->typed, "(('band':*)) | (('aurora':*))");
  // One word leaves nothing to match; seven would make too wide a query.
  EXPECT_FALSE(all_but_one(Expansion{{{"'a':*", "'a':*"}}, "", ""}));
  EXPECT_FALSE(all_but_one(Expansion{std::vector<Expansion::Word>(7, {"'a':*", "'a':*"}), "", ""}));
}
