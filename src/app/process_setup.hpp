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

}  // namespace mc::app
