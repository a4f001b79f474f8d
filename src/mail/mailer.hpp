#pragma once
#include <boost/json/array.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "core/config.hpp"

namespace mc::mail {

struct Email {
  std::string to;
  std::string subject;
  std::string body;
};

// Sends email. Blocking: call through mc::offload, never on an event loop.
class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual void send(const Email& email) = 0;
};

// SMTP via libcurl when SMTP_URL is set; otherwise the development mail sink (JSON files).
std::unique_ptr<Mailer> make_mailer(const Config& config);

// The sink's messages, newest first (development only).
boost::json::array list_sink(const std::filesystem::path& var_dir, std::size_t limit = 100);

}  // namespace mc::mail
