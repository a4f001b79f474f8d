#include "features/catalog/processing_job.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <stop_token>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "db/transaction.hpp"
#include "events/outbox.hpp"
#include "realtime/channel.hpp"
#include "features/catalog/media_store.hpp"
#include "media/errors.hpp"
#include "media/hls.hpp"
#include "media/pipeline.hpp"

namespace mc::catalog {
namespace asio = boost::asio;
namespace bj = boost::json;
namespace fs = std::filesystem;
using asio::awaitable;

namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

std::string content_type_of(const fs::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".m3u8") return "application/vnd.apple.mpegurl";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".png") return "image/png";
  return "audio/mp4";  // init.mp4 and the .m4s segments: fMP4 audio
}

// Everything the progress callbacks (on the tools' threads) share with the job's coroutine.
struct Shared {
  std::string track_id, artist_id;
  int version = 0;
  db::Cluster* db = nullptr;
  std::atomic<int> pending{0};  // progress reports still being written
  int last_percent = -1;        // callbacks never overlap
  std::stop_source stop;
};

awaitable<void> report(std::shared_ptr<Shared> s, int percent, std::vector<int> rungs) {
  try {
    auto tx = co_await s->db->begin();
    bool current = true;
    if (!rungs.empty()) current = co_await store::set_rungs(tx, s->track_id, s->version, rungs);
    if (current) current = co_await store::set_progress(tx, s->track_id, s->version, percent);
    if (current) {
      bj::array ready;
      for (int k : rungs) ready.push_back(k);
      bj::object event{{"trackId", s->track_id},
                       {"artistId", s->artist_id},
                       {"status", "processing"},
                       {"progress", percent},
                       {"version", s->version}};
      if (!rungs.empty()) event["rungs"] = std::move(ready);
      co_await events::append(tx, "track.processing", s->track_id, event, realtime::user_channel(s->artist_id));
      co_await tx.commit();
    }
  } catch (const std::exception& e) {
    log::warn("could not record processing progress", {{"track_id", s->track_id}, {"error", e.what()}});
  }
  co_return;
}

// From a tool's thread: hand a progress report to the job's event loop.
void post_report(const asio::any_io_executor& ex, const std::shared_ptr<Shared>& s, int percent,
                 std::vector<int> rungs) {
  ++s->pending;
  asio::co_spawn(ex, report(s, percent, std::move(rungs)), [s](const std::exception_ptr&) { --s->pending; });
}

std::string peaks_json(const std::vector<float>& peaks) {
  std::string out = "[";
  char buf[16];
  for (std::size_t i = 0; i < peaks.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.3f", i ? "," : "", static_cast<double>(peaks[i]));
    out += buf;
  }
  return out + "]";
}

