#include "features/messaging/attachments.hpp"

#include <boost/json.hpp>
#include <exception>
#include <fstream>
#include <memory>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "core/process.hpp"
#include "features/messaging/store.hpp"
#include "http/context.hpp"
#include "http/response.hpp"
#include "media/errors.hpp"
#include "media/images.hpp"
#include "media/probe.hpp"
#include "media/tools.hpp"

namespace mc::messaging {
namespace bj = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int kPruneBatch = 500;
constexpr auto kTranscodeTimeout = std::chrono::minutes(5);

// The spooled upload and the processing's scratch directory go however the upload ends.
struct Scratch {
  fs::path upload, dir;
  ~Scratch() {
    std::error_code ec;
    fs::remove(upload, ec);
    fs::remove_all(dir, ec);
  }
};

// What the content is, from its first bytes: the three picture formats media::render_image takes
// (JPEG, PNG, WebP). Anything else is offered to the audio probe, which decides from the content
// in turn, so a file's name or Content-Type never matters.
bool looks_like_image(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char head[12] = {};
  in.read(head, sizeof head);
  const std::string_view h(head, static_cast<std::size_t>(in.gcount()));
  return h.starts_with("\xFF\xD8\xFF") || h.starts_with("\x89PNG\r\n\x1A\n") ||
         (h.size() == 12 && h.starts_with("RIFF") && h.substr(8) == "WEBP");
}

ApiError unsupported() {
  return ApiError(
      415, "unsupported_attachment",
      "Attach a picture (JPEG, PNG or WebP) or an audio file (MP3, WAV, FLAC, AIFF, M4A, AAC, "
      "Ogg Vorbis or Opus)",
      {{"file", "is neither a picture nor audio we can read; choose a JPEG, PNG, WebP or audio file"}});
}

ApiError refusal_for(const media::InvalidMedia& e) {
  const std::string& code = e.code();
  if (code == "unrecognized_format" || code == "not_audio" || code == "unsupported_image")
    return unsupported();
  return ApiError(e.status(), code, e.what(), {{"file", e.what()}});
}

struct Processed {
  std::string kind, content_type, file_name;
  fs::path output;
  std::optional<int64_t> width, height, duration_ms;
};

// Blocking. An image through the image pipeline (re-encoded JPEG, metadata stripped, at most
// 1280 px a side); audio probed from its content, limited in length, and transcoded to AAC-LC in
// MP4 with the index first (plays while it downloads), tags dropped.
Processed process(const fs::path& input, const fs::path& dir, int nice) {
  fs::create_directories(dir);
  if (looks_like_image(input)) {
    const auto renditions = media::render_image(input, media::ImageKind::message, dir);
    const auto& r = renditions.front();
    return Processed{"image", "image/jpeg", "image.jpg", r.file, r.width, r.height, std::nullopt};
  }
  media::ProbeOptions probe_options;
  probe_options.max_duration_s = kAttachmentMaxSeconds;
  probe_options.nice = nice;
  probe_options.timeout = kTranscodeTimeout;
  const media::ProbeResult probe = media::probe_audio(input, probe_options);
  const fs::path output = dir / "audio.m4a";
  media::AudioTranscode transcode;
  transcode.input = input;
  transcode.demuxer = std::string(media::demuxer_name(probe.format));
  transcode.output_args = {"-ac",
                           "2",
                           "-ar",
                           "48000",
                           "-c:a",
                           "aac",
                           "-b:a",
                           std::to_string(kAttachmentAudioKbps) + "k",
                           "-movflags",
                           "+faststart",
                           "-f",
                           "mp4",
                           "file:" + output.string()};
  transcode.what = "the attachment's audio";
  transcode.timeout = kTranscodeTimeout;
  transcode.nice = nice;
  media::transcode_audio(transcode);
  const auto ms = static_cast<int64_t>(probe.duration_s * 1000.0 + 0.5);
  return Processed{
      "audio", "audio/mp4", "audio.m4a", output, std::nullopt, std::nullopt, std::max<int64_t>(ms, 1)};
}

bj::object uploaded_json(const store::Attachment& a) {
  bj::object o = attachment_json(a.id, a.kind, a.content_type, a.size, a.width, a.height, a.duration_ms);
  o["expiresAt"] = a.expires_at;
  return o;
}

ApiError too_many_pending() {
  return ApiError(429, "too_many_pending_attachments",
                  "You have " + std::to_string(kMaxPendingAttachments) +
                      " attachments waiting to be sent; send them with a message, or wait for them to expire",
                  {{"file", "send or let expire one of your pending attachments first"},
                   {"limit", kMaxPendingAttachments}});
}

}  // namespace

