#include "db/connection.hpp"

#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mc::db {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

DbError error_from(PGresult* r, PGconn* conn) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* constraint = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  const char* msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
  std::string m = msg ? msg : "unknown database error";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return DbError(m, state ? state : "", constraint ? constraint : "");
}

bool is_failure(PGresult* r) {
  const auto s = PQresultStatus(r);
  return s == PGRES_FATAL_ERROR || s == PGRES_BAD_RESPONSE || s == PGRES_NONFATAL_ERROR;
}

}  // namespace

Connection::Connection(asio::any_io_executor ex, PGconn* conn) : ex_(std::move(ex)), conn_(conn) {}

Connection::~Connection() {
  if (socket_) socket_->release();  // the descriptor belongs to libpq
  PQfinish(conn_);
}

asio::awaitable<std::unique_ptr<Connection>> Connection::open(asio::any_io_executor ex,
                                                              const std::string& conninfo,
                                                              std::chrono::milliseconds timeout) {
  PGconn* raw = PQconnectStart(conninfo.c_str());
  if (!raw) throw Unavailable("out of memory opening a database connection");
  std::unique_ptr<Connection> conn(new Connection(ex, raw));
  if (PQstatus(raw) == CONNECTION_BAD) {
    throw Unavailable(std::string("cannot connect to database: ") + PQerrorMessage(raw));
  }
  co_await conn->connect(timeout);
  co_return conn;
}

void Connection::rebind_socket() {
  const int fd = PQsocket(conn_);
  if (fd == bound_fd_ && socket_) return;
  if (socket_) socket_->release();
  socket_ = std::make_unique<asio::posix::stream_descriptor>(ex_, fd);
  bound_fd_ = fd;
}

asio::awaitable<void> Connection::connect(std::chrono::milliseconds timeout) {
  asio::steady_timer deadline(ex_, timeout);
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) {
      throw Unavailable(std::string("cannot connect to database: ") + PQerrorMessage(conn_));
    }
    rebind_socket();  // libpq may move to another host (multi-host URLs) and socket
    const auto what = status == PGRES_POLLING_READING ? asio::posix::stream_descriptor::wait_read
                                                      : asio::posix::stream_descriptor::wait_write;
    auto result = co_await (socket_->async_wait(what, use_nothrow) || deadline.async_wait(use_nothrow));
    if (result.index() == 1) throw Unavailable("timed out connecting to database");
    status = PQconnectPoll(conn_);
  }
  rebind_socket();
  PQsetNoticeProcessor(
      conn_, [](void*, const char* message) { log::debug("postgres notice", {{"message", message}}); }, nullptr);
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
    fail("cannot switch connection to pipeline mode");
  }
}

void Connection::fail(const std::string& what) {
  broken_ = true;
  throw Unavailable(what + ": " + PQerrorMessage(conn_));
}

bool Connection::in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

asio::awaitable<void> Connection::wait_readable() {
  auto [ec] = co_await socket_->async_wait(asio::posix::stream_descriptor::wait_read, use_nothrow);
  if (ec) fail("database socket error: " + ec.message());
}

asio::awaitable<void> Connection::wait_writable() {
  // libpq asks us to wait for either direction: the server may be blocked sending us results.
  auto result = co_await (
      socket_->async_wait(asio::posix::stream_descriptor::wait_write, use_nothrow) ||
      socket_->async_wait(asio::posix::stream_descriptor::wait_read, use_nothrow));
  if (result.index() == 1 && !PQconsumeInput(conn_)) fail("database connection lost");
}

asio::awaitable<void> Connection::flush() {
  for (;;) {
    const int r = PQflush(conn_);
    if (r == 0) co_return;
    if (r < 0) fail("database connection lost while sending");
    co_await wait_writable();
  }
}

asio::awaitable<PGresult*> Connection::next_result() {
  while (PQisBusy(conn_)) {
    co_await wait_readable();
    if (!PQconsumeInput(conn_)) fail("database connection lost");
  }
  co_return PQgetResult(conn_);
}

asio::awaitable<Result> Connection::read_command_result(std::optional<DbError>& error) {
  Result last;
  for (;;) {
    PGresult* r = co_await next_result();
    if (!r) break;
    if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      fail("unexpected pipeline sync");
    }
    if (is_failure(r) && !error) error = error_from(r, conn_);
    last = Result(r);
  }
  co_return last;
}

asio::awaitable<Result> Connection::exec(const Query& q, Params params) {
  const Statement s{&q, std::move(params)};
  auto results = co_await pipeline(std::span<const Statement>(&s, 1));
  co_return std::move(results.front());
}

asio::awaitable<std::vector<Result>> Connection::pipeline(std::span<const Statement> statements) {
  if (broken()) throw Unavailable("database connection is broken");
  std::vector<bool> prepares(statements.size(), false);
  std::unordered_set<std::string_view> preparing;
  std::vector<const char*> values;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const Query& q = *statements[i].query;
    const std::string name(q.name);
    if (!prepared_.contains(q.name) && !preparing.contains(q.name)) {
      const std::string sql(q.sql);
      if (!PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)) fail("cannot send prepare");
      prepares[i] = true;
      preparing.insert(q.name);
    }
    values.clear();
    for (const auto& p : statements[i].params) values.push_back(p ? p->c_str() : nullptr);
    if (!PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                             nullptr, nullptr, 0)) {
      fail("cannot send query " + name);
    }
  }
  if (!PQpipelineSync(conn_)) fail("cannot send pipeline sync");
  co_await flush();

  std::vector<Result> results;
  results.reserve(statements.size());
  std::optional<DbError> error;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (prepares[i]) {
      const bool failed_before = error.has_value();
      co_await read_command_result(error);
      if (error.has_value() == failed_before) prepared_.insert(statements[i].query->name);
    }
    results.push_back(co_await read_command_result(error));
  }
  PGresult* sync = co_await next_result();
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced) fail("pipeline out of step");
  if (error) throw *error;
  co_return results;
}

asio::awaitable<void> Connection::exec_script(std::string_view sql) {
  if (broken()) throw Unavailable("database connection is broken");
  if (PQexitPipelineMode(conn_) != 1) fail("cannot leave pipeline mode");
  const std::string text(sql);
  if (!PQsendQuery(conn_, text.c_str())) fail("cannot send script");
  co_await flush();
  std::optional<DbError> error;
  co_await read_command_result(error);
  if (PQenterPipelineMode(conn_) != 1) fail("cannot re-enter pipeline mode");
  if (error) throw *error;
}

}  // namespace mc::db
