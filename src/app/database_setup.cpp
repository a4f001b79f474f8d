#include "app/database_setup.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "db/connection.hpp"
#include "db/migrations.hpp"

namespace mc::app {
namespace asio = boost::asio;

std::unique_ptr<db::EmbeddedPostgres> prepare_database(Config& config, bool run_migrations) {
  std::unique_ptr<db::EmbeddedPostgres> embedded;
  if (config.embedded_database()) {
    embedded = std::make_unique<db::EmbeddedPostgres>(config.var_dir);
    config.database_url = embedded->start();
  }
  asio::io_context io;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto conn =
            co_await db::Connection::open(io.get_executor(), config.database_url, std::chrono::seconds(10));
        if (run_migrations) {
          const int ran = co_await db::migrate(*conn);
          log::info("schema up to date", {{"applied", ran}, {"version", db::latest_known_version()}});
        } else {
          const int version = co_await db::applied_version(*conn);
          if (version > db::latest_known_version()) {
            throw std::runtime_error("database schema version " + std::to_string(version) +
                                     " is newer than this binary knows; refusing to run");
          }
        }
      },
      asio::use_future);
  io.run();
  done.get();
  return embedded;
}

int run_database_command(std::string_view name, const std::function<void(const Config&)>& work) {
  int code = 0;
  try {
    Config config = load_config(read_process_env);
    log::init(config.log_level);
    crypto_init();
    resolve_secrets(config);
    auto embedded = prepare_database(config, true);
    work(config);
    if (embedded) embedded->stop();
  } catch (const std::exception& e) {
    log::error(std::string(name) + " failed", {{"error", e.what()}});
    code = 1;
  }
  log::shutdown();
  return code;
}

}  // namespace mc::app
