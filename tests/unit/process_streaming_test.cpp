// run_process_streaming: output line by line while the child runs, fd 3 bulk data, stop and timeout.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/process.hpp"

using namespace mc;

namespace {

TEST(ProcessStreaming, delivers_stdout_lines_and_keeps_stderr_apart) {
  std::vector<std::string> lines;
  StreamingOptions options;
  options.on_stdout_line = [&](std::string_view line) { lines.emplace_back(line); };
  const auto r = run_process_streaming(
      {"sh", "-c", "printf 'one\\ntwo\\r\\n'; echo oops >&2; printf 'last'; exit 3"}, options);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "last"}));
  EXPECT_EQ(r.stderr_output, "oops\n");
  EXPECT_FALSE(r.stopped);
  EXPECT_FALSE(r.timed_out);
}

TEST(ProcessStreaming, lines_arrive_while_the_child_still_runs) {
  std::vector<std::chrono::steady_clock::time_point> seen;
  StreamingOptions options;
  options.on_stdout_line = [&](std::string_view) { seen.push_back(std::chrono::steady_clock::now()); };
  run_process_streaming({"sh", "-c", "echo a; sleep 0.3; echo b"}, options);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_GE(seen[1] - seen[0], std::chrono::milliseconds(200));
}

TEST(ProcessStreaming, fd3_carries_bulk_bytes_to_the_caller) {
  std::size_t bytes = 0;
  StreamingOptions options;
  options.on_fd3 = [&](std::string_view chunk) { bytes += chunk.size(); };
  const auto r = run_process_streaming({"sh", "-c", "head -c 3000000 /dev/zero >&3; echo done"}, options);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(bytes, 3000000u);
}

TEST(ProcessStreaming, without_a_reader_fd3_is_closed_in_the_child) {
  const auto r = run_process_streaming({"sh", "-c", "echo x >&3"}, {});
  EXPECT_NE(r.exit_code, 0);
}

TEST(ProcessStreaming, timeout_terminates_the_child) {
  StreamingOptions options;
  options.timeout = std::chrono::milliseconds(200);
  const auto started = std::chrono::steady_clock::now();
  const auto r = run_process_streaming({"sleep", "30"}, options);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(ProcessStreaming, stop_token_terminates_the_child) {
  std::stop_source stop;
  StreamingOptions options;
  options.stop = stop.get_token();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request_stop();
  });
  const auto r = run_process_streaming({"sleep", "30"}, options);
  stopper.join();
  EXPECT_TRUE(r.stopped);
}

TEST(ProcessStreaming, a_throwing_callback_kills_and_reaps_the_child) {
  StreamingOptions options;
  options.on_stdout_line = [](std::string_view) { throw std::runtime_error("enough"); };
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(run_process_streaming({"sh", "-c", "echo hi; sleep 30"}, options), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(ProcessStreaming, nice_and_renice_reach_the_child) {
  std::atomic<int> level{7};
  std::string seen;
  StreamingOptions options;
  options.nice = 7;
  options.renice = &level;
  options.on_stdout_line = [&](std::string_view line) {
    seen += std::string(line) + " ";
    if (line == "7") level = 9;  // raise it further: allowed without privileges
  };
  // Prints its niceness (field 19 of /proc/self/stat) now and after the parent had time to renice.
  run_process_streaming({"sh", "-c", "cut -d' ' -f19 /proc/$$/stat; sleep 0.4; cut -d' ' -f19 /proc/$$/stat"},
                        options);
  EXPECT_EQ(seen, "7 9 ");
}

TEST(ProcessStreaming, a_missing_program_exits_127) {
  const auto r = run_process_streaming({"/nonexistent/tool"}, {});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.stderr_output.find("exec failed"), std::string::npos);
}

}  // namespace

TEST(ProcessStreamingCpuLimit, the_child_runs_under_rlimit_cpu) {
  std::vector<std::string> lines;
  StreamingOptions options;
  options.cpu_limit = std::chrono::seconds(7);
  options.on_stdout_line = [&](std::string_view line) { lines.emplace_back(line); };
  const auto r = run_process_streaming({"sh", "-c", "ulimit -St; ulimit -Ht"}, options);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(lines, (std::vector<std::string>{"7", "8"}));  // SIGXCPU at 7 s, SIGKILL at 8 s
  EXPECT_FALSE(r.cpu_limited);
}

TEST(ProcessStreamingCpuLimit, a_busy_child_is_ended_at_the_limit_and_says_so) {
  StreamingOptions options;
  options.cpu_limit = std::chrono::seconds(1);
  options.timeout = std::chrono::seconds(120);  // a backstop only: the CPU limit ends it
  const auto r = run_process_streaming({"sh", "-c", "while :; do :; done"}, options);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.cpu_limited);
  EXPECT_FALSE(r.timed_out);
}
