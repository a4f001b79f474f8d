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
