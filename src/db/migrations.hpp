#pragma once
#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"

namespace mc::db {

struct Migration {
  int version;
  std::string name;
  std::string_view sql;
};

// The migrations compiled into this binary, ordered by version ("0001_name.sql" → 1).
const std::vector<Migration>& known_migrations();
int latest_known_version();

// Highest applied version (0 on an empty database).
boost::asio::awaitable<int> applied_version(Connection& conn);

// Applies pending migrations under an advisory lock, each in its own transaction. Refuses (throws)
// when the database already has a version newer than this binary knows. Returns how many ran.
boost::asio::awaitable<int> migrate(Connection& conn);

}  // namespace mc::db
