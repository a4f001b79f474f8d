#include "core/markup.hpp"

namespace mc {

void escape_markup_into(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

std::string escape_markup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  escape_markup_into(out, text);
  return out;
}

}  // namespace mc
