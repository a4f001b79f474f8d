#include "http/context.hpp"

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

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
  // The query alone, not "?" + query as a relative reference: a '#' in it is then invalid, where
  // Boost.URL 1.81's parameter iterator read past the end of "?#…" (an empty query followed by a
  // fragment; found by fuzzing). parse_query measures its input with strlen (Boost.URL 1.81), so
  // it gets a NUL-terminated copy, never a view into the request line. '+' decodes to a space,
  // as url_view::params() does.
  const std::string text(query);
  if (!boost::urls::parse_query(text)) return std::nullopt;
  for (auto p : boost::urls::params_view(text, boost::urls::encoding_opts{true, false, false})) {
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
