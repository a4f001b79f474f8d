#include "db/migrations.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "core/embedded_file.hpp"
#include "core/log.hpp"

namespace mc::db {
namespace asio = boost::asio;

namespace {

constexpr std::string_view kLockKey = "7236930216104227";  // "musicconnect migrations"
constexpr Query kTableExists{"migrations_table_exists",
                             "SELECT to_regclass('public.schema_migrations') IS NOT NULL"};
constexpr Query kMaxVersion{"migrations_max_version",
                            "SELECT coalesce(max(version), 0) FROM schema_migrations"};
// Migrations past what this binary knows that do not declare it compatible (an undeclared one, from
// before the column, counts as incompatible).
constexpr Query kIncompatibleAhead{"migrations_incompatible_ahead",
                                   "SELECT count(*) FROM schema_migrations WHERE version > $1::int"
                                   " AND (oldest_compatible IS NULL OR oldest_compatible > $1::int)"};
constexpr std::string_view kCompatMarker = "-- oldest-compatible-binary:";

// The declared oldest compatible binary, or `fallback` when the migration does not declare one.
int declared_compatibility(std::string_view file, std::string_view sql, int version, int fallback) {
  const auto at = sql.find(kCompatMarker);
  if (at == std::string_view::npos) return fallback;
  std::size_t i = at + kCompatMarker.size();
  while (i < sql.size() && sql[i] == ' ') ++i;
  int v = 0;
  const std::size_t start = i;
  for (; i < sql.size() && sql[i] >= '0' && sql[i] <= '9'; ++i) v = v * 10 + (sql[i] - '0');
  if (i == start || v > version) {
    throw std::logic_error("migration " + std::string(file) + ": " + std::string(kCompatMarker) +
                           " needs a version at most the migration's own");
  }
  return v;
}

int parse_version(std::string_view file) {
  int v = 0;
  std::size_t i = 0;
  for (; i < file.size() && file[i] >= '0' && file[i] <= '9'; ++i) v = v * 10 + (file[i] - '0');
  if (i == 0 || i >= file.size() || file[i] != '_') {
    throw std::logic_error("migration file name must start with a version: " + std::string(file));
  }
  for (char c : file) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) {
      throw std::logic_error("migration file name has unsafe characters: " + std::string(file));
    }
  }
  return v;
}

}  // namespace

const std::vector<Migration>& known_migrations() {
  static const std::vector<Migration> all = [] {
    std::vector<Migration> out;
    for (const auto& f : embedded_migrations()) {
      out.push_back(Migration{parse_version(f.name), std::string(f.name), f.contents, 0});
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (i > 0 && out[i].version == out[i - 1].version)
        throw std::logic_error("duplicate migration version");
      const int previous = i > 0 ? out[i - 1].version : 0;
      out[i].oldest_compatible = declared_compatibility(out[i].name, out[i].sql, out[i].version, previous);
    }
    return out;
  }();
  return all;
}

int latest_known_version() {
  const auto& all = known_migrations();
  return all.empty() ? 0 : all.back().version;
}

asio::awaitable<int> applied_version(Connection& conn) {
  const Result exists = co_await conn.exec(kTableExists);
  if (!exists.boolean(0, 0)) co_return 0;
  const Result r = co_await conn.exec(kMaxVersion);
  co_return static_cast<int>(r.int64(0, 0));
}

asio::awaitable<SchemaState> schema_state(Connection& conn) {
  SchemaState state;
  state.expected = latest_known_version();
  state.applied = co_await applied_version(conn);
  if (state.applied == state.expected) {
    state.compatible = true;
  } else if (state.applied > state.expected) {
    const Result r = co_await conn.exec(kIncompatibleAhead, params(state.expected));
    state.compatible = r.int64(0, 0) == 0;
  }
  co_return state;
}

asio::awaitable<int> migrate(Connection& conn) {
  co_await conn.exec_script("SELECT pg_advisory_lock(" + std::string(kLockKey) + ")");
  std::exception_ptr failure;
  int ran = 0;
  try {
    co_await conn.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now());"
        "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS oldest_compatible integer");
    const SchemaState state = co_await schema_state(conn);
    if (state.ahead()) {
      if (!state.compatible) {
        throw std::runtime_error("database schema version " + std::to_string(state.applied) +
                                 " is newer than this binary knows (" + std::to_string(state.expected) +
                                 ") and a newer migration does not run with it; refusing to run");
      }
      log::warn(
          "database schema is ahead of this binary; its newer migrations declare this binary compatible",
          {{"applied", state.applied}, {"expected", state.expected}});
    }
    for (const auto& m : known_migrations()) {
      if (m.version <= state.applied) continue;
      log::info("applying migration", {{"version", m.version}, {"name", m.name}});
      co_await conn.exec_script(
          "BEGIN;\n" + std::string(m.sql) +
          "\n;INSERT INTO schema_migrations (version, name, oldest_compatible) VALUES (" +
          std::to_string(m.version) + ", '" + m.name + "', " + std::to_string(m.oldest_compatible) +
          ");\nCOMMIT;");
      ++ran;
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure && conn.in_transaction()) co_await conn.exec_script("ROLLBACK");
  co_await conn.exec_script("SELECT pg_advisory_unlock(" + std::string(kLockKey) + ")");
  if (failure) std::rethrow_exception(failure);
  co_return ran;
}

}  // namespace mc::db
