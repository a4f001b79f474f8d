#include "app/process_setup.hpp"

#include <iostream>

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

}  // namespace mc::app
