#pragma once
#include <optional>

#include "core/error.hpp"
#include "db/result.hpp"

namespace mc::http {

// The client's answer for a database error no handler turned into an ApiError, when the request
// caused it: a unique violation (23505: it already exists, e.g. a concurrent duplicate) or a
// foreign-key violation (23503: what it refers to is gone) is 409 conflict, never a 500; a value
// PostgreSQL cannot represent (22P02 and kin: a malformed uuid, an out-of-range number or time,
// NUL in text) is 400 invalid_input. nullopt for everything else (a server fault).
std::optional<ApiError> client_error_of(const db::DbError& error);

}  // namespace mc::http
