#include "media/s3_xml.hpp"

#include "core/markup.hpp"

#include <charconv>

namespace mc::media::s3xml {

namespace {

bool name_ends(char c) {
  return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x110000) {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::vector<std::string_view> elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  std::size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    const std::size_t after_name = pos + open.size();
    if (after_name >= xml.size() || !name_ends(xml[after_name])) {  // <Key> must not match <KeyCount>
      pos = after_name;
      continue;
    }
    const std::size_t gt = xml.find('>', after_name);
    if (gt == std::string_view::npos) break;
    if (xml[gt - 1] == '/') {  // <tag/>
      out.emplace_back();
      pos = gt + 1;
      continue;
    }
    const std::size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(gt + 1, end - gt - 1));
    pos = end + close.size();
  }
  return out;
}

std::optional<std::string> first(std::string_view xml, std::string_view tag) {
  auto found = elements(xml, tag);
  if (found.empty()) return std::nullopt;
  return unescape(found.front());
}

std::vector<std::string> all(std::string_view xml, std::string_view tag) {
  std::vector<std::string> out;
  for (auto text : elements(xml, tag)) out.push_back(unescape(text));
  return out;
}

std::string escape(std::string_view text) {
  return escape_markup(text);
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    // An entity is at most 10 characters after its '&': look no further, or text of many '&'
    // and no ';' costs its length squared.
    std::size_t semi = text[i] == '&' ? text.substr(i, 11).find(';') : std::string_view::npos;
    if (semi != std::string_view::npos) semi += i;
    if (semi == std::string_view::npos) {
      out.push_back(text[i]);
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool is_hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(is_hex ? 2 : 1);
      unsigned cp = 0;
      const auto [p, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, is_hex ? 16 : 10);
      if (ec != std::errc() || p != digits.data() + digits.size()) {
        out.push_back(text[i]);
        continue;
      }
      append_utf8(out, cp);
    } else {
      out.push_back(text[i]);
      continue;
    }
    i = semi;
  }
  return out;
}

}  // namespace mc::media::s3xml
