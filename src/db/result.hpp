#pragma once
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mc::db {

// A failed statement, with PostgreSQL's SQLSTATE and (for constraint errors) the constraint name.
class DbError : public std::runtime_error {
 public:
  DbError(const std::string& message, std::string sqlstate = {}, std::string constraint = {})
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)), constraint_(std::move(constraint)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& constraint() const { return constraint_; }
  bool unique_violation() const { return sqlstate_ == "23505"; }

 private:
  std::string sqlstate_;
  std::string constraint_;
};

// The database could not be reached or a connection could not be had in time.
class Unavailable : public DbError {
 public:
  using DbError::DbError;
};

// Rows of one statement, text format.
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* r) : res_(r, &PQclear) {}

  int rows() const { return res_ ? PQntuples(res_.get()) : 0; }
  int columns() const { return res_ ? PQnfields(res_.get()) : 0; }
  // Skipped because an earlier statement of the same pipeline segment failed.
  bool pipeline_aborted() const { return res_ && PQresultStatus(res_.get()) == PGRES_PIPELINE_ABORTED; }
  bool empty() const { return rows() == 0; }
  long affected() const;

  bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string_view view(int row, int col) const {
    return {PQgetvalue(res_.get(), row, col), static_cast<std::size_t>(PQgetlength(res_.get(), row, col))};
  }
  std::string str(int row, int col) const { return std::string(view(row, col)); }
  std::optional<std::string> opt_str(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return str(row, col);
  }
  int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const { return view(row, col) == "t"; }

 private:
  std::shared_ptr<PGresult> res_;
};

}  // namespace mc::db
