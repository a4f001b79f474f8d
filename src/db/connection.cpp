#include "db/connection.hpp"

#include <poll.h>

#include "core/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
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

// Errors that say this server cannot serve us any more (shutting down, crashed, or now a standby
// after a failover): the connection is dropped so the pool reconnects, and the caller gets a 503.
bool server_gone(const std::string& sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
         sqlstate == "25006";
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
  // Always a fresh registration: while connecting, libpq may close its socket and open another
  // (next host of a multi-host URL, or a standby refused by target_session_attrs). The new socket
  // usually gets the same descriptor number, but the event loop's registration died with the old
  // one, so reusing it would wait forever.
  if (socket_) socket_->release();
  socket_ = std::make_unique<asio::posix::stream_descriptor>(ex_, PQsocket(conn_));
}

asio::awaitable<void> Connection::connect(std::chrono::milliseconds timeout) {
  asio::steady_timer deadline(ex_, timeout);
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) {
      throw Unavailable(std::string("cannot connect to database: ") + PQerrorMessage(conn_));
    }
    rebind_socket();
    const auto what = status == PGRES_POLLING_READING ? asio::posix::stream_descriptor::wait_read
                                                      : asio::posix::stream_descriptor::wait_write;
    auto result = co_await (socket_->async_wait(what, use_nothrow) || deadline.async_wait(use_nothrow));
    if (result.index() == 1) throw Unavailable("timed out connecting to database");
    status = PQconnectPoll(conn_);
  }
  rebind_socket();
  PQsetNoticeProcessor(
      conn_,
      [](void*, const char* message) {
        log::debug("postgres notice", {{"message", message}});
      },
      nullptr);
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
    fail("cannot switch connection to pipeline mode");
  }
}

void Connection::fail(const std::string& what) {
  broken_ = true;
  throw Unavailable(what + ": " + PQerrorMessage(conn_));
}

bool Connection::dead_while_idle() {
  if (broken()) return true;
  // An idle connection has nothing to read: readable means the server closed it or sent a
  // termination notice (killed, restarted, failed over). Checked before reuse, so the first
  // request after a failover does not fail on a connection that is already gone.
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return false;
  broken_ = true;
  return true;
}

void Connection::throw_error(const DbError& error) {
  if (server_gone(error.sqlstate())) broken_ = true;
  if (broken()) {
    throw Unavailable(error.what(), error.sqlstate(), error.constraint());
  }
  throw error;
}

bool Connection::in_transaction() const {
  return PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

asio::awaitable<void> Connection::wait_readable() {
  auto [ec] = co_await socket_->async_wait(asio::posix::stream_descriptor::wait_read, use_nothrow);
  if (ec) fail("database socket error: " + ec.message());
}

asio::awaitable<void> Connection::wait_writable() {
  // libpq asks us to wait for either direction: the server may be blocked sending us results.
  auto result = co_await (socket_->async_wait(asio::posix::stream_descriptor::wait_write, use_nothrow) ||
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
    // Asio watches the socket edge-triggered, and libpq may leave bytes in it (or read them at
    // other times), so only wait when the socket is really empty; otherwise a wait could sleep
    // through data that already arrived until the server happens to send more.
    pollfd p{PQsocket(conn_), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) co_await wait_readable();
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
    if (!PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                             nullptr, 0)) {
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
      // Behind a failure the PREPARE is skipped (PGRES_PIPELINE_ABORTED): only a PREPARE that ran counts.
      const bool failed_before = error.has_value();
      const Result prepared = co_await read_command_result(error);
      if (!prepared.pipeline_aborted() && error.has_value() == failed_before) {
        prepared_.insert(statements[i].query->name);
      }
    }
    results.push_back(co_await read_command_result(error));
  }
  PGresult* sync = co_await next_result();
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced) fail("pipeline out of step");
  if (error) throw_error(*error);
  co_return results;
}

struct Connection::Pending {
  explicit Pending(const asio::any_io_executor& ex) : waker(ex, asio::steady_timer::time_point::max()) {}
  const Query* query = nullptr;  // null: the entry stands for a pipeline sync
  Params params;                 // kept for a resend after a neighbour's failure
  bool prepare = false;
  bool done = false;
  Result result;
  std::optional<DbError> error;
  asio::steady_timer waker;  // the caller waits on it; cancelling it resumes the caller

  void finish() {
    done = true;
    waker.cancel();
  }
};

