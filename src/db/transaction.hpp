#pragma once
#include <boost/asio/awaitable.hpp>

#include "db/lsn.hpp"
#include "db/pool.hpp"

namespace mc::db {

// A transaction on the writer. BEGIN travels with the first statement (no extra round trip);
// commit() sends COMMIT and reads the WAL position in the same pipeline, returning the
// consistency token. Destroyed without commit → rolled back (by the pool, before reuse).
class Transaction {
 public:
  explicit Transaction(Lease lease) : lease_(std::move(lease)) {}
  Transaction(Transaction&&) noexcept = default;

  boost::asio::awaitable<Result> exec(const Query& q, Params params = {});
  boost::asio::awaitable<std::vector<Result>> pipeline(std::vector<Statement> statements);
  boost::asio::awaitable<Lsn> commit();

 private:
  Lease lease_;
  bool begun_ = false;
  bool done_ = false;
};

}  // namespace mc::db