bj::object attachment_json(const std::string& id, const std::string& kind, const std::string& content_type,
                           int64_t size, std::optional<int64_t> width, std::optional<int64_t> height,
                           std::optional<int64_t> duration_ms) {
  auto num = [](std::optional<int64_t> v) { return v ? bj::value(*v) : bj::value(nullptr); };
  return bj::object{{"id", id},
                    {"kind", kind},
                    {"contentType", content_type},
                    {"size", size},
                    {"width", num(width)},
                    {"height", num(height)},
                    {"durationMs", num(duration_ms)},
                    {"url", "/api/messaging/attachments/" + id}};
}

awaitable<void> AttachmentService::admit(db::Cluster& db, const AccessClaims& who) {
  const std::string user_id = who.user_id;
  const int64_t pending = co_await store::pending_attachments(db, user_id, kAttachmentKeepHours);
  const bool full = pending >= kMaxPendingAttachments;
  if (full) throw too_many_pending();
  co_return;
}

awaitable<db::Written<bj::object>> AttachmentService::upload(db::Cluster& db, const AccessClaims& who,
                                                             fs::path file) {
  Scratch scratch{file, file.string() + ".attachment"};
  const std::string prefix = "dm/" + who.user_id + "/" + fast_random_hex(16) + "/";
  std::optional<ApiError> refused;
  std::optional<Processed> done;
  const int nice = config_.media_jobs_nice;
  auto work = [this, file, dir = scratch.dir, prefix, nice] {
    Processed p = process(file, dir, nice);
    storage_.put_file(prefix + p.file_name, p.output, p.content_type, "private, max-age=3600");
    return p;
  };
  try {
    done = co_await offload(std::move(work));
  } catch (const media::InvalidMedia& e) {
    refused = refusal_for(e);
  }
  if (refused) throw *refused;

  store::Attachment a;
  a.uploader_id = who.user_id;
  a.kind = done->kind;
  a.storage_key = prefix + done->file_name;
  a.content_type = done->content_type;
  std::error_code ec;
  a.size = static_cast<int64_t>(fs::file_size(done->output, ec));
  a.width = done->width;
  a.height = done->height;
  a.duration_ms = done->duration_ms;

  std::exception_ptr failed;
  std::optional<store::Attachment> stored;
  db::Lsn lsn;
  try {
    auto tx = co_await db.begin();
    stored = co_await store::insert_attachment(tx, a, kMaxPendingAttachments, kAttachmentKeepHours);
    if (stored) lsn = co_await tx.commit();
  } catch (...) {
    failed = std::current_exception();
  }
  if (failed || !stored) {
    auto remove = [this, prefix] {
      try {
        storage_.remove_prefix(prefix);
      } catch (const std::exception& e) {
        log::warn("could not remove a refused attachment", {{"prefix", prefix}, {"error", e.what()}});
      }
    };
    co_await offload(std::move(remove));
  }
  if (failed) std::rethrow_exception(failed);
  if (!stored) throw too_many_pending();
  co_return db::Written<bj::object>{uploaded_json(*stored), lsn};
}

