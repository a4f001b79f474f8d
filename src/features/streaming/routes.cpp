#include "features/streaming/routes.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/context.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::streaming {
namespace {

using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

}  // namespace

void register_routes(http::Router& router, StreamingService& s) {
  router.add(Verb::post, "/api/content/{id:uuid}/playback", [&s](Context& ctx) -> awaitable<Response> {
    http::no_body(ctx);
    const std::string id(ctx.param("id"));
    const auto body = co_await s.grant(ctx.db(), ctx.optional_auth(), id);
    co_return http::json_response(200, body);
  });
  router.add(Verb::post, "/api/content/{id:uuid}/download", [&s](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    std::string format = "original";
    if (!ctx.req.body().empty()) {
      const auto obj = http::json_body(ctx);
      json::FieldReader r(obj);
      const auto f = r.optional_string("format");
      if (f && !r.has_error("format")) {
        if (*f == "original" || *f == "flac" || *f == "mp3_320" || *f == "aac_256")
          format = *f;
        else
          r.fail("format", "must be original, flac, mp3_320 or aac_256");
      }
      r.finish();
    }
    const std::string id(ctx.param("id"));
    auto result = co_await s.download(ctx.db(), who, id, format);
    co_return http::json_response(result.status, result.body);
  });

  // Media is CDN traffic: not API-limited but by budgets of its own (MediaLimits), authorised by
  // the URL's signature alone.
  http::RouteOptions media;
  media.api_rate_limited = false;
  auto hls = [&s](Context& ctx) -> awaitable<Response> {
    s.limits().check_address(MediaLimits::Kind::hls, ctx.client_ip);
    std::string path(ctx.path);
    std::string query(ctx.query);
    Response res = co_await s.serve_hls(std::move(path), std::move(query));
    co_return res;
  };
  router.add(Verb::get, "/media/hls/{track:uuid}/{version}/master.m3u8", hls, media);
  router.add(Verb::get, "/media/hls/{track:uuid}/{version}/{rung}/{file}", hls, media);  // 128, 256, lossless
  // Files behind a signed, expiring link (originals, exports, download renditions): one handler,
  // since the signature in the query names the exact path it grants.
  auto signed_file = [&s](Context& ctx) -> awaitable<Response> {
    s.limits().check_address(MediaLimits::Kind::original, ctx.client_ip);
    std::string range(ctx.req[http::bhttp::field::range]);
    std::string name = ctx.query_param("n").value_or("");
    std::string path(ctx.path);
    std::string query(ctx.query);
    Response res = co_await s.serve_original(std::move(path), std::move(query), std::move(range),
                                             std::move(name), ctx.body_stream);
    co_return res;
  };
  router.add(Verb::get, "/media/originals/{owner:uuid}/{file}", signed_file, media);
  // A user's data export (docs/privacy.md).
  router.add(Verb::get, "/media/exports/{owner:uuid}/{file}", signed_file, media);
  // Public pictures: profile images and artwork extracted from uploads.
  auto image = [&s](Context& ctx) -> awaitable<Response> {
    s.limits().check_address(MediaLimits::Kind::image, ctx.client_ip);
    std::string path(ctx.path);
    std::string if_none_match(ctx.req[http::bhttp::field::if_none_match]);
    Response res = co_await s.serve_artwork(std::move(path), std::move(if_none_match));
    co_return res;
  };
  // Download renditions (docs/buying.md): signed like originals.
  router.add(Verb::get, "/media/renditions/{track:uuid}/{version}/{file}", signed_file, media);
  router.add(Verb::get, "/media/images/{owner:uuid}/{dir}/{file}", image, media);
  router.add(Verb::get, "/media/artwork/{track:uuid}/{version}/{file}", image, media);
  router.add(Verb::get, "/media/artwork/{track:uuid}/{file}", image,
             media);  // single files before v2 of artwork
}

}  // namespace mc::streaming
