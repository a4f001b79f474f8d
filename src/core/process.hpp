#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
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

// What run_process_streaming does with a running child's output, and when it gives up on it.
struct StreamingOptions {
  // Each complete line of stdout as it arrives (without the newline; a last unterminated line is
  // delivered at exit). Unset: stdout is discarded.
  std::function<void(std::string_view line)> on_stdout_line;
  // When set, the child's descriptor 3 is a pipe to us and its bytes arrive here in chunks (for
  // tools that write bulk data to `pipe:3` while reporting on stdout).
  std::function<void(std::string_view bytes)> on_fd3;
  std::stop_token stop;                  // stop requested: SIGTERM, then SIGKILL after 2 s
  std::chrono::milliseconds timeout{0};  // 0: none; on expiry, stopped the same way
  // Added to the child's niceness (0..19). A child in its own session (ProcessOptions::new_session)
  // also gets it as its autogroup's niceness, without which it would not count against other
  // sessions where the kernel groups tasks by session (CONFIG_SCHED_AUTOGROUP).
  int nice = 0;
  // When set, the child's niceness follows this value (like `nice`), checked every 100 ms: work
  // started at a low priority can be raised once something more urgent is done. Lowering a
  // process's niceness needs CAP_SYS_NICE; an autogroup's may go back down to 0 without it.
  const std::atomic<int>* renice = nullptr;
  // When positive, the child's CPU time (user + system) is limited to this (RLIMIT_CPU): it gets
  // SIGXCPU when it passes the limit and SIGKILL a second later. Bounds what one bad input can cost
  // even when the wall-clock timeout is generous (a niced tool may wait long for a core).
  std::chrono::seconds cpu_limit{0};
  std::size_t stderr_limit = std::size_t{64} * 1024;  // stderr kept: its last bytes
};

struct StreamingResult {
  int exit_code = -1;
  std::string stderr_output;  // the last stderr_limit bytes
  bool stopped = false;       // ended because of `stop`
  bool timed_out = false;     // ended because of `timeout`
  bool cpu_limited = false;   // killed for passing `cpu_limit`
};

// Runs a program to completion (blocking) like run_process, but hands its stdout to the caller
// line by line while it runs and keeps stderr apart. Callbacks run on the calling thread; if one
// throws, the child is killed and reaped and the exception propagates.
StreamingResult run_process_streaming(const std::vector<std::string>& argv, const StreamingOptions& streaming,
                                      const ProcessOptions& options = {});

bool process_alive(int pid);

}  // namespace mc
