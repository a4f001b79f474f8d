#pragma once
#include <signal.h>

#include <optional>

#include "core/config.hpp"

namespace mc::app {

// For long-running commands (serve, worker): SIGINT and SIGTERM are blocked in every thread (the
// main thread takes them with wait_for_termination), SIGPIPE is ignored. Call before any thread starts.
sigset_t block_termination_signals();
// Blocks until SIGINT or SIGTERM; returns which.
int wait_for_termination(const sigset_t& signals);
// The configuration from the environment; on a mistake prints it and returns nullopt (exit code 2).
std::optional<Config> load_config_or_report();

// Starts the trace exporter when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set; the
// matching stop flushes it. `role`: the process kind (serve, worker) as a resource attribute.
void start_tracing(const Config& config, const char* role);
void stop_tracing();

}  // namespace mc::app
