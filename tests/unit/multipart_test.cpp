#include <gtest/gtest.h>

#include <map>

#include "http/multipart.hpp"

using namespace mc::http;

namespace {

struct Collected {
  std::vector<PartHeaders> parts;
  std::map<std::string, std::string> data;
  std::string current;
  int ended = 0;
};

MultipartParser::Callbacks collect(Collected& c) {
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [&c](const PartHeaders& h) {
    c.parts.push_back(h);
    c.current = h.name;
    c.data[h.name];
    return true;
  };
  cb.on_part_data = [&c](std::string_view d) {
    c.data[c.current].append(d);
    return true;
  };
  cb.on_part_end = [&c] {
    ++c.ended;
    return true;
  };
  return cb;
}

const std::string kBody =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
    "Hello\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".mp3\"\r\n"
    "Content-Type: audio/mpeg\r\n\r\n"
    "\r\n--Xy binary\r\n--XyY-not-quite\r\n"
    "\r\n--XyZ--\r\n"
    "epilogue";

}  // namespace

TEST(Multipart, boundary_comes_from_the_content_type) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b'c\""), "a b'c");
  EXPECT_FALSE(multipart_boundary("application/json"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary="));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
}

// Every way of cutting the body into two chunks gives the same parts.
TEST(Multipart, parses_the_same_whatever_the_chunking) {
  for (std::size_t cut = 0; cut <= kBody.size(); ++cut) {
    Collected c;
    MultipartParser p("XyZ", collect(c));
    ASSERT_TRUE(p.feed(kBody.substr(0, cut))) << cut << ": " << p.error();
    ASSERT_TRUE(p.feed(kBody.substr(cut))) << cut << ": " << p.error();
    ASSERT_TRUE(p.finish()) << cut << ": " << p.error();
    ASSERT_EQ(c.parts.size(), 2u) << cut;
    EXPECT_EQ(c.ended, 2);
    EXPECT_EQ(c.data["title"], "Hello");
    EXPECT_EQ(c.data["file"], "\r\n--Xy binary\r\n--XyY-not-quite\r\n") << cut;
    EXPECT_EQ(c.parts[1].filename, "a \"b\".mp3");
    EXPECT_EQ(c.parts[1].content_type, "audio/mpeg");
  }
}

TEST(Multipart, byte_by_byte) {
  Collected c;
  MultipartParser p("XyZ", collect(c));
  for (char ch : kBody) ASSERT_TRUE(p.feed(std::string_view(&ch, 1))) << p.error();
  EXPECT_TRUE(p.finish());
  EXPECT_EQ(c.data["title"], "Hello");
}

TEST(Multipart, refuses_broken_bodies) {
  const std::vector<std::string> broken = {
      "",                                                                          // nothing at all
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",          // no closing delimiter
      "--XyZ\r\nno colon here\r\n\r\nx\r\n--XyZ--",                                // bad header
      "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",                     // no disposition
      "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",  // not form-data
      "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--",               // no name
      "--XyZgarbage\r\n",  // delimiter not ended by CRLF
      "--WRONG\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--WRONG--",
  };
  for (const auto& body : broken) {
    Collected c;
    MultipartParser p("XyZ", collect(c));
    const bool ok = p.feed(body) && p.finish();
    EXPECT_FALSE(ok) << body;
    EXPECT_FALSE(p.error().empty()) << body;
  }
}

TEST(Multipart, a_callback_can_refuse) {
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [](const PartHeaders&) { return false; };
  cb.on_part_data = [](std::string_view) { return true; };
  cb.on_part_end = [] { return true; };
  MultipartParser p("b", cb);
  EXPECT_FALSE(p.feed("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--"));
}

// RFC 2046 transport padding after a delimiter is allowed up to the limit, in any chunking.
TEST(Multipart, transport_padding_up_to_the_limit_is_accepted) {
  const std::string pad(MultipartParser::kMaxTransportPadding - 1, ' ');
  const std::string body = "--b" + pad + "\t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b" +
                           pad + "\t\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\ny\r\n--b--\r\n";
  Collected c;
  MultipartParser p("b", collect(c));
  for (char ch : body) ASSERT_TRUE(p.feed(std::string_view(&ch, 1))) << p.error();
  EXPECT_TRUE(p.finish()) << p.error();
  EXPECT_EQ(c.data["a"], "x");
  EXPECT_EQ(c.data["c"], "y");
}

// The malformed-multipart attack: a delimiter, then endless spaces. The parser refuses the byte
// that passes the limit, and keeps none of the padding while it arrives.
TEST(Multipart, transport_padding_past_the_limit_is_refused_at_once) {
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{64} << 10}) {
    Collected c;
    MultipartParser p("b", collect(c));
    ASSERT_TRUE(p.feed("--b"));
    const std::string spaces(chunk, ' ');
    std::size_t fed = 0;
    bool refused = false;
    while (fed < (std::size_t{4} << 20)) {
      if (!p.feed(spaces)) {
        refused = true;
        break;
      }
      fed += chunk;
      ASSERT_LE(p.buffered(), 1u) << "padding is consumed, not kept (chunk " << chunk << ")";
    }
    ASSERT_TRUE(refused) << "chunk " << chunk;
    EXPECT_LE(fed, MultipartParser::kMaxTransportPadding) << "chunk " << chunk;
    EXPECT_NE(p.error().find("padding"), std::string::npos) << p.error();
    EXPECT_TRUE(c.parts.empty());
  }
}

