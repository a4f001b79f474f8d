// The post body pipeline (docs/posts.md): the allow-list pass on its own (HTML a renderer could
// produce), then Markdown end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "features/posts/markdown.hpp"

using mc::posts::render_markdown;
using mc::posts::sanitize_html;

TEST(Sanitize, keeps_allowed_markup_and_escapes_text) {
  const auto out = sanitize_html("<p>a <strong>b</strong> &amp; <em>c</em> &lt;d&gt;</p><ul><li>x</li></ul>");
  EXPECT_EQ(out.html, "<p>a <strong>b</strong> &amp; <em>c</em> &lt;d&gt;</p><ul><li>x</li></ul>");
  EXPECT_EQ(out.text, "a b & c <d>\nx");
}

TEST(Sanitize, drops_scripts_handlers_and_foreign_content_whatever_the_input) {
  const auto out = sanitize_html(
      "<p onclick=\"x()\" style=\"color:red\">hi</p><script>alert(1)</script><img src=x onerror=alert(1)>"
      "<svg><script>alert(2)</script></svg><math><mi>m</mi></math><iframe src=//e></iframe>"
      "<div><span>kept text</span></div><!-- comment --><style>*{}</style>");
  EXPECT_EQ(out.html, "<p>hi</p>kept text");
}

TEST(Sanitize, links_keep_only_safe_targets) {
  EXPECT_EQ(sanitize_html("<a href=\"https://e.com/?a=1&amp;b=2\" onclick=x>ok</a>").html,
            "<a href=\"https://e.com/?a=1&amp;b=2\" rel=\"nofollow ugc noopener noreferrer\">ok</a>");
  EXPECT_EQ(sanitize_html("<a href=\"/artist/x\">p</a>").html,
            "<a href=\"/artist/x\" rel=\"nofollow ugc noopener noreferrer\">p</a>");
  for (const char* bad :
       {"javascript:alert(1)", "JaVaScRiPt:alert(1)", "java&#9;script:alert(1)", " javascript:alert(1)",
        "vbscript:x", "data:text/html,<b>", "//evil.example/x", "java\\script:x"}) {
    EXPECT_EQ(sanitize_html(std::string("<a href=\"") + bad + "\">t</a>").html, "t") << bad;
  }
}

TEST(Sanitize, only_digit_starts_and_language_classes) {
  EXPECT_EQ(sanitize_html("<ol start=\"3\"><li>a</li></ol>").html, "<ol start=\"3\"><li>a</li></ol>");
  EXPECT_EQ(sanitize_html("<ol start=\"3;x\"><li>a</li></ol>").html, "<ol><li>a</li></ol>");
  EXPECT_EQ(sanitize_html("<pre><code class=\"language-cpp\">x</code></pre>").html,
            "<pre><code class=\"language-cpp\">x</code></pre>");
  EXPECT_EQ(sanitize_html("<code class=\"x\" style=\"y\">z</code>").html, "<code>z</code>");
}

TEST(Markdown, renders_the_subset_and_omits_raw_html) {
  const auto out = render_markdown("# Title\n\n**b** _i_ `c<d>`\n\n<div onclick=x>raw</div>\n\n> q\n");
  EXPECT_EQ(out.html,
            "<h1>Title</h1>\n<p><strong>b</strong> <em>i</em> <code>c&lt;d&gt;</code></p>\n\n"
            "<blockquote>\n<p>q</p>\n</blockquote>\n");
  EXPECT_EQ(render_markdown("[x](javascript:alert(1)) ![i](https://e.com/i.png)").html, "<p>x </p>\n");
}

TEST(Markdown, deep_nesting_is_refused_before_any_html_is_built) {
  // The largest body (20,000 bytes) as nested quotes, lists and emphasis: refused quickly (building
  // the HTML tree of such a document is quadratic in its depth).
  std::string list;
  for (int i = 0; list.size() < 20000; ++i)
    list += std::string(static_cast<std::size_t>(i) * 2, ' ') + "- a\n";
  for (const std::string& body : {std::string(20000, '>') + " x", list.substr(0, 20000),
                                  std::string(9999, '*') + "x" + std::string(9999, '*')}) {
    const auto out = render_markdown(body);
    EXPECT_TRUE(out.too_deep);
    EXPECT_EQ(out.html, "");
  }
  // 25 nested quotes are fine.
  const auto ok = render_markdown(std::string(25, '>') + " x");
  EXPECT_FALSE(ok.too_deep);
  EXPECT_NE(ok.html.find("<p>x</p>"), std::string::npos);
}
