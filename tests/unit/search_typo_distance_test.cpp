#include <gtest/gtest.h>

#include "features/search/typo_distance.hpp"

using mc::search::edit_distance;
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
  EXPECT_EQ(typo_distance("korcalywn", "Korcalwyn", 3), 1);
  EXPECT_EQ(typo_distance("korcalywn", "Korcaldu & the Planets", 3), 3);
  EXPECT_EQ(typo_distance("Korcalywn", "Kai Korcalcal", 3), 3);
}

TEST(SearchTypoDistance, every_typed_word_counts_against_its_closest_name_word) {
  EXPECT_EQ(typo_distance("kai korcalcla", "Kai Korcalcal", 3), 1);
  EXPECT_EQ(typo_distance("the  orbits!", "Korcalmey & the Orbits", 5), 0);
  EXPECT_EQ(typo_distance("kia korcalcla", "Kai Korcalcal", 5), 2);
  EXPECT_EQ(typo_distance("", "Kai Korcalcal", 3), 0);
  EXPECT_EQ(typo_distance("zzzz", "", 3), 3);
}
