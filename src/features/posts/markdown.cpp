#include "features/posts/markdown.hpp"

#include <cmark.h>
#include <gumbo.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

namespace mc::posts {
namespace {

struct FreeC {
  void operator()(char* p) const { std::free(p); }
};

struct GumboFree {
  void operator()(GumboOutput* o) const { gumbo_destroy_output(&kGumboDefaultOptions, o); }
};

// Elements kept as they are (their allowed attributes only).
bool allowed(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_A:
      return true;
    default:
      return false;
  }
}

// Elements dropped with everything inside them; any other element that is not allowed is
// unwrapped (its text stays, as text).
bool dropped_with_content(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_XMP:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_UNKNOWN:
      return true;
    default:
      return false;
  }
}

bool block(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_LI:
      return true;
    default:
      return false;
  }
}

void escape_into(std::string& out, std::string_view s) {
  for (const char c : s) {
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

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// A link target a reader may follow: http, https or mailto, or a path on this site. Anything with
// whitespace or control characters is refused outright (browsers drop tabs and newlines inside a
// scheme, which is how "java\tscript:" gets through naive checks).
bool safe_href(std::string_view href) {
  if (href.empty() || href.size() > 2000) return false;
  for (const char c : href) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\') return false;
  }
  const auto end = href.find_first_of(":/?#");
  if (end == std::string_view::npos || href[end] != ':') {
    // No scheme: a relative reference. Only a path on this site, not a protocol-relative "//host".
    return href.front() == '/' ? !(href.size() > 1 && href[1] == '/') : true;
  }
  std::string scheme;
  for (const char c : href.substr(0, end)) scheme += lower(c);
  return scheme == "http" || scheme == "https" || scheme == "mailto";
}

bool digits(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool language_class(std::string_view s) {
  if (!s.starts_with("language-") || s.size() > 40 || s.size() == 9) return false;
  for (const char c : s.substr(9)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '+';
    if (!ok) return false;
  }
  return true;
}

void attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  escape_into(out, value);
  out += '"';
}

struct Writer {
  std::string html, text;

  void text_break() {
    if (!text.empty() && text.back() != '\n') text += '\n';
  }

  void children(const GumboVector& kids) {
    for (unsigned i = 0; i < kids.length; ++i) node(*static_cast<const GumboNode*>(kids.data[i]));
  }

  void node(const GumboNode& n) {
    switch (n.type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
      case GUMBO_NODE_CDATA:
        escape_into(html, n.v.text.text);
        text += n.v.text.text;
        return;
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE:
        element(n.v.element);
        return;
      default:  // comments, the document: never copied
        return;
    }
  }

  void element(const GumboElement& e) {
    if (e.tag_namespace != GUMBO_NAMESPACE_HTML || dropped_with_content(e.tag)) return;
    const GumboAttribute* href = e.tag == GUMBO_TAG_A ? gumbo_get_attribute(&e.attributes, "href") : nullptr;
    // A link without a safe target is no link: its text stays.
    if (!allowed(e.tag) || (e.tag == GUMBO_TAG_A && !(href && safe_href(href->value)))) {
      children(e.children);
      return;
    }
    const std::string name = gumbo_normalized_tagname(e.tag);
    html += '<';
    html += name;
    if (e.tag == GUMBO_TAG_A) {
      attribute(html, "href", href->value);
      attribute(html, "rel", "nofollow ugc noopener noreferrer");
    } else if (e.tag == GUMBO_TAG_OL) {
      const GumboAttribute* start = gumbo_get_attribute(&e.attributes, "start");
      if (start && digits(start->value)) attribute(html, "start", start->value);
    } else if (e.tag == GUMBO_TAG_CODE) {
      const GumboAttribute* cls = gumbo_get_attribute(&e.attributes, "class");
      if (cls && language_class(cls->value)) attribute(html, "class", cls->value);
    }
    html += '>';
    if (e.tag == GUMBO_TAG_BR || e.tag == GUMBO_TAG_HR) {
      text_break();
      return;
    }
    children(e.children);
    html += "</";
    html += name;
    html += '>';
    if (block(e.tag)) text_break();
  }
};

}  // namespace

Rendered sanitize_html(std::string_view html) {
  std::unique_ptr<GumboOutput, GumboFree> doc(
      gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size()));
  Writer w;
  if (!doc || !doc->root || doc->root->type != GUMBO_NODE_ELEMENT) return {};
  // <html>'s children: <head> (dropped: nothing in a fragment belongs there) and <body>.
  const GumboVector& top = doc->root->v.element.children;
  for (unsigned i = 0; i < top.length; ++i) {
    const auto* n = static_cast<const GumboNode*>(top.data[i]);
    if (n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == GUMBO_TAG_BODY)
      w.children(n->v.element.children);
  }
  while (!w.text.empty() && (w.text.back() == '\n' || w.text.back() == ' ')) w.text.pop_back();
  return Rendered{std::move(w.html), std::move(w.text)};
}

namespace {

struct FreeNode {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct FreeIter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

bool leaf(cmark_node_type t) {
  switch (t) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE:
    case CMARK_NODE_CODE_BLOCK:
    case CMARK_NODE_HTML_BLOCK:
    case CMARK_NODE_HTML_INLINE:
    case CMARK_NODE_THEMATIC_BREAK:
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
      return true;
    default:
      return false;
  }
}

// How deep the document's containers nest (a leaf's own level included).
int depth_of(cmark_node* doc) {
  std::unique_ptr<cmark_iter, FreeIter> it(cmark_iter_new(doc));
  int depth = 0, deepest = 0;
  for (cmark_event_type ev; (ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE;) {
    const cmark_node_type type = cmark_node_get_type(cmark_iter_get_node(it.get()));
    if (ev == CMARK_EVENT_ENTER) {
      deepest = std::max(deepest, depth + 1);
      if (!leaf(type)) ++depth;
    } else if (ev == CMARK_EVENT_EXIT) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Rendered render_markdown(std::string_view markdown) {
  // CMARK_OPT_SAFE is the default since 0.29 (CMARK_OPT_UNSAFE is never passed); it is named
  // here so the intent survives a library that still defaults the other way.
  constexpr int options = CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8;
  std::unique_ptr<cmark_node, FreeNode> doc(cmark_parse_document(markdown.data(), markdown.size(), options));
  if (!doc) return {};
  // Deeply nested quotes, lists or emphasis are refused before any HTML exists: building an HTML
  // tree is quadratic in its depth, and no post needs more than a few levels.
  if (depth_of(doc.get()) > kMaxDepth) return Rendered{{}, {}, true};
  std::unique_ptr<char, FreeC> html(cmark_render_html(doc.get(), options));
  if (!html) return {};
  return sanitize_html(html.get());
}

}  // namespace mc::posts
