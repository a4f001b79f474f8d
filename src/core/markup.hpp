#pragma once
#include <string>
#include <string_view>

namespace mc {

// Text made safe inside HTML or XML content and quoted attribute values: & < > " ' become entity
// references (&#39; for the apostrophe, which both languages accept).
void escape_markup_into(std::string& out, std::string_view text);
std::string escape_markup(std::string_view text);

}  // namespace mc
