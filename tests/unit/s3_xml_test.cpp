#include <gtest/gtest.h>

#include "media/s3_xml.hpp"

using namespace mc::media;

TEST(S3Xml, list_result_fields_are_found_without_matching_longer_tags) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><KeyCount>2</KeyCount>
<IsTruncated>true</IsTruncated><Contents><Key>a/1</Key><Size>3</Size></Contents>
<Contents><Key>a/&amp;2</Key></Contents><NextContinuationToken>x+y/z=</NextContinuationToken></ListBucketResult>)";
  EXPECT_EQ(s3xml::all(xml, "Key"), (std::vector<std::string>{"a/1", "a/&2"}));
  EXPECT_EQ(s3xml::first(xml, "IsTruncated"), "true");
  EXPECT_EQ(s3xml::first(xml, "NextContinuationToken"), "x+y/z=");
  EXPECT_EQ(s3xml::elements(xml, "Contents").size(), 2u);
  EXPECT_FALSE(s3xml::first(xml, "Prefix"));
}

TEST(S3Xml, error_document_and_self_closing_elements) {
  const std::string xml =
      "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key/></Error>";
  EXPECT_EQ(s3xml::first(xml, "Code"), "NoSuchKey");
  EXPECT_EQ(s3xml::first(xml, "Key"), "");
}

TEST(S3Xml, escape_and_unescape_round_trip) {
  const std::string text = "a<b>&\"c'";
  EXPECT_EQ(s3xml::escape(text), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(s3xml::unescape(s3xml::escape(text)), text);
  EXPECT_EQ(s3xml::unescape("&#233;&#x41;&bogus; & x"),
            "\xc3\xa9"
            "A&bogus; & x");
}

// Entities are at most 10 characters: an '&' never looks further for its ';', so unescaping is
// linear (8 MiB of '&' used to cost 8 Mi × 4 MiB of searching).
TEST(S3Xml, unescape_is_linear_in_ampersands_without_semicolons) {
  const std::string text(std::size_t{8} << 20, '&');
  EXPECT_EQ(mc::media::s3xml::unescape(text), text);
  EXPECT_EQ(mc::media::s3xml::unescape("&amp;" + text + "&lt;"), "&" + text + "<");
  EXPECT_EQ(mc::media::s3xml::unescape("&#1234567890;&#x41;"), "&#1234567890;A");
}
