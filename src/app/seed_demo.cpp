// `musicconnect seed-demo`: demo accounts created through the same services the API uses.
// Idempotent: accounts that already exist are left alone.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "app/commands.hpp"
#include "app/database_setup.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "db/cluster.hpp"
#include "features/accounts/service.hpp"
#include "mail/mailer.hpp"

namespace mc::app {
namespace asio = boost::asio;

namespace {
const accounts::RegisterInput kDemoUsers[] = {
    {"demo_fan", "fan@demo.musicconnect.local", "demo-password-1", "fan", std::nullopt, std::nullopt},
    {"demo_artist", "artist@demo.musicconnect.local", "demo-password-1", "artist", "The Demo Tapes", "indie"},
};
}  // namespace

int seed_demo(int, char**) {
  return run_database_command("seed-demo", [](const Config& config) {
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
        },
        asio::use_future);
    io.run();
    done.get();
  });
}

}  // namespace mc::app
