#include <signal.h>

#include <fstream>
#include <iostream>

#include "app/background.hpp"
#include "app/commands.hpp"
#include "app/database_setup.hpp"
#include "app/media_setup.hpp"
#include "app/payments_setup.hpp"
#include "app/process_setup.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "core/event_loops.hpp"
#include "core/log.hpp"
#include "features/artists/service.hpp"
#include "features/catalog/service.hpp"
#include "features/catalog/upload_service.hpp"
#include "mail/mailer.hpp"

namespace mc::app {

// `musicconnect worker`: the background jobs without the HTTP server, for scaling processing
// apart from the API. Needs DATABASE_URL, or a serve on the same VAR_DIR owning the embedded database.
int worker(int, char**) {
  // Signals are taken synchronously by the main thread; every other thread inherits the mask.
  const sigset_t signals = block_termination_signals();
  auto loaded = load_config_or_report();
  if (!loaded) return 2;
  Config config = std::move(*loaded);
  log::init(config.log_level);
  start_tracing(config, "worker");
  int exit_code = 0;
  try {
    crypto_init();
    resolve_secrets(config);
    if (config.embedded_database()) {
      std::ifstream url_file(std::filesystem::path(config.var_dir) / "pg" / "url");
      std::getline(url_file, config.database_url);
      if (config.database_url.empty()) {
        throw std::runtime_error("worker needs DATABASE_URL, or a running serve with the same VAR_DIR");
      }
    }
    prepare_database(config, false);
    auto storage = make_media_storage(config);
    EventLoops loops(1);
    db::ClusterOptions cluster_options;
    cluster_options.writer = db::PoolOptions{"writer", config.database_url, 4, 64, config.db_acquire_timeout};
    cluster_options.token_wait = config.db_token_wait;
    db::Cluster cluster(loops.at(0).get_executor(), cluster_options);
    artists::ArtistsService artists_service;
    catalog::CatalogService catalog_service(artists_service);
    catalog::UploadService uploads(catalog_service, *storage, config);
    PaymentsStack payments = make_payments(config, artists_service);
    auto mailer = mail::make_mailer(config);
    Background background(config, loops.at(0), cluster, uploads, *payments.earnings, *mailer);
    background.start();
    loops.start();
    log::info("worker running", {{"storage", storage->describe()}});
    const int sig = wait_for_termination(signals);
    log::info("worker shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    background.stop();
    loops.stop();
    log::info("worker stopped");
  } catch (const std::exception& e) {
    log::error("fatal", {{"error", e.what()}});
    exit_code = 1;
  }
  stop_tracing();
  log::shutdown();
  return exit_code;
}

}  // namespace mc::app
