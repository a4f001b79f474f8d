#include "app/process_setup.hpp"

#include <iostream>

#include "core/build_info.hpp"
#include "core/log.hpp"
#include "core/trace.hpp"

namespace mc::app {

sigset_t block_termination_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

int wait_for_termination(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  return sig;
}

std::optional<Config> load_config_or_report() {
  try {
    return load_config(read_process_env);
  } catch (const std::exception& e) {
    std::cerr << e.what();
    return std::nullopt;
  }
}

void start_tracing(const Config& config, const char* role) {
  if (config.otel_traces_endpoint.empty()) return;
  trace::ExporterOptions o;
  o.endpoint = config.otel_traces_endpoint;
  o.service_name = config.otel_service_name;
  o.resource = {{"service.version", std::string(build_version())},
                {"deployment.environment", config.app_env},
                {"cloud.region", config.region},
                {"musicconnect.role", role}};
  trace::start_exporter(std::move(o));
  log::info("exporting traces", {{"endpoint", config.otel_traces_endpoint}});
}

void stop_tracing() {
  trace::stop_exporter();
}

}  // namespace mc::app
