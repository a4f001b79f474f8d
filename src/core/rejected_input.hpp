#pragma once
#include <stdexcept>
#include <string>
#include <utility>

namespace mc {

// Input refused for what it is (the client's fault), thrown by code below the HTTP layer that knows
// nothing of HTTP, such as media probing. The HTTP pipeline answers it as an error envelope with
// status(), code() and the message; a derived type picks the status (media::InvalidMedia: 415 or
// 422). Requests that fail for other reasons throw ApiError (core/error.hpp) or their own errors.
class RejectedInput : public std::runtime_error {
 public:
  RejectedInput(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}

  // stable snake_case, the envelope's `code`
  const std::string& code() const { return code_; }
  // the HTTP status the API answers with
  virtual int status() const { return 422; }

 private:
  std::string code_;
};

}  // namespace mc
