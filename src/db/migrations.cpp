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
      out.push_back(Migration{parse_version(f.name), std::string(f.name), f.contents});
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < out.size(); ++i) {
      if (out[i].version == out[i - 1].version) throw std::logic_error("duplicate migration version");
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

asio::awaitable<int> migrate(Connection& conn) {
  co_await conn.exec_script("SELECT pg_advisory_lock(" + std::string(kLockKey) + ")");
  std::exception_ptr failure;
  int ran = 0;
  try {
    co_await conn.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    const int current = co_await applied_version(conn);
    if (current > latest_known_version()) {
      throw std::runtime_error("database schema version " + std::to_string(current) +
                               " is newer than this binary knows (" + std::to_string(latest_known_version()) +
                               "); refusing to run");
    }
    for (const auto& m : known_migrations()) {
      if (m.version <= current) continue;
      log::info("applying migration", {{"version", m.version}, {"name", m.name}});
      co_await conn.exec_script("BEGIN;\n" + std::string(m.sql) +
                                "\n;INSERT INTO schema_migrations (version, name) VALUES (" +
                                std::to_string(m.version) + ", '" + m.name + "');\nCOMMIT;");
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
