#include <boost/json.hpp>
#include <cctype>
#include <charconv>

#include "core/error.hpp"
#include "core/json.hpp"
#include "features/catalog/routes.hpp"
#include "features/memberships/tiers.hpp"
#include "http/context.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"

namespace mc::catalog {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

// A resumable upload's chunks are bounded on their own; the file's limit is the session's size.
constexpr std::size_t kChunkLimit = std::size_t{64} << 20;
// Room for the multipart framing and the small text fields around the file.
constexpr std::size_t kMultipartOverhead = std::size_t{80} << 10;

http::UploadSpool& spooled(const Context& ctx) {
  // No body at all: nothing was spooled.
  if (!ctx.upload) throw ApiError(415, "unsupported_media_type", "Send the upload in the request body");
  return *ctx.upload;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

bool is_multipart(const Context& ctx) {
  std::string type(ctx.req[http::bhttp::field::content_type].substr(0, 10));
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "multipart/";
}

ApiError raw_chunks_only() {
  return ApiError(415, "unsupported_media_type", "Send the chunk's raw bytes (application/octet-stream)");
}

struct ContentRange {
  std::int64_t start = 0, end = 0, total = 0;
};

// `bytes START-END/TOTAL` (RFC 9110 §14.4), as a resumable chunk must carry.
ContentRange content_range(const Context& ctx) {
  const std::string_view v = ctx.req[http::bhttp::field::content_range];
  ContentRange r;
  const auto dash = v.find('-');
  const auto slash = v.find('/');
  const bool ok = v.starts_with("bytes ") && dash != std::string_view::npos &&
                  slash != std::string_view::npos && dash < slash &&
                  parse_int(v.substr(6, dash - 6), r.start) &&
                  parse_int(v.substr(dash + 1, slash - dash - 1), r.end) &&
                  parse_int(v.substr(slash + 1), r.total) && r.start <= r.end && r.end < r.total;
  if (!ok) {
    bj::object details{{"Content-Range", "must be bytes START-END/TOTAL"}};
    throw ApiError::validation(std::move(details));
  }
  return r;
}

}  // namespace

void register_upload_routes(http::Router& router, UploadService& uploads, const Config& config) {
  http::RouteOptions multipart;
  multipart.spool_body = true;
  multipart.upload_rate_limited = true;
  multipart.body_limit = config.upload_max_bytes + kMultipartOverhead;
  multipart.admit = [&uploads](Context& ctx) -> awaitable<std::uint64_t> {
    uploads.require_uploader(ctx.require_auth());
    co_return 0;
  };
  router.add(
      Verb::post, "/api/uploads/content",
      [&uploads](Context& ctx) -> awaitable<Response> {
        const auto& who = ctx.require_auth();
        http::UploadSpool& spool = spooled(ctx);
        if (!spool.multipart()) {
          throw ApiError(415, "unsupported_media_type",
                         "Send multipart/form-data with the audio in a `file` part");
        }
        if (!spool.error().empty()) throw ApiError(400, "malformed_multipart", spool.error());
        bj::object fields;
        for (const auto& [k, v] : spool.fields()) fields[k] = v;
        json::FieldReader r(fields);
        UploadTarget target;
        target.track_id = r.optional_string("trackId");
        target.release_id = r.optional_string("releaseId");
        target.title = r.optional_string("title");
        target.min_tier = r.optional_string("minTier");
        if (!spool.has_file() || spool.file_field() != "file") r.fail("file", "is required: the audio file");
        if (target.track_id && (target.release_id || target.title)) {
          r.fail("trackId", "give either trackId or releaseId and title, not both");
        } else if (!target.track_id && !target.release_id) {
          r.fail("trackId", "give trackId, or releaseId and title");
        } else if (target.release_id && !target.title) {
          r.fail("title", "is required with releaseId");
        }
        if (target.title && !r.has_error("title") && (target.title->empty() || target.title->size() > 200)) {
          r.fail("title", "must be 1-200 characters");
        }
        if (target.min_tier && !memberships::parse_tier(*target.min_tier)) {
          r.fail("minTier", "must be free, supporter or superfan");
        }
        for (const auto* id : {&target.track_id, &target.release_id}) {
          if (*id && (*id)->size() != 36)
            r.fail(id == &target.track_id ? "trackId" : "releaseId", "must be a uuid");
        }
        r.finish();
        ArrivedFile file{spool.take_file(), spool.file_size(), spool.filename()};
        const auto result = co_await uploads.accept(ctx.db(), who, target, std::move(file));
        co_return http::written(ctx, 202, result.value, result.lsn);
      },
      multipart);

  http::RouteOptions open;
  open.upload_rate_limited = true;
  router.add(
      Verb::post, "/api/uploads",
      [&uploads](Context& ctx) -> awaitable<Response> {
        const auto& who = ctx.require_auth();
        const auto obj = http::json_body(ctx);
        json::FieldReader r(obj);
        const std::string track_id = r.required_string("trackId");
        const auto filename = r.optional_string("filename");
        r.accept("size");
        std::int64_t size = 0;
        const auto* v = obj.if_contains("size");
        if (!v || !v->is_int64() || v->as_int64() <= 0) {
          r.fail("size", "must be a positive integer number of bytes");
        } else {
          size = v->as_int64();
        }
        if (!r.has_error("trackId") && track_id.size() != 36) r.fail("trackId", "must be a uuid");
        if (filename && filename->size() > 255) r.fail("filename", "must be at most 255 characters");
        r.finish();
        const auto result = co_await uploads.open_session(ctx.db(), who, track_id, size, filename);
        co_return http::written(ctx, 201, result.value, result.lsn);
      },
      open);

  http::RouteOptions chunk;
  chunk.spool_body = true;
  chunk.body_limit = kChunkLimit;
  chunk.admit = [&uploads](Context& ctx) -> awaitable<std::uint64_t> {
    const auto& who = ctx.require_auth();
    uploads.require_uploader(who);
    if (is_multipart(ctx)) throw raw_chunks_only();
    const ContentRange range = content_range(ctx);
    const std::int64_t length = range.end - range.start + 1;
    const auto declared = ctx.req.find(http::bhttp::field::content_length);
    if (declared != ctx.req.end() && declared->value() != std::to_string(length)) {
      bj::object details{{"Content-Range", "does not match the body's length"}};
      throw ApiError::validation(std::move(details));
    }
    const std::string id(ctx.param("id"));
    co_return co_await uploads.admit_chunk(ctx.db(), who, id, range.start, length, range.total);
  };
  router.add(
      Verb::put, "/api/uploads/{id:uuid}",
      [&uploads](Context& ctx) -> awaitable<Response> {
        const auto& who = ctx.require_auth();
        http::UploadSpool& spool = spooled(ctx);
        if (spool.multipart()) throw raw_chunks_only();
        const ContentRange range = content_range(ctx);
        if (static_cast<std::int64_t>(spool.file_size()) != range.end - range.start + 1) {
          bj::object details{{"Content-Range", "does not match the body's length"}};
          throw ApiError::validation(std::move(details));
        }
        ArrivedFile file{
            spool.has_file() ? spool.take_file() : std::filesystem::path{}, spool.file_size(), {}};
        const std::string id(ctx.param("id"));
        auto result =
            co_await uploads.put_chunk(ctx.db(), who, id, range.start, range.total, std::move(file));
        co_return http::written(ctx, result.completed ? 202 : 200, result.body, result.lsn);
      },
      chunk);

  router.add(Verb::get, "/api/uploads/{id:uuid}", [&uploads](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const std::string id(ctx.param("id"));
    const auto body = co_await uploads.session(ctx.db(), who, id);
    co_return http::json_response(200, body);
  });

  router.add(Verb::delete_, "/api/uploads/{id:uuid}", [&uploads](Context& ctx) -> awaitable<Response> {
    const auto& who = ctx.require_auth();
    const std::string id(ctx.param("id"));
    const db::Lsn lsn = co_await uploads.abort(ctx.db(), who, id);
    co_return http::written_empty(ctx, lsn);
  });
}

}  // namespace mc::catalog
