#include "mail/mailer.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace mc::mail {
namespace fs = std::filesystem;
namespace bj = boost::json;

namespace {

bool header_safe(const std::string& s) {
  return s.find('\r') == std::string::npos && s.find('\n') == std::string::npos;
}

class FileSinkMailer final : public Mailer {
 public:
  explicit FileSinkMailer(fs::path dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }

  void send(const Email& email) override {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    const std::string id = std::to_string(micros) + "-" + fast_random_hex(4);
    bj::object msg{{"id", id},
                   {"to", email.to},
                   {"subject", email.subject},
                   {"body", email.body},
                   {"createdAt", log::now_iso8601()}};
    const fs::path tmp = dir_ / (id + ".tmp");
    std::ofstream(tmp) << mc::json::serialize(msg);
    fs::rename(tmp, dir_ / (id + ".json"));
    log::info("mail written to sink", {{"to", email.to}, {"subject", email.subject}});
  }

 private:
  fs::path dir_;
};

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(std::string url, std::string from) : url_(std::move(url)), from_(std::move(from)) {}

  void send(const Email& email) override {
    if (!header_safe(email.to) || !header_safe(email.subject)) {
      throw std::invalid_argument("email header contains a line break");
    }
    std::string message = "From: " + from_ + "\r\nTo: " + email.to + "\r\nSubject: " + email.subject +
                          "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
                          email.body + "\r\n";
    std::size_t offset = 0;
    struct Source {
      const std::string* data;
      std::size_t* offset;
    } source{&message, &offset};
    CURL* curl = curl_easy_init();
    if (!curl) throw std::runtime_error("curl_easy_init failed");
    curl_slist* rcpt = curl_slist_append(nullptr, ("<" + email.to + ">").c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + from_ + ">").c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_READDATA, &source);
    curl_easy_setopt(
        curl, CURLOPT_READFUNCTION, +[](char* buf, size_t size, size_t n, void* user) -> size_t {
          auto* s = static_cast<Source*>(user);
          const size_t room = size * n;
          const size_t left = s->data->size() - *s->offset;
          const size_t take = std::min(room, left);
          std::memcpy(buf, s->data->data() + *s->offset, take);
          *s->offset += take;
          return take;
        });
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) throw std::runtime_error(std::string("SMTP send failed: ") + curl_easy_strerror(rc));
  }

 private:
  std::string url_;
  std::string from_;
};

}  // namespace

std::unique_ptr<Mailer> make_mailer(const Config& config) {
  if (!config.smtp_url.empty()) return std::make_unique<SmtpMailer>(config.smtp_url, config.smtp_from);
  return std::make_unique<FileSinkMailer>(fs::path(config.var_dir) / "mail");
}

bj::array list_sink(const fs::path& var_dir, std::size_t limit) {
  std::vector<fs::path> files;
  const fs::path dir = var_dir / "mail";
  if (fs::exists(dir)) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end(), std::greater<>());
  bj::array out;
  for (const auto& f : files) {
    if (out.size() >= limit) break;
    std::ifstream in(f);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    auto v = bj::parse(text, ec);
    if (!ec) out.push_back(std::move(v));
  }
  return out;
}

}  // namespace mc::mail
