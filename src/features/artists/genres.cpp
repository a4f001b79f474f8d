#include "features/artists/genres.hpp"

#include <algorithm>

namespace mc::artists {

const std::vector<std::string_view>& genres() {
  static const std::vector<std::string_view> all = {
      "ambient", "blues", "classical", "country", "electronic", "experimental", "folk",  "funk", "gospel",
      "hip-hop", "house", "indie",     "jazz",    "latin",      "lo-fi",        "metal", "pop",  "punk",
      "reggae",  "rnb",   "rock",      "soul",    "soundtrack", "techno",       "world"};
  return all;
}

bool is_genre(std::string_view g) {
  const auto& all = genres();
  return std::find(all.begin(), all.end(), g) != all.end();
}

}  // namespace mc::artists
