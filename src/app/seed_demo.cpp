// `musicconnect seed-demo`: demo accounts and a demo catalog created through the same services the
// API uses: the artist's EP has three tracks of audio generated with ffmpeg, uploaded like any other
// (probed, stored, queued); `serve` processes them when it starts. Idempotent: accounts that exist
// are left alone, and the catalog is only added to an artist without releases.
// `seed-demo --size large [--artists N] [--seed S]` then adds the generated catalogue of
// app/seed_large.cpp (docs/search.md).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>
#include <iostream>

#include "app/commands.hpp"
#include "app/database_setup.hpp"
#include "app/media_setup.hpp"
#include "app/seed_history.hpp"
#include "app/seed_large.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/process.hpp"
#include "db/cluster.hpp"
#include "features/accounts/service.hpp"
#include "features/artists/service.hpp"
#include "features/catalog/processing_job.hpp"
#include "features/catalog/service.hpp"
#include "features/catalog/upload_service.hpp"
#include "jobs/worker.hpp"
#include "mail/mailer.hpp"

namespace mc::app {
namespace asio = boost::asio;

namespace {
const accounts::RegisterInput kDemoUsers[] = {
    {"demo_fan", "fan@demo.musicconnect.local", "demo-password-1", "fan", std::nullopt, std::nullopt},
    {"demo_artist", "artist@demo.musicconnect.local", "demo-password-1", "artist", "The Demo Tapes", "indie"},
};
struct DemoTrack {
  const char* title;
  const char* min_tier;
  const char* tone;  // an ffmpeg lavfi expression: a few seconds of something tuneful
};
const DemoTrack kDemoTracks[] = {
    {"Dawn Chorus", "free",
     "aevalsrc=0.25*sin(2*PI*220*t)*(1+sin(2*PI*0.5*t))+0.18*sin(2*PI*330*t)+0.12*sin(2*PI*440*t*(1+0.01*sin("
     "2*PI*5*t))):s=44100:d=40"},
    {"Morning Walk", "supporter",
     "aevalsrc=0.3*sin(2*PI*(262+131*floor(mod(t*2\\,4)))*t)*exp(-mod(t\\,0.5)*4)+0.1*sin(2*PI*131*t):s="
     "44100:d=35"},
    {"High Noon", "superfan",
     "aevalsrc=0.22*sin(2*PI*196*t)+0.2*sin(2*PI*247*t)*(0.6+0.4*sin(2*PI*0.25*t))+0.15*sin(2*PI*294*t):s="
     "44100:d=45"},
};

// Makes the demo artist's EP unless they already have releases.
asio::awaitable<void> seed_catalog(db::Cluster& cluster, const Config& config,
                                   accounts::AccountsService& accounts, const JwtCodec& jwt) {
  const accounts::Client client{"seed-demo", "127.0.0.1"};
  const accounts::AuthResult login =
      co_await accounts.login(cluster, "artist@demo.musicconnect.local", "demo-password-1", client);
  const auto verified = jwt.verify(login.tokens.access, std::time(nullptr));
  if (!verified.claims) throw std::runtime_error("could not sign in as the demo artist");
  const AccessClaims who = *verified.claims;
  artists::ArtistsService artists_service;
  catalog::CatalogService catalog_service(artists_service);
  const std::optional<AccessClaims> viewer = who;
  const auto existing = co_await catalog_service.artist_content(cluster, viewer, who.user_id, login.lsn);
  if (!existing.at("releases").as_array().empty()) {
    log::info("demo catalog already present");
    co_return;
  }
  // All the audio first, so a tool failure writes nothing.
  const std::filesystem::path dir = std::filesystem::path(config.var_dir) / "tmp" / "demo";
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> files;
  for (const auto& t : kDemoTracks) {
    const std::filesystem::path file = dir / (std::string(t.title) + ".flac");
    const ProcessResult made =
        run_process({"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", t.tone, "-af",
                     "aformat=channel_layouts=stereo,afade=t=out:st=30:d=5", "-c:a", "flac", file.string()});
    if (made.exit_code != 0) throw std::runtime_error("ffmpeg could not make demo audio: " + made.output);
    files.push_back(file);
  }
  auto storage = make_media_storage(config);
  catalog::UploadService uploads(catalog_service, *storage, config);
  catalog::store::NewRelease ep;
  ep.title = "First Light";
  ep.kind = "ep";
  ep.genre = "electronic";
  ep.min_tier = "free";
  const auto release = co_await catalog_service.create_release(cluster, who, ep);
  const std::string release_id(release.value.at("id").as_string());
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& t = kDemoTracks[i];
    const std::filesystem::path& file = files[i];
    catalog::UploadTarget target;
    target.release_id = release_id;
    target.title = t.title;
    target.min_tier = t.min_tier;
    catalog::ArrivedFile arrived{file, std::filesystem::file_size(file), std::string(t.title) + ".flac"};
    co_await uploads.accept(cluster, who, target, std::move(arrived));
  }
  // A release is published only with ready audio: process the uploads here, as the worker would.
  jobs::WorkerOptions media_options;
  media_options.queue = "media";
  media_options.job_timeout = std::chrono::minutes(10);
  jobs::Worker media_worker(co_await asio::this_coro::executor, cluster, media_options);
  catalog::MediaProcessor processor(*storage, config);
  processor.register_on(media_worker, cluster);
  while (co_await media_worker.run_once() > 0) {
  }
  catalog::store::ReleasePatch publish;
  publish.published = true;
  co_await catalog_service.patch_release(cluster, who, release_id, publish);
  log::info("demo catalog created: an EP of three processed tracks, published");
  co_return;
}

}  // namespace