awaitable<http::Response> AttachmentService::content(db::Cluster& db, const AccessClaims& who,
                                                     const std::string& id, std::optional<db::Lsn> token) {
  const auto a = co_await store::readable_attachment(db, id, who.user_id, token);
  if (!a) throw ApiError::not_found("No such attachment in your conversations");
  const std::string key = a->storage_key;
  http::Response res;
  if (auto local = storage_.local_path(key)) {
    std::error_code ec;
    const auto size = fs::file_size(*local, ec);
    if (ec) throw ApiError::not_found("No such attachment in your conversations");
    res = http::text_response(200, "", a->content_type);
    res.set(http::kSendFileHeader, "0 " + std::to_string(size) + " " + local->string());
  } else {
    // Remote storage: read whole (an attachment is at most a few MiB after processing).
    auto read = [this, key] { return storage_.read(key); };
    std::string bytes;
    try {
      bytes = co_await offload(std::move(read));
    } catch (const media::StorageNotFound&) {
      throw ApiError::not_found("No such attachment in your conversations");
    }
    res = http::text_response(200, std::move(bytes), a->content_type);
  }
  // Only for the one who asked: never kept by a shared cache.
  res.set(http::bhttp::field::cache_control, "private, max-age=3600");
  res.set(http::bhttp::field::content_disposition,
          std::string("inline; filename=\"") + (a->kind == "image" ? "image.jpg" : "audio.m4a") + "\"");
  co_return res;
}

awaitable<int64_t> AttachmentService::prune(db::Cluster& db) {
  int64_t total = 0;
  for (;;) {
    const auto expired = co_await store::expired_attachments(db, kAttachmentKeepHours, kPruneBatch);
    if (expired.empty()) break;
    std::vector<std::string> keys;
    for (const auto& e : expired) keys.push_back(e.storage_key);
    // Files first: a row whose file could not be removed stays, and the next prune tries again.
    auto remove = [this, keys] {
      std::vector<bool> ok;
      for (const auto& key : keys) {
        try {
          storage_.remove_prefix(key.substr(0, key.rfind('/') + 1));
          ok.push_back(true);
        } catch (const std::exception& e) {
          log::warn("could not remove an expired attachment", {{"key", key}, {"error", e.what()}});
          ok.push_back(false);
        }
      }
      return ok;
    };
    const std::vector<bool> removed = co_await offload(std::move(remove));
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < expired.size(); ++i) {
      if (removed[i]) ids.push_back(expired[i].id);
    }
    if (!ids.empty()) {
      auto tx = co_await db.begin();
      co_await store::delete_attachments(tx, ids);
      co_await tx.commit();
    }
    total += static_cast<int64_t>(ids.size());
    if (ids.size() < expired.size() || static_cast<int>(expired.size()) < kPruneBatch) break;
  }
  co_return total;
}

void register_attachment_routes(http::Router& router, media::Storage& storage, const Config& config) {
  // Owned by the routes' handlers (the router keeps them for the server's life).
  auto service = std::make_shared<AttachmentService>(storage, config);
  http::RouteOptions options;
  options.spool_body = true;
  options.upload_rate_limited = true;
  options.body_limit = kAttachmentUploadLimit;
  options.admit = [service](http::Context& ctx) -> awaitable<std::uint64_t> {
    const AccessClaims who = ctx.require_auth();
    co_await service->admit(ctx.db(), who);
    co_return 0;
  };
  router.add(
      http::Verb::post, "/api/messaging/attachments",
      [service](http::Context& ctx) -> awaitable<http::Response> {
        const auto& who = ctx.require_auth();
        http::UploadSpool* spool = ctx.upload;
        if (spool) {
          if (auto refusal = spool->refusal()) throw *refusal;
        }
        if (!spool || !spool->has_file()) {
          throw ApiError(415, "unsupported_media_type",
                         "Send the file as the body or as a multipart `file` part",
                         {{"file", "is missing; choose a picture or an audio file"}});
        }
        if (spool->file_size() == 0) {
          throw ApiError(422, "empty_file", "The file is empty", {{"file", "is empty; choose another file"}});
        }
        fs::path file = spool->take_file();
        const auto result = co_await service->upload(ctx.db(), who, std::move(file));
        co_return http::written(ctx, 201, result.value, result.lsn);
      },
      options);

  router.add(http::Verb::get, "/api/messaging/attachments/{id:uuid}",
             [service](http::Context& ctx) -> awaitable<http::Response> {
               const auto& who = ctx.require_auth();
               const std::string id(ctx.param("id"));
               http::Response res = co_await service->content(ctx.db(), who, id, ctx.consistency_in);
               co_return res;
             });
}

}  // namespace mc::messaging
