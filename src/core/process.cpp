#include "core/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mc {

namespace {
// The uid/gid a child drops to (ProcessOptions::run_as_user), looked up before forking.
std::pair<uid_t, gid_t> target_user(const ProcessOptions& options) {
  if (!options.run_as_user) return {0, 0};
  const passwd* pw = getpwnam(options.run_as_user->c_str());
  if (!pw) throw std::runtime_error("user " + *options.run_as_user + " does not exist");
  return {pw->pw_uid, pw->pw_gid};
}
}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run_process: empty argv");
  const auto [uid, gid] = target_user(options);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    if (options.new_session) setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (options.run_as_user) {
      if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(126);
    }
    execvp(args[0], args.data());
    const char* msg = "exec failed\n";
    (void)!write(2, msg, strlen(msg));
    _exit(127);
  }
  close(pipefd[1]);
  ProcessResult result;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(pipefd[0], buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

namespace {

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// With autogroup scheduling (Linux's default for desktops and many servers) a process in its own
// session is in its own scheduling group, where its nice value only ranks it against itself: the
// group's niceness, in /proc/<pid>/autogroup, is what ranks it against everything else. Any owner
// may set it from 0 to 19. Async-signal-safe (it runs in the child between fork and exec).
void set_autogroup_nice(const char* path, int value) {
  value = value < 0 ? 0 : value > 19 ? 19 : value;
  char text[4] = {0, 0, 0, 0};
  std::size_t n = 0;
  if (value >= 10) text[n++] = static_cast<char>('0' + value / 10);
  text[n++] = static_cast<char>('0' + value % 10);
  text[n++] = '\n';
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)!write(fd, text, n);
  close(fd);
}

// The child side of run_process_streaming: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(char* const* args, int out_w, int err_w, int fd3_w,
                             const ProcessOptions& options, int nice_increment, long cpu_limit_s, uid_t uid,
                             gid_t gid, pid_t parent) {
  // Lift the write ends above 3 first, so no dup2 below can overwrite another one.
  const int out = fcntl(out_w, F_DUPFD, 10);
  const int err = fcntl(err_w, F_DUPFD, 10);
  const int fd3 = fd3_w >= 0 ? fcntl(fd3_w, F_DUPFD, 10) : -1;
  if (out < 0 || err < 0 || (fd3_w >= 0 && fd3 < 0)) _exit(126);
  dup2(out, 1);
  dup2(err, 2);
  if (fd3 >= 0) dup2(fd3, 3);
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, 0);
  syscall(SYS_close_range, fd3 >= 0 ? 4U : 3U, ~0U, 0U);
  if (options.new_session) setsid();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  if (nice_increment > 0) {
    (void)!nice(nice_increment);
    if (options.new_session) set_autogroup_nice("/proc/self/autogroup", nice_increment);
  }
  if (cpu_limit_s > 0) {
    // Soft limit: SIGXCPU; the hard limit a second later: SIGKILL. No core dump of a killed tool.
    const rlimit cpu{static_cast<rlim_t>(cpu_limit_s), static_cast<rlim_t>(cpu_limit_s + 1)};
    const rlimit no_core{0, 0};
    if (setrlimit(RLIMIT_CPU, &cpu) != 0) _exit(126);
    (void)setrlimit(RLIMIT_CORE, &no_core);
  }
  if (options.run_as_user) {
    if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(126);
  }
  // A tool whose parent was killed (kill -9 of a worker) must not run on unsupervised. Set after
  // the credential change, which would clear it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(125);
  execvp(args[0], args);
  const char* msg = "exec failed\n";
  (void)!write(2, msg, strlen(msg));
  _exit(127);
}

}  // namespace

