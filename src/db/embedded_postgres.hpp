#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mc::db {

// The private PostgreSQL the server owns when DATABASE_URL is unset: initialised on first run under
// VAR_DIR/pg, reached over a unix socket only, stopped on exit. An instance left running by a
// killed server is detected through postmaster.pid and stopped before a clean start.
class EmbeddedPostgres {
 public:
  explicit EmbeddedPostgres(const std::filesystem::path& var_dir);
  ~EmbeddedPostgres();
  EmbeddedPostgres(const EmbeddedPostgres&) = delete;
  EmbeddedPostgres& operator=(const EmbeddedPostgres&) = delete;

  // Blocking: initdb if needed, start, create the database. Returns the libpq URL.
  std::string start(const std::string& database = "musicconnect");
  void stop();

  const std::filesystem::path& data_dir() const { return data_; }
  const std::string& url() const { return url_; }
  const std::filesystem::path& socket_dir() const { return socket_dir_; }
  // URL of another database on this instance.
  std::string url_for(const std::string& database) const;
  // The user PostgreSQL's tools run as (set when we are root).
  const std::optional<std::string>& run_as() const { return run_as_; }

 private:
  std::vector<std::string> pg(const std::string& tool) const;
  void run(const std::vector<std::string>& argv, const std::string& what) const;
  void prepare_directories();
  void initdb();
  void write_settings();
  void stop_orphan();
  void create_database(const std::string& database);

  std::filesystem::path root_, data_, socket_dir_, log_file_;
  std::string bin_dir_;
  std::optional<std::string> run_as_;
  std::string url_;
  bool running_ = false;
};

// Directory holding initdb/pg_ctl/postgres (PG_BIN_DIR, else Debian's /usr/lib/postgresql/N/bin).
std::string find_postgres_bin_dir();

}  // namespace mc::db
