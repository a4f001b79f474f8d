#include <signal.h>

#include <prometheus/gauge.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <future>
#include <iostream>
#include <thread>

#include "app/background.hpp"
#include "app/commands.hpp"
#include "app/database_setup.hpp"
#include "app/media_setup.hpp"
#include "app/payments_setup.hpp"
#include "app/process_setup.hpp"
#include "app/realtime_access.hpp"
#include "app/roles.hpp"
#include "app/routes.hpp"
#include "cache/rate_limiter.hpp"
#include "cache/redis_pubsub.hpp"
#include "core/build_info.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "core/event_loops.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "db/cluster.hpp"
#include "events/relay.hpp"
#include "features/messaging/service.hpp"
#include "features/notifications/service.hpp"
#include "features/parties/service.hpp"
#include "features/sharing/page_meta.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "jobs/worker.hpp"
#include "mail/mailer.hpp"
#include "realtime/channel.hpp"
#include "realtime/gateway.hpp"

namespace mc::app {
namespace asio = boost::asio;

namespace {

constexpr auto kRelayInterval = std::chrono::milliseconds(100);

db::ClusterOptions cluster_options(const Config& c) {
  const unsigned per_loop = std::max(1u, (c.db_pool_size + c.workers - 1) / c.workers);
  db::ClusterOptions o;
  o.writer = db::PoolOptions{"writer", c.database_url, per_loop, c.db_pool_max_waiters, c.db_acquire_timeout};
  if (!c.database_read_url.empty()) {
    o.reader =
        db::PoolOptions{"reader", c.database_read_url, per_loop, c.db_pool_max_waiters, c.db_acquire_timeout};
  }
  o.token_wait = c.db_token_wait;
  return o;
}

realtime::GatewayOptions gateway_options(const Config& c) {
  realtime::GatewayOptions o;
  o.allowed_origins = c.cors_origins;
  o.max_connections_per_user = c.ws_max_connections_per_user;
  o.send_queue_bytes = std::size_t{c.ws_send_queue_kib} * 1024;
  o.idle_timeout = c.ws_idle_timeout;
  o.messages_per_second = c.ws_messages_per_s;
  o.permessage_deflate = c.ws_compression;
  return o;
}

void register_collectors(const std::vector<std::unique_ptr<db::Cluster>>& clusters, const Config& config) {
  metrics::add_collector([&clusters](metrics::Families& out) {
    struct Totals {
      unsigned in_use = 0, idle = 0, waiting = 0;
      uint64_t timeouts = 0;
    };
    auto sum = [&](auto pick) {
      Totals t;
      for (const auto& c : clusters) {
        if (const db::Pool* p = pick(*c)) {
          t.in_use += p->stats().in_use.load();
          t.idle += p->stats().idle.load();
          t.waiting += p->stats().waiting.load();
          t.timeouts += p->stats().timeouts.load();
        }
      }
      return t;
    };
    const Totals w = sum([](db::Cluster& c) -> const db::Pool* { return &c.writer_pool(); });
    const Totals r = sum([](db::Cluster& c) -> const db::Pool* { return c.reader_pool(); });
    const bool replica = !clusters.empty() && clusters.front()->has_replica();
    auto gauge = [&](const char* name, const char* help, unsigned wv, unsigned rv) {
      auto& family = out.gauge(name, help);
      metrics::Families::add(family, {{"pool", "writer"}}, wv);
      if (replica) metrics::Families::add(family, {{"pool", "reader"}}, rv);
    };
    gauge("db_pool_in_use", "Database connections in use", w.in_use, r.in_use);
    gauge("db_pool_idle", "Idle database connections", w.idle, r.idle);
    gauge("db_pool_waiting", "Requests waiting for a database connection", w.waiting, r.waiting);
    metrics::Families::add(out.counter("db_pool_acquire_timeouts_total", "Connection waits that timed out"),
                           {{"pool", "writer"}}, static_cast<double>(w.timeouts));
  });
  prometheus::BuildGauge()
      .Name("musicconnect_build_info")
      .Help("Build and deployment of this node")
      .Register(metrics::registry())
      .Add({{"version", std::string(build_version())},
            {"git_sha", std::string(build_git_sha())},
            {"region", config.region}})
      .Set(1);
}

}  // namespace

int serve(int argc, char** argv) {
  Roles roles;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << "musicconnect serve [--roles api,ws,web,worker]   (default: all four)\n\n"
                << config_help();
      return 0;
    }
    std::string_view arg = argv[i];
    std::optional<std::string_view> list;
    if (arg == "--roles" && i + 1 < argc) {
      list = argv[++i];
    } else if (arg.starts_with("--roles=")) {
      list = arg.substr(8);
    }
    if (list) {
      std::string why;
      auto parsed = parse_roles(*list, why);
      if (!parsed) {
        std::cerr << why << "\n";
        return 2;
      }
      roles = *parsed;
      continue;
    }
    std::cerr << "unknown option " << argv[i] << " (see musicconnect serve --help)\n";
    return 2;
  }
  // Signals are taken synchronously by the main thread; every other thread inherits the mask.
  const sigset_t signals = block_termination_signals();
  auto loaded = load_config_or_report();
  if (!loaded) return 2;
  Config config = std::move(*loaded);
  log::init(config.log_level);
  start_tracing(config, "serve");
  int exit_code = 0;
  try {
    crypto_init();
    resolve_secrets(config);
    const bool embedded_database = config.embedded_database();
    auto embedded = prepare_database(config, config.migrate_on_start);

    std::vector<JwtKey> keys{{config.jwt_kid, config.jwt_secret}};
    if (!config.jwt_previous_secret.empty())
      keys.push_back({config.jwt_previous_kid, config.jwt_previous_secret});
    const JwtCodec jwt(std::move(keys));
    auto mailer = mail::make_mailer(config);
    auto storage = make_media_storage(config);
    log::info("media storage", {{"storage", storage->describe()}});
    auto limiter = cache::make_in_process_rate_limiter();

    EventLoops loops(config.workers);
    std::vector<std::unique_ptr<db::Cluster>> clusters;
    std::vector<http::Loop> loop_views;
    std::vector<asio::io_context*> contexts;
    for (std::size_t i = 0; i < loops.size(); ++i) {
      clusters.push_back(std::make_unique<db::Cluster>(loops.at(i).get_executor(), cluster_options(config)));
      loop_views.push_back(http::Loop{i, loops.at(i).get_executor(), clusters.back().get()});
      contexts.push_back(&loops.at(i));
    }
    register_collectors(clusters, config);

    std::atomic<bool> draining{false};
    http::Router router;
    accounts::AccountsService accounts_service(config, jwt, *mailer);
    metrics::add_collector(
        [&accounts_service](metrics::Families& out) { accounts_service.write_metrics(out); });
    artists::ArtistsService artists_service;
    catalog::CatalogService catalog_service(artists_service);
    catalog::UploadService upload_service(catalog_service, *storage, config);
    streaming::StreamingService streaming_service(catalog_service, *storage, config, *limiter);
    artists::ImageService image_service(artists_service, *storage);
    PaymentsStack payments = make_payments(config, artists_service);
    log::info("payments", {{"provider", std::string(payments.provider->name())}});
    messaging::MessagingService messaging_service;
    notifications::NotificationService notification_service;
    parties::PartyService party_service;
    posts::PostService post_service(artists_service, catalog_service, *storage);
    search::SearchService search_service(config.search_baseline);
    if (config.search_baseline)
      log::warn("SEARCH_BASELINE: /api/search answers with the naive ILIKE baseline");
    privacy::PrivacyService privacy_service(config, accounts_service, *storage);
    admin::AdminService admin_service(accounts_service);
    moderation::ModerationService moderation_service;
    flags::FlagService flag_service;
    register_all_routes(router, RouteDeps{config,
                                          draining,
                                          accounts_service,
                                          artists_service,
                                          catalog_service,
                                          upload_service,
                                          image_service,
                                          streaming_service,
                                          *payments.memberships,
                                          *payments.earnings,
                                          *payments.webhooks,
                                          messaging_service,
                                          notification_service,
                                          party_service,
                                          post_service,
                                          search_service,
                                          *payments.buying,
                                          privacy_service,
                                          admin_service,
                                          moderation_service,
                                          flag_service,
                                          roles.api});

    const http::StaticFiles web_app(roles.web ? config.web_dir : std::string(), config.cdn_url);
    http::Pipeline pipeline(config, router, *limiter, jwt, roles.web ? &web_app : nullptr, &accounts_service);
    const sharing::PageMetaSource page_meta(artists_service, catalog_service, config.public_url);
    pipeline.set_page_heads(
        [&page_meta](db::Cluster& db, std::string path) { return page_meta.head(db, std::move(path)); });
    RealtimeAccess realtime_access(artists_service, messaging_service, party_service);
    std::vector<asio::any_io_executor> executors;
    for (const auto& l : loop_views) executors.push_back(l.executor);
    realtime::Gateway gateway(gateway_options(config), jwt, &accounts_service, realtime_access, executors);
    party_service.set_listener_count(
        [&gateway](const std::string& channel) { return gateway.listeners(channel); });
    gateway.on_presence([&party_service, &loops, &clusters](const std::string& channel, int listeners) {
      const auto parsed = realtime::parse_channel(channel);
      if (!parsed || parsed->kind != realtime::ChannelKind::party || listeners == 0) return;
      asio::co_spawn(loops.at(0), party_service.record_listeners(*clusters.front(), parsed->id, listeners),
                     [](const std::exception_ptr&) {});
    });
    metrics::add_collector([&gateway](metrics::Families& out) {
      const auto s = gateway.stats();
      metrics::Families::add(out.gauge("ws_connections", "Open WebSocket connections"), {},
                             static_cast<double>(s.sockets));
      metrics::Families::add(
          out.gauge("ws_subscriptions", "Channel subscriptions of open WebSocket connections"), {},
          static_cast<double>(s.subscriptions));
    });
    // With REDIS_URL, channel messages and session ends reach every node's sockets through Redis.
    std::unique_ptr<cache::RedisPubSub> redis;
    if (!config.redis_url.empty()) {
      std::string why;
      const auto endpoint = cache::parse_redis_url(config.redis_url, why);
      if (!endpoint) throw std::runtime_error(why);
      redis = std::make_unique<cache::RedisPubSub>(
          loops.at(0).get_executor(), *endpoint,
          [&gateway](std::string_view channel, std::string_view payload) {
            gateway.redis_message(channel, payload);
          });
      gateway.use_redis(*redis);
      redis->start();
      log::info("real-time fan-out through redis", {{"host", endpoint->host}, {"port", endpoint->port}});
    }
    http::Server server(config, pipeline, loop_views, contexts, roles.ws ? &gateway : nullptr);
    server.start();

    events::Relay relay(*clusters.front(), kRelayInterval);
    relay.subscribe("", [&gateway](const events::Event& e) {
      log::debug("event", {{"id", e.id}, {"topic", e.topic}, {"key", e.key}});
      gateway.publish(e);
    });
    std::promise<void> relay_done;
    if (!roles.ws) {
      relay.stop();  // nothing here listens to the outbox
      relay_done.set_value();
    } else {
      asio::co_spawn(
          loops.at(0),
          [&relay, &config]() -> asio::awaitable<void> {
            co_await relay.start_from_tail();
            co_await relay.run(config.database_url);
          },
          [&relay_done](const std::exception_ptr& e) {
            if (e) {
              try {
                std::rethrow_exception(e);
              } catch (const std::exception& ex) {
                log::error("outbox relay stopped", {{"error", ex.what()}});
              }
            }
            relay_done.set_value();
          });
    }

    std::unique_ptr<Background> background;
    if (config.jobs_in_serve && roles.worker) {
      // On the last loop: the first one also carries the relay.
      const std::size_t last = loops.size() - 1;
      background = std::make_unique<Background>(config, loops.at(last), *clusters[last], upload_service,
                                                *payments.earnings, *mailer);
      background->start();
    }

    loops.start();
    log::info("listening", {{"port", server.port()},
                            {"workers", config.workers},
                            {"roles", roles.str()},
                            {"env", config.app_env},
                            {"region", config.region},
                            {"embedded_database", embedded_database},
                            {"version", build_version()}});

    const int sig = wait_for_termination(signals);
    log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    draining = true;
    server.begin_shutdown();
    gateway.begin_drain();
    const auto deadline = std::chrono::steady_clock::now() + config.shutdown_grace;
    while (server.open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (server.open_connections() > 0) {
      log::warn("grace period over with connections open", {{"open", server.open_connections()}});
    }
    if (background) background->stop();
    relay.stop();
    relay_done.get_future().wait_for(kRelayInterval * 20);
    if (redis) redis->stop();
    loops.stop();
    clusters.clear();
    if (embedded) embedded->stop();
    log::info("stopped");
  } catch (const std::exception& e) {
    log::error("fatal", {{"error", e.what()}});
    exit_code = 1;
  }
  stop_tracing();
  log::shutdown();
  return exit_code;
}

int migrate(int, char**) {
  return run_database_command("migrate", [](const Config&) {});
}

}  // namespace mc::app