void Connection::send_shared(Pending& p, const Params& params) {
  const std::string name(p.query->name);
  p.prepare = false;
  if (!prepared_.contains(p.query->name) && !preparing_.contains(p.query->name)) {
    const std::string sql(p.query->sql);
    if (!PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)) fail("cannot send prepare");
    p.prepare = true;
    preparing_.insert(p.query->name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params) values.push_back(v ? v->c_str() : nullptr);
  if (!PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                           nullptr, 0)) {
    fail("cannot send query " + name);
  }
  ++unsynced_;
}

asio::awaitable<Result> Connection::exec_shared(const Query& q, Params params) {
  if (broken()) throw Unavailable("database connection is broken");
  auto pending = std::make_shared<Pending>(ex_);
  pending->query = &q;
  send_shared(*pending, params);
  pending->params = std::move(params);
  inflight_.push_back(pending);
  schedule_flush();
  if (!reading_) {
    reading_ = true;
    asio::co_spawn(ex_, read_loop(shared_from_this()), asio::detached);
  }
  while (!pending->done) co_await pending->waker.async_wait(use_nothrow);
  if (pending->error) throw_error(*pending->error);
  co_return std::move(pending->result);
}

void Connection::schedule_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  // Everything queued during this turn of the event loop leaves with one sync in one write.
  asio::post(ex_, [self = shared_from_this()] {
    self->flush_posted_ = false;
    if (self->broken_ || self->unsynced_ == 0) return;
    self->inflight_.push_back(std::make_shared<Pending>(self->ex_));  // the sync's own entry
    self->unsynced_ = 0;
    if (!PQpipelineSync(self->conn_)) {
      self->fail_inflight("cannot send pipeline sync");
      return;
    }
    if (self->flushing_) return;
    const int r = PQflush(self->conn_);
    if (r < 0) {
      self->fail_inflight("database connection lost while sending");
    } else if (r == 1) {
      self->flushing_ = true;
      asio::co_spawn(self->ex_, flush_loop(self), asio::detached);
    }
  });
}

asio::awaitable<void> Connection::flush_loop(std::shared_ptr<Connection> self) {
  for (;;) {
    auto [ec] = co_await self->socket_->async_wait(asio::posix::stream_descriptor::wait_write, use_nothrow);
    const int r = ec ? -1 : PQflush(self->conn_);
    if (r == 0) break;
    if (r < 0) {
      self->fail_inflight("database connection lost while sending");
      break;
    }
  }
  self->flushing_ = false;
}

void Connection::fail_inflight(const std::string& why) {
  broken_ = true;
  for (auto& p : inflight_) {
    if (!p->error) p->error = Unavailable(why);
    p->finish();
  }
  inflight_.clear();
}

asio::awaitable<void> Connection::read_loop(std::shared_ptr<Connection> self) {
  Connection& c = *self;
  std::vector<std::shared_ptr<Pending>> resend;
  while (!c.inflight_.empty() && !c.broken_) {
    auto p = c.inflight_.front();
    const bool is_sync = p->query == nullptr;
    std::string failure;
    try {
      if (is_sync) {
        PGresult* sync = co_await c.next_result();
        const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
        if (!synced) failure = "pipeline out of step";
      } else if (p->prepare) {
        const Result prepared = co_await c.read_command_result(p->error);
        // Not when skipped behind a neighbour's failure: the resend must prepare it again.
        if (!p->error && !prepared.pipeline_aborted()) c.prepared_.insert(p->query->name);
        c.preparing_.erase(p->query->name);
      }
      if (!is_sync) p->result = co_await c.read_command_result(p->error);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      c.fail_inflight(failure);
      break;
    }
    c.inflight_.pop_front();
    if (!is_sync && !p->error && p->result.pipeline_aborted()) {
      resend.push_back(p);  // a neighbour failed: this statement never ran
    } else {
      p->finish();
    }
    if (is_sync && !resend.empty()) {
      try {
        for (auto& r : resend) {
          c.send_shared(*r, r->params);
          c.inflight_.push_back(r);
        }
        c.schedule_flush();
      } catch (const std::exception& e) {
        for (auto& r : resend) c.inflight_.push_back(r);
        c.fail_inflight(e.what());
      }
      resend.clear();
    }
  }
  c.reading_ = false;
}

asio::awaitable<std::string> Connection::next_notification() {
  for (;;) {
    if (PGnotify* n = PQnotifies(conn_)) {
      std::string channel = n->relname;
      PQfreemem(n);
      co_return channel;
    }
    co_await wait_readable();
    if (!PQconsumeInput(conn_)) fail("database connection lost");
  }
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
  if (error) throw_error(*error);
}

}  // namespace mc::db