// The 64 KiB preamble limit holds however the preamble is cut into chunks.
TEST(Multipart, preamble_is_bounded_across_chunks) {
  Collected c;
  MultipartParser p("b", collect(c));
  const std::string junk(1000, 'j');
  std::size_t fed = 0;
  while (fed < MultipartParser::kMaxPreamble * 2 && p.feed(junk)) fed += junk.size();
  EXPECT_LE(fed, MultipartParser::kMaxPreamble);
  EXPECT_NE(p.error().find("no multipart boundary"), std::string::npos) << p.error();
}

// A header block arriving byte by byte is held (up to the header limit) but nothing else is.
TEST(Multipart, holds_back_only_a_delimiter_or_a_header_block) {
  const std::string body = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n" +
                           std::string(10000, 'd') + "\r\n--b--";
  Collected c;
  MultipartParser p("b", collect(c), 512);
  for (char ch : body) {
    ASSERT_TRUE(p.feed(std::string_view(&ch, 1))) << p.error();
    ASSERT_LE(p.buffered(), 512u);
  }
  EXPECT_TRUE(p.finish());
  EXPECT_EQ(c.data["f"].size(), 10000u);
  MultipartParser big("b", collect(c), 512);
  EXPECT_FALSE(big.feed("--b\r\nContent-Disposition: form-data; name=\"f\"; x=\"" + std::string(600, 'y')));
  EXPECT_NE(big.error().find("too large"), std::string::npos);
}

// A header block of exactly the limit passes however its blank line is split across chunks (it
// used to fail when a chunk ended inside the "\r\n\r\n" after limit bytes).
TEST(Multipart, a_header_block_at_the_limit_passes_whatever_the_chunking) {
  const std::string start = "--b\r\n";
  std::string headers = "Content-Disposition: form-data; name=\"a\"; x=\"";
  headers += std::string(200 - headers.size() - 1, 'y') + "\"";
  ASSERT_EQ(headers.size(), 200u);
  const std::string body = start + headers + "\r\n\r\nvalue\r\n--b--";
  for (std::size_t cut = start.size() + 195; cut <= start.size() + 204; ++cut) {
    Collected c;
    MultipartParser p("b", collect(c), 200);
    ASSERT_TRUE(p.feed(body.substr(0, cut))) << cut << ": " << p.error();
    ASSERT_TRUE(p.feed(body.substr(cut))) << cut << ": " << p.error();
    ASSERT_TRUE(p.finish()) << cut;
    EXPECT_EQ(c.data["a"], "value");
  }
}
