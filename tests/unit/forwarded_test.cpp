#include <gtest/gtest.h>

#include "http/forwarded.hpp"

using namespace mc;
using namespace mc::http;

namespace {
Request with_xff(std::initializer_list<const char*> lines) {
  Request req;
  for (const char* l : lines) req.insert("X-Forwarded-For", l);
  return req;
}
}  // namespace

TEST(ForwardedClient, without_trusted_proxies_the_peer_is_the_client) {
  EXPECT_EQ(forwarded_client(with_xff({"203.0.113.9"}), "10.0.0.2", 0), "10.0.0.2");
}

TEST(ForwardedClient, one_proxy_means_the_right_most_entry_not_the_client_controlled_left_most) {
  // The client sent "1.2.3.4"; our proxy appended the address it saw.
  EXPECT_EQ(forwarded_client(with_xff({"1.2.3.4, 198.51.100.7"}), "10.0.0.2", 1), "198.51.100.7");
  EXPECT_EQ(forwarded_client(with_xff({"198.51.100.7"}), "10.0.0.2", 1), "198.51.100.7");
}

TEST(ForwardedClient, n_proxies_count_n_entries_from_the_right_across_header_lines) {
  EXPECT_EQ(forwarded_client(with_xff({"1.2.3.4, 203.0.113.9", "192.0.2.1"}), "10.0.0.2", 2), "203.0.113.9");
  EXPECT_EQ(forwarded_client(with_xff({"203.0.113.9"}), "10.0.0.2", 3), "203.0.113.9");  // shorter list
  EXPECT_EQ(forwarded_client(with_xff({" 2001:db8::1 ,192.0.2.1"}), "10.0.0.2", 2), "2001:db8::1");
}

TEST(ForwardedClient, no_header_or_a_non_address_falls_back_to_the_peer) {
  EXPECT_EQ(forwarded_client(with_xff({}), "10.0.0.2", 1), "10.0.0.2");
  EXPECT_EQ(forwarded_client(with_xff({"1.2.3.4, not-an-ip"}), "10.0.0.2", 1), "10.0.0.2");
  EXPECT_EQ(forwarded_client(with_xff({""}), "10.0.0.2", 1), "10.0.0.2");
}

TEST(ViewerCountry, read_only_behind_trusted_proxies_and_only_two_letters) {
  Request req;
  req.insert("CloudFront-Viewer-Country", "de");
  EXPECT_EQ(viewer_country(req, 0), "ZZ");  // a client reaching us directly could send anything
  EXPECT_EQ(viewer_country(req, 1), "DE");
  Request none;
  EXPECT_EQ(viewer_country(none, 2), "ZZ");
  for (const char* bad : {"", "D", "DEU", "1A", "é", " U S "}) {
    Request r;
    r.insert("CloudFront-Viewer-Country", bad);
    EXPECT_EQ(viewer_country(r, 1), "ZZ") << bad;
  }
  Request spaced;
  spaced.insert("CloudFront-Viewer-Country", " us ");
  EXPECT_EQ(viewer_country(spaced, 1), "US");
}
