#pragma once
#include <string_view>
#include <vector>

namespace mc::artists {

// The fixed genre vocabulary (SPEC §4.2), shared by registration, profiles and discovery.
const std::vector<std::string_view>& genres();
bool is_genre(std::string_view g);

}  // namespace mc::artists