// Removes the job's scratch directory and stops its tools when the job ends, however it ends.
class Scratch {
 public:
  Scratch(fs::path dir, std::shared_ptr<Shared> shared) : dir_(std::move(dir)), shared_(std::move(shared)) {}
  ~Scratch() {
    shared_->stop.request_stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

 private:
  fs::path dir_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace

std::string hls_prefix(const std::string& track_id, int version) {
  return "hls/" + track_id + "/v" + std::to_string(version) + "/";
}

void MediaProcessor::register_on(jobs::Worker& worker, db::Cluster& db) {
  worker.handle("media.process", [this, &db](jobs::JobContext& job) { return run(job, db); });
}

awaitable<void> MediaProcessor::run(jobs::JobContext& job, db::Cluster& db) {
  const auto& payload = job.payload();
  const std::string track_id(payload.at("trackId").as_string());
  const int version = static_cast<int>(payload.at("version").to_number<int64_t>());
  const auto track = co_await store::processing_track(db, track_id);
  if (!track || track->media_version != version || track->status != "processing" || !track->original_key) {
    // A newer upload (or a deleted track) superseded this job: nothing to do.
    co_return;
  }

  auto shared = std::make_shared<Shared>();
  shared->track_id = track_id;
  shared->artist_id = track->artist_id;
  shared->version = version;
  shared->db = &db;
  const fs::path work =
      fs::path(config_.var_dir) / "tmp" / "jobs" / (std::to_string(job.id()) + "-" + fast_random_hex(4));
  Scratch scratch(work, shared);
  const std::stop_callback on_shutdown(stopping_.get_token(), [shared] { shared->stop.request_stop(); });
  const std::string prefix = hls_prefix(track_id, version);
  const asio::any_io_executor ex = co_await asio::this_coro::executor;

  std::optional<std::string> permanent_error;
  std::exception_ptr retry;
  std::optional<store::ProcessedAudio> audio;
  try {
    // The original, as a local file.
    const std::string original_key = *track->original_key;
    auto fetch = [this, work, original_key] {
      fs::create_directories(work);
      if (auto local = storage_.local_path(original_key)) return *local;
      fs::path dest = work / "original";
      storage_.get_file(original_key, dest);
      return dest;
    };
    const fs::path input = co_await offload(std::move(fetch));

    media::ProcessOptions options;
    options.nice = config_.media_jobs_nice;  // the API on the same machine stays responsive
    options.probe_options.stop = shared->stop.get_token();
    options.extract_artwork = !track->has_artwork;
    int lowest = options.ladder_kbps.front();
    for (int k : options.ladder_kbps) lowest = std::min(lowest, k);
    const fs::path out_dir = work / "out";

    media::ProgressSink sink;
    sink.on_progress = [ex, shared](media::Stage, double percent) {
      const int p = std::min(99, static_cast<int>(percent));
      if (p < shared->last_percent + 5) return;  // a report every 5 %
      shared->last_percent = p;
      post_report(ex, shared, p, {});
    };
    // The lowest rung is stored and made streamable while the others are still encoding.
    sink.on_rung_ready = [this, ex, shared, prefix, out_dir, lowest](const media::Rung& rung) {
      if (rung.kbps != lowest) return;
      const fs::path dir = out_dir / rung.playlist.parent_path();
      for (const auto& entry : fs::directory_iterator(dir)) {
        std::string key = prefix;
        key.append(media::hls::rung_dir(rung.kbps)).append("/").append(entry.path().filename().string());
        storage_.put_file(key, entry.path(), content_type_of(entry.path()), kImmutable);
      }
      const std::vector<media::hls::Variant> variants{rung.variant()};
      const std::string master = media::hls::master_playlist(variants, [](const media::hls::Variant& v) {
        return media::hls::rung_dir(v.kbps) + "/index.m3u8";
      });
      storage_.put_bytes(prefix + "master.m3u8", master, content_type_of("m.m3u8"), "no-cache");
      post_report(ex, shared, std::max(shared->last_percent, 0), {rung.kbps});
    };

    auto process = [input, out_dir, options, sink] {
      return media::process_audio(input, out_dir, options, sink);
    };
    const media::ProcessResult result = co_await offload(std::move(process));

    // Everything else: the other rungs, the full master playlist, the artwork.
    auto publish = [this, result, prefix, out_dir, lowest, track_id, version] {
      for (const auto& rung : result.rungs) {
        if (rung.kbps == lowest) continue;
        for (const auto& entry : fs::directory_iterator(out_dir / rung.playlist.parent_path())) {
          storage_.put_file(prefix + media::hls::rung_dir(rung.kbps) + "/" + entry.path().filename().string(),
                            entry.path(), content_type_of(entry.path()), kImmutable);
        }
      }
      storage_.put_file(prefix + "master.m3u8", result.master_playlist, content_type_of("m.m3u8"),
                        "no-cache");
      // The artwork's renditions under a prefix of their own (like profile images): the key is the
      // prefix, and the API lists one URL per standard size.
      std::optional<std::string> artwork_key;
      if (result.artwork) {
        const std::string key = "artwork/" + track_id + "/v" + std::to_string(version) + "/";
        for (const auto& r : result.artwork->renditions) {
          storage_.put_file(key + r.file.filename().string(), r.file, "image/jpeg", kImmutable);
        }
        artwork_key = key;
      }
      return artwork_key;
    };
    const std::optional<std::string> artwork_key = co_await offload(std::move(publish));

    store::ProcessedAudio a;
    for (const auto& r : result.rungs) a.rungs.push_back(r.kbps);
    a.duration_s = result.duration_s;
    a.loudness_lufs = result.loudness.integrated_lufs;
    a.gain_db = result.gain_db;
    a.peaks_json = peaks_json(result.waveform);
    a.artwork_key = artwork_key;
    audio.emplace(std::move(a));
    for (const auto& w : result.warnings)
      log::warn("media processing", {{"track_id", track_id}, {"warning", w}});
  } catch (const media::InvalidMedia& e) {
    permanent_error = std::string(e.what());
  } catch (const media::Cancelled&) {
    retry = std::current_exception();  // shutting down: the job goes back to the queue
  } catch (const std::exception& e) {
    if (job.attempt() >= job.max_attempts()) {
      permanent_error = std::string("processing failed: ") + e.what();
    } else {
      retry = std::current_exception();
    }
  }

  // Progress reports still in flight land before the final state.
  asio::steady_timer timer(ex);
  while (shared->pending.load() > 0) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (retry) std::rethrow_exception(retry);

  auto tx = co_await db.begin();
  bool changed = false;
  if (audio) {
    changed = co_await store::finish_processing(tx, track_id, version, *audio);
  } else {
    changed =
        co_await store::fail_processing(tx, track_id, version, permanent_error.value_or("processing failed"));
  }
  if (changed) {
    bj::array rungs;
    if (audio) {
      for (int k : audio->rungs) rungs.push_back(k);
    }
    bj::object event{{"trackId", track_id},
                     {"artistId", track->artist_id},
                     {"status", audio ? "ready" : "failed"},
                     {"progress", audio                      ? 100
                                  : shared->last_percent < 0 ? 0
                                                             : shared->last_percent},
                     {"version", version},
                     {"rungs", std::move(rungs)}};
    if (!audio) event["error"] = permanent_error.value_or("processing failed");
    co_await events::append(tx, "track.processing", track_id, event, realtime::user_channel(track->artist_id));
  }
  const bool mine = co_await job.complete(tx);
  if (!mine) co_return;  // another worker owns the job now; this transaction rolls back
  co_await tx.commit();

  if (audio) {
    // Outputs of earlier uploads are unreachable now: their HLS and their download renditions
    // (docs/buying.md; a rendition of this version is made again on demand).
    const std::string renditions = "renditions/" + track_id + "/v" + std::to_string(version) + "/";
    auto prune = [this, track_id, prefix, renditions] {
      try {
        for (const auto& key : storage_.list("hls/" + track_id + "/")) {
          if (!key.starts_with(prefix)) storage_.remove(key);
        }
        for (const auto& key : storage_.list("renditions/" + track_id + "/")) {
          if (!key.starts_with(renditions)) storage_.remove(key);
        }
      } catch (const std::exception& e) {
        log::warn("could not prune old HLS outputs", {{"track_id", track_id}, {"error", e.what()}});
      }
    };
    co_await offload(std::move(prune));
  }
  co_return;
}

}  // namespace mc::catalog
