#include "db/embedded_postgres.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/process.hpp"

namespace mc::db {
namespace fs = std::filesystem;

namespace {

constexpr int kPort = 5432;  // only names the socket file inside our private directory

void chown_tree(const fs::path& root, const std::string& user) {
  const passwd* pw = getpwnam(user.c_str());
  if (!pw) throw std::runtime_error("user " + user + " does not exist (install postgresql)");
  auto own = [&](const fs::path& p) {
    if (lchown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("cannot chown " + p.string());
    }
  };
  own(root);
  if (!fs::is_directory(root)) return;
  for (const auto& entry : fs::recursive_directory_iterator(root)) own(entry.path());
}

}  // namespace

std::string find_postgres_bin_dir() {
  if (const char* dir = std::getenv("PG_BIN_DIR"); dir && *dir) return dir;
  for (const char* v : {"17", "16", "15"}) {
    std::string dir = std::string("/usr/lib/postgresql/") + v + "/bin";
    if (fs::exists(dir + "/pg_ctl")) return dir;
  }
  throw std::runtime_error("PostgreSQL server binaries not found (install postgresql-15 or set PG_BIN_DIR)");
}

EmbeddedPostgres::EmbeddedPostgres(const fs::path& var_dir) {
  root_ = fs::absolute(var_dir / "pg").lexically_normal();
  data_ = root_ / "data";
  log_file_ = root_ / "log" / "postgres.log";
  socket_dir_ = root_ / "run";
  // A unix socket path must fit in 107 bytes; deep checkouts get a short directory under /tmp.
  if (socket_dir_.string().size() > 90) {
    socket_dir_ = fs::path("/tmp") / ("mc-pg-" + to_hex(sha256(root_.string())).substr(0, 16));
  }
  bin_dir_ = find_postgres_bin_dir();
  if (geteuid() == 0) run_as_ = "postgres";  // PostgreSQL refuses to run as root
}

EmbeddedPostgres::~EmbeddedPostgres() {
  try {
    stop();
  } catch (const std::exception& e) {
    log::error("stopping embedded PostgreSQL failed", {{"error", e.what()}});
  }
}

std::vector<std::string> EmbeddedPostgres::pg(const std::string& tool) const {
  return {bin_dir_ + "/" + tool};
}

void EmbeddedPostgres::run(const std::vector<std::string>& argv, const std::string& what) const {
  const auto r = run_process(argv, ProcessOptions{.run_as_user = run_as_});
  if (r.exit_code != 0) {
    throw std::runtime_error(what + " failed (exit " + std::to_string(r.exit_code) + "): " + r.output);
  }
}

void EmbeddedPostgres::prepare_directories() {
  fs::create_directories(root_ / "log");
  fs::create_directories(socket_dir_);
  fs::permissions(root_, fs::perms::owner_all, fs::perm_options::replace);
  if (run_as_) {
    chown_tree(root_, *run_as_);
    chown_tree(socket_dir_, *run_as_);
    // The parent chain must be traversable by the postgres user.
    for (fs::path p = root_.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
      if (access(p.c_str(), F_OK) == 0 &&
          (fs::status(p).permissions() & fs::perms::others_exec) == fs::perms::none) {
        throw std::runtime_error("the embedded PostgreSQL runs as user postgres and cannot enter " +
                                 p.string() + " (make it traversable: chmod o+x)");
      }
    }
  }
}

void EmbeddedPostgres::initdb() {
  if (fs::exists(data_ / "PG_VERSION")) return;
  log::info("initialising embedded PostgreSQL", {{"data_dir", data_.string()}});
  auto argv = pg("initdb");
  argv.insert(argv.end(), {"-D", data_.string(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                           "--locale=C.UTF-8", "--no-instructions"});
  run(argv, "initdb");
  std::ofstream conf(data_ / "postgresql.conf", std::ios::app);
  conf << "\ninclude_if_exists = 'musicconnect.conf'\n";
}

void EmbeddedPostgres::write_settings() {
  const fs::path file = data_ / "musicconnect.conf";
  std::ofstream out(file, std::ios::trunc);
  out << "# Written by musicconnect at every start.\n"
      << "listen_addresses = ''\n"
      << "unix_socket_directories = '" << socket_dir_.string() << "'\n"
      << "port = " << kPort << "\n"
      << "max_connections = 300\n"
      << "shared_buffers = '128MB'\n"
      << "wal_level = replica\n";
  out.close();
  if (run_as_) chown_tree(file, *run_as_);
}

void EmbeddedPostgres::stop_orphan() {
  const fs::path pidfile = data_ / "postmaster.pid";
  if (!fs::exists(pidfile)) return;
  std::ifstream in(pidfile);
  int pid = 0;
  in >> pid;
  if (!process_alive(pid)) return;  // stale file: PostgreSQL cleans it up itself
  log::warn("stopping PostgreSQL left running by a previous server", {{"pid", pid}});
  auto argv = pg("pg_ctl");
  argv.insert(argv.end(), {"stop", "-D", data_.string(), "-m", "fast", "-w", "-t", "60"});
  run(argv, "pg_ctl stop (orphan)");
}

void EmbeddedPostgres::create_database(const std::string& database) {
  const std::string admin = url_for("postgres");
  PGconn* c = PQconnectdb(admin.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string err = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect to embedded PostgreSQL: " + err);
  }
  const char* values[] = {database.c_str()};
  PGresult* r = PQexecParams(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, nullptr, values, nullptr,
                             nullptr, 0);
  const bool exists = PQntuples(r) > 0;
  PQclear(r);
  if (!exists) {
    char* ident = PQescapeIdentifier(c, database.c_str(), database.size());
    r = PQexec(c, (std::string("CREATE DATABASE ") + ident).c_str());
    PQfreemem(ident);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) {
      PQfinish(c);
      throw std::runtime_error("CREATE DATABASE failed: " + err);
    }
  }
  PQfinish(c);
}

std::string EmbeddedPostgres::start(const std::string& database) {
  prepare_directories();
  initdb();
  stop_orphan();
  write_settings();
  auto argv = pg("pg_ctl");
  argv.insert(argv.end(), {"start", "-D", data_.string(), "-l", log_file_.string(), "-w", "-t", "60"});
  run(argv, "pg_ctl start (see " + log_file_.string() + ")");
  running_ = true;
  create_database(database);
  url_ = url_for(database);
  std::ofstream(root_ / "url", std::ios::trunc) << url_ << "\n";
  log::info("embedded PostgreSQL ready",
            {{"data_dir", data_.string()}, {"socket_dir", socket_dir_.string()}});
  return url_;
}

std::string EmbeddedPostgres::url_for(const std::string& database) const {
  return "postgresql:///" + database + "?host=" + socket_dir_.string() + "&port=" + std::to_string(kPort) +
         "&user=postgres";
}

void EmbeddedPostgres::stop() {
  if (!running_) return;
  running_ = false;
  auto argv = pg("pg_ctl");
  argv.insert(argv.end(), {"stop", "-D", data_.string(), "-m", "fast", "-w", "-t", "60"});
  run(argv, "pg_ctl stop");
  log::info("embedded PostgreSQL stopped");
}

}  // namespace mc::db
