#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "db/lsn.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"

namespace mc::db {

struct ClusterOptions {
  PoolOptions writer;
  std::optional<PoolOptions> reader;  // none: reads go to the writer
  std::chrono::milliseconds token_wait{50};
};

enum class Role { writer, reader };

// A connection for reading, and which server it came from.
struct ReadLease {
  Lease lease;
  Role served_by = Role::writer;
  Connection* operator->() const { return lease.operator->(); }
};

// Where every query goes. Writes: the writer. Reads: the local replica, unless the caller carries
// a consistency token the replica has not replayed yet (after a bounded wait) — then the writer.
// One Cluster per event loop.
class Cluster {
 public:
  Cluster(const boost::asio::any_io_executor& ex, ClusterOptions options);

  boost::asio::awaitable<Lease> writer();
  boost::asio::awaitable<Transaction> begin();
  boost::asio::awaitable<ReadLease> reader(std::optional<Lsn> token = std::nullopt);
  // One read statement on a multiplexed connection of the pool the token allows: the fast path
  // (no lease; statements from concurrent requests share one round trip).
  boost::asio::awaitable<Result> read(const Query& q, Params params, std::optional<Lsn> token = std::nullopt);

  bool has_replica() const { return reader_ != nullptr; }
  Pool& writer_pool() { return *writer_; }
  Pool* reader_pool() { return reader_.get(); }
  Lsn replica_replayed() const { return replayed_; }

 private:
  boost::asio::awaitable<ReadLease> from_writer();
  boost::asio::awaitable<Pool*> read_pool(std::optional<Lsn> token);

  boost::asio::any_io_executor ex_;
  ClusterOptions options_;
  std::unique_ptr<Pool> writer_;
  std::unique_ptr<Pool> reader_;
  Lsn replayed_;  // highest LSN this loop has seen the replica replay
};

}  // namespace mc::db
