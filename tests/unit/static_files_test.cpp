#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"
#include "http/static_files.hpp"

using namespace mc;
using namespace mc::http;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kIndex = "<!doctype html><title>MusicConnect</title><div id=root></div>";
constexpr std::string_view kScript = "console.log('app')";

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto_init();
    std::string templ = (fs::temp_directory_path() / "mc-static-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    write("dist/index.html", kIndex);
    write("dist/favicon.svg", "<svg/>");
    write("dist/assets/index-AbC123.js", kScript);
    write("dist/assets/index-AbC123.js.gz", "gzip bytes");
    write("dist/assets/index-AbC123.js.br", "brotli bytes");
    write("dist/assets/style-Zz9.css", "body{}");
    write("dist/.env", "SECRET=1");
    write("secret.txt", "outside the web root");
    fs::create_symlink(dir_ / "secret.txt", dir_ / "dist" / "linked.txt");
    web_ = std::make_unique<StaticFiles>((dir_ / "dist").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& rel, std::string_view data) {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
  }

  static Request get(std::string_view target, Verb verb = Verb::get) {
    Request req{verb, target, 11};
    return req;
  }

  Response serve(const Request& req) const { return web_->serve(req, req.target()); }
  Response serve(std::string_view target) const { return serve(get(target)); }

  fs::path dir_;
  std::unique_ptr<StaticFiles> web_;
};

std::string header(const Response& res, bhttp::field f) {
  return std::string(res[f]);
}

TEST_F(StaticFilesTest, root_serves_index_html_that_must_be_revalidated) {
  const auto res = serve("/");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), kIndex);
  EXPECT_EQ(header(res, bhttp::field::content_type), "text/html; charset=utf-8");
  EXPECT_EQ(header(res, bhttp::field::cache_control), "no-cache");
  EXPECT_FALSE(header(res, bhttp::field::etag).empty());
  EXPECT_NE(res["Content-Security-Policy"].find("script-src 'self'"), std::string_view::npos);
}

TEST_F(StaticFilesTest, hashed_assets_are_immutable_for_a_year) {
  const auto res = serve("/assets/style-Zz9.css");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "body{}");
  EXPECT_EQ(header(res, bhttp::field::content_type), "text/css; charset=utf-8");
  EXPECT_EQ(header(res, bhttp::field::cache_control), "public, max-age=31536000, immutable");
}

TEST_F(StaticFilesTest, other_files_revalidate) {
  const auto res = serve("/favicon.svg");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(header(res, bhttp::field::content_type), "image/svg+xml");
  EXPECT_EQ(header(res, bhttp::field::cache_control), "no-cache");
}

TEST_F(StaticFilesTest, app_routes_fall_back_to_index_html) {
  for (const char* path :
       {"/artist/some-band", "/track/5d1f0f7e-1c1b-4b7a-9a43-9b1b9d2f0a11", "/studio", "/library/"}) {
    const auto res = serve(path);
    EXPECT_EQ(res.result_int(), 200) << path;
    EXPECT_EQ(res.body(), kIndex) << path;
    EXPECT_EQ(header(res, bhttp::field::cache_control), "no-cache") << path;
  }
}

TEST_F(StaticFilesTest, missing_assets_and_files_are_404_not_html) {
  for (const char* path : {"/assets/index-OLD.js", "/assets/", "/robots.txt", "/img/logo.png"}) {
    const auto res = serve(path);
    EXPECT_EQ(res.result_int(), 404) << path;
    EXPECT_EQ(header(res, bhttp::field::content_type), "application/json") << path;
  }
}

TEST_F(StaticFilesTest, paths_cannot_leave_the_web_root_or_reach_dotfiles) {
  for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/.env",
                           "/linked.txt", "/assets/../../secret.txt", "/%2e%2e%2fsecret.txt"}) {
    const auto res = serve(path);
    EXPECT_NE(res.body(), "outside the web root") << path;
    EXPECT_NE(res.body(), "SECRET=1") << path;
    EXPECT_EQ(res.result_int(), 404) << path;
  }
  EXPECT_EQ(serve("/%zz").result_int(), 400);
  EXPECT_EQ(serve("/a%00b").result_int(), 400);
}

