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
  // The oldest binary (by the latest migration it knows) that still works once this one is applied.
  // By default the previous release's: migrations are additive for one release (expand, deploy,
  // then contract — docs/operations.md "Schema changes"), so during a rolling or canary deploy the
  // old pods keep serving on the new schema, and a rollback runs on it too. A migration that breaks
  // older binaries says so on a line of its own: `-- oldest-compatible-binary: <version>`.
  int oldest_compatible;
};

// The migrations compiled into this binary, ordered by version ("0001_name.sql" → 1).
const std::vector<Migration>& known_migrations();
int latest_known_version();

// Highest applied version (0 on an empty database).
boost::asio::awaitable<int> applied_version(Connection& conn);

// Where the database's schema stands for this binary. `compatible`: this binary can serve on it —
// the versions match, or every migration past what it knows declared (in schema_migrations) that a
// binary of `expected` still works. A schema behind the binary is not compatible (run migrate).
struct SchemaState {
  int applied = 0;
  int expected = 0;
  bool compatible = false;
  bool ahead() const { return applied > expected; }
};
boost::asio::awaitable<SchemaState> schema_state(Connection& conn);

// Applies pending migrations under an advisory lock, each in its own transaction. A database ahead
// of this binary is left as it is when its newer migrations declared this binary compatible, and
// refused (throws) otherwise. Returns how many ran.
boost::asio::awaitable<int> migrate(Connection& conn);

}  // namespace mc::db
