#include "http/db_errors.hpp"

namespace mc::http {

std::optional<ApiError> client_error_of(const db::DbError& error) {
  if (error.sqlstate() == "23505") {
    return ApiError(409, "conflict",
                    "This conflicts with something that already exists; reload and try again");
  }
  if (error.sqlstate() == "23503") {
    return ApiError(409, "conflict", "This refers to something that no longer exists; reload and try again");
  }
  return std::nullopt;
}

}  // namespace mc::http
