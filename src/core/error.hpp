#pragma once
#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mc {

// The one error type for requests: mapped to SPEC §5's envelope by the HTTP layer.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message, boost::json::object details = {})
      : std::runtime_error(message), status_(status), code_(std::move(code)), details_(std::move(details)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const boost::json::object& details() const { return details_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

  ApiError& with_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  static ApiError not_found(const std::string& what = "Not found") { return {404, "not_found", what}; }
  static ApiError validation(boost::json::object details) {
    return {400, "validation_failed", "Request body is invalid", std::move(details)};
  }
  static ApiError unavailable(const std::string& message) { return {503, "unavailable", message}; }

 private:
  int status_;
  std::string code_;
  boost::json::object details_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace mc
