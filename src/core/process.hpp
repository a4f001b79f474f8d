#pragma once
#include <optional>
#include <string>
#include <vector>

namespace mc {

struct ProcessResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

struct ProcessOptions {
  std::optional<std::string> run_as_user;  // drop to this user (when we are root)
  bool new_session = true;                 // detach from our terminal's signals
};

// Runs a program to completion (blocking). The child inherits no descriptors but its own
// stdio, so a daemon it starts never holds our listening sockets.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

bool process_alive(int pid);

}  // namespace mc
