#include "http/context.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "core/error.hpp"
#include "core/json.hpp"

namespace mc::http {

std::string_view Context::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> Context::query_param(std::string_view name) const {
  const std::string ref = "?" + std::string(query);
  auto parsed = boost::urls::parse_relative_ref(ref);
  if (!parsed) return std::nullopt;
  for (auto p : parsed->params()) {
    if (p.key != name) continue;
    // A decoded %00 would reach SQL cut short; no query parameter is multi-line text.
    if (json::has_control_characters(p.value, false)) {
      throw ApiError(400, "invalid_query", "Query parameters are invalid",
                     {{std::string(name), "must not contain control characters"}});
    }
    return std::string(p.value);
  }
  return std::nullopt;
}

const AccessClaims& Context::require_auth() const {
  if (auth) return *auth;
  if (auth_error) {
    throw ApiError(401, "invalid_token", std::string("Access token refused: ") + to_string(*auth_error))
        .with_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  }
  throw ApiError(401, "unauthorized", "Authentication required").with_header("WWW-Authenticate", "Bearer");
}

std::optional<AccessClaims> Context::optional_auth() const {
  if (auth_error) require_auth();
  return auth;
}

}  // namespace mc::http
