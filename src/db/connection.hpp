#pragma once
#include <libpq-fe.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "db/query.hpp"
#include "db/result.hpp"

namespace mc::db {

// One non-blocking libpq connection driven by Asio. It stays in pipeline mode: every call sends its
// statements (preparing each named query once per connection) followed by one sync, so a batch of
// statements costs one round trip.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  static boost::asio::awaitable<std::unique_ptr<Connection>> open(boost::asio::any_io_executor ex,
                                                                  const std::string& conninfo,
                                                                  std::chrono::milliseconds timeout);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  boost::asio::awaitable<Result> exec(const Query& q, Params params = {});
  boost::asio::awaitable<std::vector<Result>> pipeline(std::span<const Statement> statements);
  // Runs SQL text with the simple protocol (several statements allowed; no parameters).
  boost::asio::awaitable<void> exec_script(std::string_view sql);

  // After exec_script("LISTEN …") on a connection used for nothing else: the channel of the next
  // NOTIFY (one already received first). Throws Unavailable when the connection is lost.
  boost::asio::awaitable<std::string> next_notification();

  // Multiplexed use: many coroutines may await exec_shared() on one connection at once. Their
  // statements leave together, with one sync, in one write per event-loop turn, and results are
  // handed back in order. A statement skipped because a neighbour in its segment failed is sent
  // again (these are single autocommit statements), so one failure never fails another caller.
  // A connection is used either this way or exclusively (exec/pipeline/transactions), never both.
  boost::asio::awaitable<Result> exec_shared(const Query& q, Params params = {});
  std::size_t inflight() const { return inflight_.size(); }

  bool broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }
  // Before reusing an idle connection: true (and marked broken) if the server has gone.
  bool dead_while_idle();
  bool in_transaction() const;
  void mark_broken() { broken_ = true; }
  const boost::asio::any_io_executor& executor() const { return ex_; }

 private:
  Connection(boost::asio::any_io_executor ex, PGconn* conn);

  boost::asio::awaitable<void> connect(std::chrono::milliseconds timeout);
  boost::asio::awaitable<void> wait_readable();
  boost::asio::awaitable<void> wait_writable();
  boost::asio::awaitable<void> flush();
  boost::asio::awaitable<PGresult*> next_result();
  // Reads the results of one sent command (up to its terminating null).
  boost::asio::awaitable<Result> read_command_result(std::optional<DbError>& error);
  void rebind_socket();
  struct Pending;
  void send_shared(Pending& p, const Params& params);
  void schedule_flush();
  // Both keep the connection alive while they run (multiplexed connections are shared_ptr-owned).
  static boost::asio::awaitable<void> flush_loop(std::shared_ptr<Connection> self);
  static boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> self);
  void fail_inflight(const std::string& why);
  // Throws `error`, as Unavailable (marking the connection broken) when the server is gone.
  [[noreturn]] void throw_error(const DbError& error);
  [[noreturn]] void fail(const std::string& what);

  boost::asio::any_io_executor ex_;
  PGconn* conn_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> socket_;
  std::unordered_set<std::string_view> prepared_;
  std::unordered_set<std::string_view> preparing_;  // prepares sent by exec_shared, not yet answered
  std::deque<std::shared_ptr<Pending>> inflight_;
  unsigned unsynced_ = 0;  // statements sent since the last sync
  bool flush_posted_ = false;
  bool flushing_ = false;
  bool reading_ = false;
  bool broken_ = false;
};

}  // namespace mc::db