StreamingResult run_process_streaming(const std::vector<std::string>& argv, const StreamingOptions& streaming,
                                      const ProcessOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run_process_streaming: empty argv");
  const auto [uid, gid] = target_user(options);
  // [0] stdout, [1] stderr, [2] fd 3 (optional); each {read end, write end}.
  std::array<std::array<int, 2>, 3> pipes{{{-1, -1}, {-1, -1}, {-1, -1}}};
  const std::size_t pipe_count = streaming.on_fd3 ? 3 : 2;
  auto close_all = [&] {
    for (auto& p : pipes) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
  };
  for (std::size_t i = 0; i < pipe_count; ++i) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      close_all();
      throw std::runtime_error("pipe failed");
    }
    pipes[i] = {fds[0], fds[1]};
  }
  // Bulk data (decoded audio) flows through fd 3: a larger pipe means fewer wake-ups for both sides.
  if (pipe_count == 3) (void)fcntl(pipes[2][0], F_SETPIPE_SZ, 1 << 20);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close_all();
    throw std::runtime_error("fork failed");
  }
  if (pid == 0)
    exec_child(args.data(), pipes[0][1], pipes[1][1], pipes[2][1], options, streaming.nice,
               static_cast<long>(streaming.cpu_limit.count()), uid, gid, parent);
  for (auto& p : pipes) close_fd(p[1]);

  const pid_t target = options.new_session ? -pid : pid;  // the whole group when it has its own
  bool reaped = false;
  int status = 0;
  rusage usage{};
  auto reap = [&] {
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    reaped = true;
  };

  StreamingResult result;
  try {
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    std::optional<Clock::time_point> term_sent;
    const bool watch = streaming.stop.stop_possible() || streaming.timeout.count() > 0 || streaming.renice;
    errno = 0;
    const int own_nice = getpriority(PRIO_PROCESS, 0);
    int child_nice = streaming.nice;
    std::string line_buf;
    std::array<char, 65536> buf;
    for (;;) {
      std::array<pollfd, 3> pfds{};
      nfds_t n = 0;
      std::array<std::size_t, 3> which{};
      for (std::size_t i = 0; i < pipe_count; ++i) {
        if (pipes[i][0] < 0) continue;
        pfds[n] = pollfd{pipes[i][0], POLLIN, 0};
        which[n++] = i;
      }
      if (n == 0) break;
      if (watch) {
        const auto now = Clock::now();
        if (!term_sent && (streaming.stop.stop_requested() ||
                           (streaming.timeout.count() > 0 && now - started >= streaming.timeout))) {
          result.stopped = streaming.stop.stop_requested();
          result.timed_out = !result.stopped;
          kill(target, SIGTERM);
          term_sent = now;
        } else if (term_sent && now - *term_sent >= std::chrono::seconds(2)) {
          kill(target, SIGKILL);
        }
        // Not yet reaped, so `pid` is still our child.
        if (streaming.renice && !reaped) {
          const int wanted = streaming.renice->load();
          if (wanted != child_nice) {
            (void)setpriority(PRIO_PROCESS, static_cast<id_t>(pid), std::clamp(own_nice + wanted, -20, 19));
            if (options.new_session) {
              set_autogroup_nice(("/proc/" + std::to_string(pid) + "/autogroup").c_str(), wanted);
            }
            child_nice = wanted;
          }
        }
      }
      const int ready = poll(pfds.data(), n, watch ? 100 : -1);
      if (ready < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("poll failed");
      }
      for (nfds_t k = 0; k < n; ++k) {
        if (pfds[k].revents == 0) continue;
        const std::size_t i = which[k];
        const ssize_t got = read(pipes[i][0], buf.data(), buf.size());
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got <= 0) {
          close_fd(pipes[i][0]);
          continue;
        }
        const std::string_view chunk(buf.data(), static_cast<std::size_t>(got));
        if (i == 0) {
          if (!streaming.on_stdout_line) continue;
          line_buf.append(chunk);
          std::size_t start = 0;
          for (std::size_t nl; (nl = line_buf.find('\n', start)) != std::string::npos; start = nl + 1) {
            std::string_view line(line_buf.data() + start, nl - start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            streaming.on_stdout_line(line);
          }
          line_buf.erase(0, start);
        } else if (i == 1) {
          result.stderr_output.append(chunk);
          if (result.stderr_output.size() > 2 * streaming.stderr_limit) {
            result.stderr_output.erase(0, result.stderr_output.size() - streaming.stderr_limit);
          }
        } else {
          streaming.on_fd3(chunk);
        }
      }
    }
    if (!line_buf.empty() && streaming.on_stdout_line) streaming.on_stdout_line(line_buf);
    reap();
  } catch (...) {
    kill(target, SIGKILL);
    close_all();
    if (!reaped) reap();
    throw;
  }
  if (result.stderr_output.size() > streaming.stderr_limit) {
    result.stderr_output.erase(0, result.stderr_output.size() - streaming.stderr_limit);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // Decided from the CPU time the child used as well as from how it ended: ffmpeg catches SIGXCPU
  // and exits in an orderly way (status 255). The kernel checks the limit once per tick, and
  // rusage rounds, so "used" may read a little under the limit.
  if (streaming.cpu_limit.count() > 0 && !result.stopped && !result.timed_out && result.exit_code != 0) {
    const double used = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                        static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    const bool xcpu = WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU;
    result.cpu_limited = xcpu || used + 0.1 >= static_cast<double>(streaming.cpu_limit.count());
  }
  return result;
}

bool process_alive(int pid) {
  return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

}  // namespace mc