int seed_demo(int argc, char** argv) {
  // --history-plays N [--history-days D]: analytics history over the published tracks; the other
  // options are the large catalogue's. --size large alone brings a year of 10 million plays
  // (--history-plays 0: the catalogue only).
  std::optional<HistoryOptions> history;
  std::vector<char*> rest(argv, argv + std::min(argc, 2));
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg != "--history-plays" && arg != "--history-days") {
      rest.push_back(argv[i]);
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "seed-demo: " << arg << " needs a number\n";
      return 2;
    }
    if (!history) history.emplace();
    try {
      const long long v = std::stoll(argv[++i]);
      if (arg == "--history-plays") history->plays = v;
      if (arg == "--history-days") history->days = static_cast<int>(v);
    } catch (const std::exception&) {
      std::cerr << "seed-demo: " << arg << " needs a number\n";
      return 2;
    }
    if (history->plays < 0 || history->days < 1 || history->days > 3650) {
      std::cerr << "seed-demo: --history-plays must be ≥ 0 and --history-days 1-3650\n";
      return 2;
    }
  }
  std::optional<LargeCatalog> large;
  try {
    large = parse_large_options(static_cast<int>(rest.size()), rest.data());
  } catch (const std::invalid_argument& e) {
    std::cerr << "seed-demo: " << e.what() << "\n";
    return 2;
  }
  if (large && !history) history.emplace();
  return run_database_command("seed-demo", [&large, history](const Config& config) {
    const JwtCodec jwt({{config.jwt_kid, config.jwt_secret}});
    auto mailer = mail::make_mailer(config);
    accounts::AccountsService service(config, jwt, *mailer);
    asio::io_context io;
    auto done = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          db::Cluster cluster(io.get_executor(),
                              db::ClusterOptions{db::PoolOptions{"writer", config.database_url, 2, 10}});
          const accounts::Client client{"seed-demo", "127.0.0.1"};
          for (const auto& user : kDemoUsers) {
            bool created = true;
            try {
              co_await service.register_user(cluster, user, client);
            } catch (const ApiError& e) {
              if (e.status() != 409) throw;
              created = false;
            }
            log::info(created ? "demo account created" : "demo account already present",
                      {{"username", user.username}, {"email", user.email}});
          }
          co_await seed_catalog(cluster, config, service, jwt);
        },
        asio::use_future);
    io.run();
    done.get();
    if (large) seed_large(config, *large);
    if (history && history->plays > 0) {
      // After the catalogue, so that the plays spread over it (docs/analytics.md "Seeding history").
      asio::io_context history_io;
      auto generated = asio::co_spawn(
          history_io,
          [&]() -> asio::awaitable<void> {
            db::Cluster cluster(history_io.get_executor(),
                                db::ClusterOptions{db::PoolOptions{"writer", config.database_url, 2, 10}});
            co_await seed_history(cluster, *history);
          },
          asio::use_future);
      history_io.run();
      generated.get();
    }
    if (large) seed_large(config, *large);
  });
}

}  // namespace mc::app
