#include "s3_harness.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace mc::test {
namespace fs = std::filesystem;

namespace {

const fs::path kPackageDir = fs::path(MC_SOURCE_DIR) / "tests" / "s3";

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

std::string read_tail(const fs::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

class Running {
 public:
  Running() {
    if (!on_path("node")) {
      throw std::runtime_error(
          "node is not installed: the S3 tests need Node.js and s3rver (run scripts/setup.sh)");
    }
    if (!fs::exists(kPackageDir / "node_modules" / "s3rver" / "package.json") ||
        !fs::exists(kPackageDir / "node_modules" / "@smithy" / "signature-v4")) {
      throw std::runtime_error("s3rver is not installed: run `npm ci` in " + kPackageDir.string() +
                               " (scripts/setup.sh does it)");
    }
    std::string templ = (fs::temp_directory_path() / "mc-s3rver-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    info_.data_dir = dir_ / "data";
    fs::create_directories(info_.data_dir);
    start();
  }

  ~Running() {
    if (stdin_w_ >= 0) ::close(stdin_w_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  const S3Server& info() const { return info_; }

 private:
  void start() {
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    const fs::path log = dir_ / "server.log";
    const std::string script = (kPackageDir / "server.mjs").string();
    const std::string data = info_.data_dir.string();
    std::vector<std::string> argv{"node",
                                  "--openssl-legacy-provider",
                                  script,
                                  "--dir",
                                  data,
                                  "--region",
                                  info_.region,
                                  "--access-key",
                                  info_.access_key_id,
                                  "--secret",
                                  info_.secret_access_key};
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test binary
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) ::dup2(err, 2);
      ::syscall(SYS_close_range, 3U, ~0U, 0U);
      if (::chdir(kPackageDir.c_str()) != 0) ::_exit(126);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_w_ = in[1];

    // The server prints {"port": N} once it listens.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.find('\n') == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{out[0], POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[256];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    boost::system::error_code ec;
    const auto v = boost::json::parse(line.substr(0, line.find('\n')), ec);
    if (ec || !v.is_object() || !v.as_object().contains("port")) {
      throw std::runtime_error("the S3 test server did not start; its log:\n" + read_tail(log));
    }
    info_.port = static_cast<int>(v.as_object().at("port").to_number<int>());
  }

  fs::path dir_;
  S3Server info_;
  pid_t pid_ = -1;
  int stdin_w_ = -1;
};

}  // namespace

const S3Server& s3_server() {
  static std::once_flag once;
  static std::unique_ptr<Running> running;
  static std::string failure;
  std::call_once(once, [] {
    try {
      running = std::make_unique<Running>();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  if (!running) throw std::runtime_error(failure);
  return running->info();
}

std::string s3_server_get(const std::string& path) {
  const std::string url = "http://127.0.0.1:" + std::to_string(s3_server().port) + path;
  std::string body;
  CURL* h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(
      h, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* user) -> size_t {
        static_cast<std::string*>(user)->append(data, size * n);
        return size * n;
      });
  const CURLcode rc = curl_easy_perform(h);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) throw std::runtime_error(std::string("GET ") + url + ": " + curl_easy_strerror(rc));
  return body;
}

}  // namespace mc::test
