// `musicconnect admin create --email E --username U`: the only way to make an admin account
// (docs/admin.md). The password is read from the first line of standard input, so it never appears
// in the process list or the shell history.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <iostream>
#include <string>

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

void admin_usage(std::ostream& out) {
  out << "Usage: musicconnect admin create --email EMAIL --username USERNAME\n"
         "Creates an admin account (email counted as verified). The password is the first line of\n"
         "standard input, e.g.  printf '%s\\n' \"$PASSWORD\" | musicconnect admin create ...\n"
         "Database settings come from the environment, as for serve (DATABASE_URL or VAR_DIR).\n";
}

}  // namespace

int admin(int argc, char** argv) {
  if (argc < 3 || std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h") {
    admin_usage(argc < 3 ? std::cerr : std::cout);
    return argc < 3 ? 2 : 0;
  }
  if (std::string_view(argv[2]) != "create") {
    std::cerr << "unknown admin command: " << argv[2] << "\n";
    admin_usage(std::cerr);
    return 2;
  }
  std::string email, username;
  for (int i = 3; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view name, std::string& into) {
      if (arg == name && i + 1 < argc) {
        into = argv[++i];
        return true;
      }
      if (arg.starts_with(std::string(name) + "=")) {
        into = std::string(arg.substr(name.size() + 1));
        return true;
      }
      return false;
    };
    if (value("--email", email) || value("--username", username)) continue;
    std::cerr << "unknown option " << arg << "\n";
    admin_usage(std::cerr);
    return 2;
  }
  if (email.empty() || username.empty()) {
    std::cerr << "admin create needs --email and --username\n";
    admin_usage(std::cerr);
    return 2;
  }
  std::string password;
  if (!std::getline(std::cin, password) || password.empty()) {
    std::cerr << "admin create reads the password from the first line of standard input; none was given\n";
    return 2;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return run_database_command("admin create", [&](const Config& config) {
    const JwtCodec jwt({{config.jwt_kid, config.jwt_secret}});
    auto mailer = mail::make_mailer(config);
    accounts::AccountsService service(config, jwt, *mailer);
    asio::io_context io;
    auto done = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          db::Cluster cluster(io.get_executor(),
                              db::ClusterOptions{db::PoolOptions{"writer", config.database_url, 2, 10}});
          std::string id;
          std::string problem;
          try {
            id = co_await service.create_admin(cluster, username, email, password);
          } catch (const ApiError& e) {
            problem = e.what();
            for (const auto& [field, reason] : e.details()) {
              problem +=
                  "\n  " + std::string(field) + ": " +
                  (reason.is_string() ? std::string(reason.get_string()) : boost::json::serialize(reason));
            }
          }
          if (!problem.empty()) {
            std::cerr << problem << "\n";
            throw std::runtime_error("the admin account was not created");
          }
          log::info("admin account created", {{"user_id", id}, {"username", username}});
          std::cout << id << "\n";
        },
        asio::use_future);
    io.run();
    done.get();
  });
}

}  // namespace mc::app
