#pragma once
#include <string_view>

// How far a name is from what was typed, in typing mistakes (docs/search.md, "Typos"). Ranking uses
// it for names found only through a typo correction: trigram similarity alone scores a transposed
// pair ("korcalywn") no closer to the intended name ("Korcalwyn") than to neighbours that share the
// same start ("Korcaldu"), and the neighbours won.
namespace mc::search {

// Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours: one each),
// stopping at `cap`: returns min(distance, cap). Bytes are compared as they are, so a non-ASCII
// letter typed wrongly may count as two.
int edit_distance(std::string_view a, std::string_view b, int cap);

// For each word of `typed`, the distance to the closest word of `name`, summed and capped at `cap`.
// Words are split as search splits them (runs of letters and digits, ASCII lowercased; any byte
// above 0x7f counts as a letter).
int typo_distance(std::string_view typed, std::string_view name, int cap);

}  // namespace mc::search