TEST_F(StaticFilesTest, matching_etag_answers_304_without_a_body) {
  const auto first = serve("/assets/style-Zz9.css");
  auto req = get("/assets/style-Zz9.css");
  req.set(bhttp::field::if_none_match, "\"other\", " + header(first, bhttp::field::etag));
  const auto again = serve(req);
  EXPECT_EQ(again.result_int(), 304);
  EXPECT_TRUE(again.body().empty());
  EXPECT_EQ(header(again, bhttp::field::etag), header(first, bhttp::field::etag));
  EXPECT_EQ(header(again, bhttp::field::cache_control), "public, max-age=31536000, immutable");

  req.set(bhttp::field::if_none_match, "W/" + header(first, bhttp::field::etag));
  EXPECT_EQ(serve(req).result_int(), 304);
  req.set(bhttp::field::if_none_match, "\"stale\"");
  EXPECT_EQ(serve(req).result_int(), 200);
}

TEST_F(StaticFilesTest, precompressed_variants_follow_accept_encoding) {
  auto req = get("/assets/index-AbC123.js");
  auto plain = serve(req);
  EXPECT_EQ(plain.body(), kScript);
  EXPECT_TRUE(header(plain, bhttp::field::content_encoding).empty());
  EXPECT_EQ(header(plain, bhttp::field::vary), "Accept-Encoding");

  req.set(bhttp::field::accept_encoding, "gzip, deflate");
  auto gz = serve(req);
  EXPECT_EQ(gz.body(), "gzip bytes");
  EXPECT_EQ(header(gz, bhttp::field::content_encoding), "gzip");
  EXPECT_EQ(header(gz, bhttp::field::content_type), "text/javascript; charset=utf-8");
  EXPECT_NE(header(gz, bhttp::field::etag), header(plain, bhttp::field::etag));

  req.set(bhttp::field::accept_encoding, "gzip, deflate, br");
  EXPECT_EQ(serve(req).body(), "brotli bytes");
  req.set(bhttp::field::accept_encoding, "br;q=0, gzip;q=0.5");
  EXPECT_EQ(serve(req).body(), "gzip bytes");
  req.set(bhttp::field::accept_encoding, "br;q=0.0, gzip;q=0");
  EXPECT_EQ(serve(req).body(), kScript);
}

TEST_F(StaticFilesTest, head_sends_the_length_without_the_body) {
  const auto res = serve(get("/assets/style-Zz9.css", Verb::head));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(header(res, bhttp::field::content_length), "6");
}

TEST_F(StaticFilesTest, api_media_ops_and_realtime_paths_are_not_the_web_apps) {
  for (const char* path :
       {"/api", "/api/artists", "/media/hls/x.m3u8", "/health", "/ready", "/metrics", "/ws"}) {
    EXPECT_FALSE(StaticFiles::owns(path)) << path;
  }
  for (const char* path : {"/", "/artist/x", "/apis", "/healthy", "/assets/a.js"}) {
    EXPECT_TRUE(StaticFiles::owns(path)) << path;
  }
}

TEST_F(StaticFilesTest, a_missing_build_serves_nothing_but_says_so) {
  const StaticFiles none((dir_ / "no-such-dir").string());
  EXPECT_TRUE(none.empty());
  const auto res = none.serve(get("/"), "/");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_NE(res.body().find("not built"), std::string::npos);
}

TEST_F(StaticFilesTest, a_cdn_for_media_is_allowed_for_media_images_and_fetches_only) {
  const StaticFiles with_cdn((dir_ / "dist").string(), "https://cdn.example.com/media");
  const auto res = with_cdn.serve(get("/"), "/");
  const std::string csp(res["Content-Security-Policy"]);
  EXPECT_NE(csp.find("media-src 'self' blob: https://cdn.example.com;"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self' https://cdn.example.com;"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_EQ(serve("/")["Content-Security-Policy"].find("cdn"), std::string_view::npos);
}

TEST(OriginOf, keeps_scheme_host_and_port_and_refuses_the_rest) {
  EXPECT_EQ(origin_of("https://cdn.example.com/media/x?y"), "https://cdn.example.com");
  EXPECT_EQ(origin_of("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
  EXPECT_EQ(origin_of(""), "");
  EXPECT_EQ(origin_of("ftp://x"), "");
  EXPECT_EQ(origin_of("https://"), "");
  EXPECT_EQ(origin_of("https://evil.com; script-src *"), "");
}

TEST(ContentTypes, by_extension) {
  EXPECT_EQ(content_type_for("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("a.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("a.webmanifest"), "application/manifest+json");
  EXPECT_EQ(content_type_for("noext"), "application/octet-stream");
}

}  // namespace
