// musicconnect: subcommand dispatch only.
#include <cstring>
#include <iostream>

#include "app/commands.hpp"
#include "core/build_info.hpp"

namespace {
void usage() {
  std::cout
      << "Usage: musicconnect <command>\n\n"
         "Commands:\n"
         "  serve      run the HTTP API, web app and background relay (serve --help lists settings)\n"
         "  worker     run only the background jobs (audio processing, sweeps)\n"
         "  migrate    apply database migrations and exit\n"
         "  seed-demo  create the demo accounts (idempotent); --size large adds a generated catalogue and a year of plays\n"
         "  ops        operator commands: status and failover across regions (ops --help)\n"
         "  admin      admin accounts: admin create --email E --username U (password on stdin)\n"
         "  version    print the version\n";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string_view command = argv[1];
  if (command == "serve") return mc::app::serve(argc, argv);
  if (command == "worker") return mc::app::worker(argc, argv);
  if (command == "migrate") return mc::app::migrate(argc, argv);
  if (command == "seed-demo") return mc::app::seed_demo(argc, argv);
  if (command == "ops") return mc::app::ops(argc, argv);
  if (command == "admin") return mc::app::admin(argc, argv);
  if (command == "version") {
    std::cout << "musicconnect " << mc::build_version() << " (" << mc::build_git_sha() << ")\n";
    return 0;
  }
  std::cerr << "unknown command: " << command << "\n";
  usage();
  return 2;
}
