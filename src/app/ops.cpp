// `musicconnect ops …`: operator commands against a running deployment (docs/operations.md).
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>

#include "app/commands.hpp"
#include "ops/failover.hpp"
#include "ops/status.hpp"
#include "ops/topology.hpp"

namespace mc::app {

namespace {

void usage() {
  std::cout
      << "Usage: musicconnect ops <command> (the regions come from the file named by OPS_TOPOLOGY)\n\n"
         "  status [--format table|json|prometheus]\n"
         "        every region's role, replication lag, nodes ready, sockets and database connections\n"
         "  failover [--to REGION] [--reason TEXT] [--provider patroni|aws] [--force] [--unplanned]\n"
         "           [--wait-s SECONDS]\n"
         "        move the writable database to REGION (default: the least-lagged healthy replica),\n"
         "        through Patroni or Aurora Global Database, and record it in monitoring.failover_events;\n"
         "        a re-run with the same reason within 30 minutes does nothing (--force acts again)\n";
}

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string default_reason() {
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return "manual failover by " + env_or("USER", "operator") + " at " + when;
}

int status(int argc, char** argv, const ops::Topology& t) {
  std::string format = "table";
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
      format = argv[++i];
    } else {
      std::cerr << "unknown option for ops status: " << argv[i] << "\n";
      return 2;
    }
  }
  if (format != "table" && format != "json" && format != "prometheus") {
    std::cerr << "--format must be table, json or prometheus\n";
    return 2;
  }
  const auto s = ops::collect_status(t);
  std::cout << (format == "json"         ? ops::status_json(s)
                : format == "prometheus" ? ops::status_metrics(s)
                                         : ops::status_table(s));
  int primaries = 0;
  for (const auto& r : s) primaries += r.role == "primary" ? 1 : 0;
  return primaries == 1 ? 0 : 1;  // no writer, or two: the operator's attention is needed
}

int failover(int argc, char** argv, ops::Topology t) {
  ops::FailoverRequest req;
  for (int i = 3; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--to" && has_value) {
      req.to = argv[++i];
    } else if (a == "--reason" && has_value) {
      req.reason = argv[++i];
    } else if (a == "--provider" && has_value) {
      t.provider = argv[++i];
    } else if (a == "--wait-s" && has_value) {
      req.wait = std::chrono::seconds(std::strtol(argv[++i], nullptr, 10));
    } else if (a == "--force") {
      req.force = true;
    } else if (a == "--unplanned") {
      req.unplanned = true;
    } else {
      std::cerr << "unknown option for ops failover: " << a << "\n";
      return 2;
    }
  }
  if (req.reason.empty()) req.reason = default_reason();
  if (req.reason.size() > 500) {
    std::cerr << "--reason is longer than 500 characters\n";
    return 2;
  }
  if (!req.to.empty() && !t.find(req.to)) {
    std::cerr << "--to " << req.to << ": no such region in OPS_TOPOLOGY\n";
    return 2;
  }
  if (const char* poll = std::getenv("OPS_POLL_MS"); poll && *poll) {
    req.poll = std::chrono::milliseconds(std::strtol(poll, nullptr, 10));
  }
  const auto say = [](const std::string& line) { std::cerr << line << "\n"; };
  ops::FailoverOutcome o;
  if (t.provider == "patroni") {
    o = ops::failover_patroni(t, req, say);
  } else if (t.provider == "aws") {
    o = ops::failover_aws(t, req, say);
  } else {
    std::cerr << "--provider must be patroni or aws\n";
    return 2;
  }
  std::cout << o.note << "\n";
  return 0;
}

}  // namespace

int ops(int argc, char** argv) {
  if (argc < 3 || std::strcmp(argv[2], "--help") == 0 || std::strcmp(argv[2], "-h") == 0) {
    usage();
    return argc < 3 ? 2 : 0;
  }
  const std::string_view command = argv[2];
  if (command != "status" && command != "failover") {
    std::cerr << "unknown ops command: " << command << "\n";
    usage();
    return 2;
  }
  try {
    const ops::Topology t = ops::load_topology(env_or("OPS_TOPOLOGY", ""));
    return command == "status" ? status(argc, argv, t) : failover(argc, argv, t);
  } catch (const std::exception& e) {
    std::cerr << "ops " << command << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace mc::app
