#include "pg_harness.hpp"

#include <libpq-fe.h>
#include <sys/stat.h>

#include <atomic>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "db/migrations.hpp"

namespace mc::test {

std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  chmod(templ.c_str(), 0755);  // the postgres user must be able to enter it
  return templ;
}

void exec_sql(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string err = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("connect failed: " + err);
  }
  PGresult* r = PQexec(c, sql.c_str());
  const auto status = PQresultStatus(r);
  std::string err = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error(sql + ": " + err);
}

namespace {

struct Primary {
  std::filesystem::path dir = make_temp_dir("mc-it-primary");
  db::EmbeddedPostgres pg{dir};
  Primary() {
    log::init("warn");
    crypto_init();
    pg.start("mc_template");
    asio::io_context io;
    run(io, [&]() -> asio::awaitable<void> {
      auto conn = co_await db::Connection::open(io.get_executor(), pg.url_for("mc_template"),
                                                std::chrono::seconds(10));
      co_await db::migrate(*conn);
    }());
  }
  ~Primary() {
    pg.stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

db::EmbeddedPostgres& primary() {
  static Primary p;
  return p.pg;
}

std::string fresh_database() {
  static std::atomic<int> counter{0};
  const std::string name = "t_" + fast_random_hex(4) + "_" + std::to_string(counter++);
  exec_sql(primary().url_for("postgres"), "CREATE DATABASE " + name + " TEMPLATE mc_template");
  return primary().url_for(name);
}

}  // namespace mc::test
