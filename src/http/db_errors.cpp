#include "http/db_errors.hpp"

#include <string_view>

namespace mc::http {

std::optional<ApiError> client_error_of(const db::DbError& error) {
  if (error.sqlstate() == "23505") {
    return ApiError(409, "conflict",
                    "This conflicts with something that already exists; reload and try again");
  }
  if (error.sqlstate() == "23503") {
    return ApiError(409, "conflict", "This refers to something that no longer exists; reload and try again");
  }
  // A value the request carried that PostgreSQL cannot represent (a uuid, number, time or text a
  // handler failed to validate): the request is wrong, whatever check was missing.
  static constexpr std::string_view kBadValues[] = {"22P02", "22003", "22007", "22008", "22021", "22P05"};
  for (const auto code : kBadValues) {
    if (error.sqlstate() == code)
      return ApiError(400, "invalid_input", "A value in the request is not valid");
  }
  return std::nullopt;
}

}  // namespace mc::http
