#include "features/buying/renditions.hpp"

#include <boost/json.hpp>
#include <filesystem>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "core/process.hpp"
#include "db/transaction.hpp"
#include "features/buying/store.hpp"
#include "jobs/queue.hpp"
#include "media/tools.hpp"

namespace mc::buying {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using boost::asio::awaitable;

constexpr auto kEncodeTimeout = std::chrono::minutes(30);

std::string content_type_of(const std::string& format) {
  if (format == "flac") return "audio/flac";
  if (format == "mp3_320") return "audio/mpeg";
  return "audio/mp4";
}

std::vector<std::string> codec_args(const std::string& format) {
  if (format == "flac") return {"-c:a", "flac", "-compression_level", "5"};
  if (format == "mp3_320") return {"-c:a", "libmp3lame", "-b:a", "320k", "-id3v2_version", "3"};
  return {"-c:a", "aac", "-b:a", "256k", "-movflags", "+faststart"};
}

// Removes the job's scratch directory however the job ends.
struct Scratch {
  fs::path dir;
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

struct Encoded {
  std::string key;
  int64_t size = 0;
};

// Blocking: fetch the original, encode it with ffmpeg, store the result.
Encoded encode(media::Storage& storage, const fs::path& work, const std::string& original_key,
               const store::RenderSource& src, const std::string& track_id, int version,
               const std::string& format, int nice) {
  fs::create_directories(work);
  fs::path input;
  if (auto local = storage.local_path(original_key)) {
    input = *local;
  } else {
    input = work / "original";
    storage.get_file(original_key, input);
  }
  const std::string ext = extension_of(format);
  const fs::path output = work / ("out." + ext);
  media::AudioTranscode transcode;
  transcode.input = input;
  transcode.output_args = {"-metadata", "title=" + src.title,        "-metadata", "artist=" + src.artist_name,
                           "-metadata", "album=" + src.release_title};
  for (auto& a : codec_args(format)) transcode.output_args.push_back(std::move(a));
  transcode.output_args.push_back("file:" + output.string());
  transcode.what = format;
  transcode.timeout = kEncodeTimeout;
  transcode.nice = nice;
  media::transcode_audio(transcode);
  const std::string key =
      "renditions/" + track_id + "/v" + std::to_string(version) + "/" + format + "." + ext;
  storage.put_file(key, output, content_type_of(format), "private, max-age=86400");
  return Encoded{key, static_cast<int64_t>(fs::file_size(output))};
}

awaitable<void> run(jobs::JobContext& job, db::Cluster& db, media::Storage& storage, const Config& config) {
  const auto& payload = job.payload();
  const std::string track_id(payload.at("trackId").as_string());
  const int version = static_cast<int>(payload.at("version").to_number<int64_t>());
  const std::string format(payload.at("format").as_string());
  const auto src = co_await store::render_source(db, track_id);
  if (!src || src->media_version != version || !src->original_key) co_return;  // replaced or deleted since
  const fs::path work =
      fs::path(config.var_dir) / "tmp" / "jobs" / (std::to_string(job.id()) + "-" + fast_random_hex(4));
  Scratch scratch{work};
  std::optional<Encoded> done;
  std::optional<std::string> error;
  try {
    const std::string original_key = *src->original_key;
    const store::RenderSource source = *src;
    const int nice = config.media_jobs_nice;
    media::Storage* st = &storage;
    auto work_fn = [st, work, original_key, source, track_id, version, format, nice] {
      return encode(*st, work, original_key, source, track_id, version, format, nice);
    };
    done = co_await offload(std::move(work_fn));
  } catch (const std::exception& e) {
    if (job.attempt() < job.max_attempts()) throw;  // retried with the job backoff
    error = std::string(e.what()).substr(0, 500);
    log::warn("download rendition failed", {{"track_id", track_id}, {"format", format}, {"error", *error}});
  }
  auto tx = co_await db.begin();
  const std::optional<std::string> key = done ? std::optional<std::string>(done->key) : std::nullopt;
  co_await store::finish_rendition(tx, track_id, version, format, key, done ? done->size : 0, error);
  if (!co_await job.complete(tx)) co_return;  // another worker owns the job now
  co_await tx.commit();
  co_return;
}

}  // namespace

std::string extension_of(const std::string& format) {
  if (format == "flac") return "flac";
  if (format == "mp3_320") return "mp3";
  return "m4a";
}

awaitable<void> request_rendition(db::Cluster& db, const std::string& track_id, int version,
                                  const std::string& format) {
  auto tx = co_await db.begin();
  const bool created = co_await store::want_rendition(tx, track_id, version, format);
  if (created) {
    jobs::EnqueueRequest job;
    job.queue = "media";
    job.kind = kRenderJob;
    job.payload = bj::object{{"trackId", track_id}, {"version", version}, {"format", format}};
    job.max_attempts = 3;
    job.dedupe_key = std::string(kRenderJob) + ":" + track_id + ":" + std::to_string(version) + ":" + format;
    co_await jobs::enqueue(tx, job);
  }
  co_await tx.commit();
  if (created) jobs::poke_local_workers("media");
  co_return;
}

void register_rendition_job(jobs::Worker& worker, db::Cluster& db, media::Storage& storage,
                            const Config& config) {
  worker.handle(kRenderJob,
                [&db, &storage, &config](jobs::JobContext& job) { return run(job, db, storage, config); });
}

}  // namespace mc::buying
