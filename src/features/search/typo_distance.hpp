#pragma once
#include <string>
#include <string_view>
#include <vector>

// How far a name is from what was typed, in typing mistakes (docs/search.md, "Typos"). Ranking uses
// it for names found only through a typo correction: trigram similarity alone scores a transposed
// pair ("korcalywn") no closer to the intended name ("Korcalwyn") than to neighbours that share the
// same start ("Korcaldu"), and the neighbours won.
namespace mc::search {

// Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours: one each),
// stopping at `cap`: returns min(distance, cap). Bytes are compared as they are, so a non-ASCII
// letter typed wrongly may count as two.
int edit_distance(std::string_view a, std::string_view b, int cap);

// For each typed word (query_words of the query), the distance to the closest word of `name`,
// summed and capped at `cap`.
int typo_distance(const std::vector<std::string>& typed_words, std::string_view name, int cap);

}  // namespace mc::search
