#pragma once
#include <string>
#include <string_view>

namespace mc::posts {

// A post body: Markdown (CommonMark, by libcmark in its safe mode: raw HTML is omitted and
// javascript:/vbscript:/file:/data: links are emptied) rendered to HTML, then passed through an
// allow-list over the HTML5 parse of that output (libgumbo), so only the elements and attributes
// below reach a browser, whatever the renderer produced (docs/posts.md):
//   p br hr h1-h6 em strong code pre blockquote ul ol li a
//   a[href] (http, https, mailto or a path; rel="nofollow ugc noopener noreferrer" added; a link
//   without such a target becomes its text),
//   ol[start] (digits), code[class] (language-…). Images come only through the image pipeline.
struct Rendered {
  std::string html;       // safe to insert as HTML
  std::string text;       // the visible text, for search
  bool too_deep = false;  // nested more than kMaxDepth levels: refused, html and text empty
};

// Quotes, lists and emphasis nest at most this deep (the document itself counts as one level).
inline constexpr int kMaxDepth = 32;

Rendered render_markdown(std::string_view markdown);

// The allow-list pass alone: any HTML in, only allowed markup out (text escaped).
Rendered sanitize_html(std::string_view html);

}  // namespace mc::posts
