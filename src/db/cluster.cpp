#include "db/cluster.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"

namespace mc::db {
namespace asio = boost::asio;

namespace {
constexpr Query kReplayLsn{"cluster_replay_lsn", "SELECT pg_last_wal_replay_lsn()::text"};
constexpr auto kPollInterval = std::chrono::milliseconds(2);
}  // namespace

Cluster::Cluster(const asio::any_io_executor& ex, ClusterOptions options)
    : ex_(ex), options_(std::move(options)) {
  writer_ = std::make_unique<Pool>(ex, options_.writer);
  if (options_.reader) reader_ = std::make_unique<Pool>(ex, *options_.reader);
}

asio::awaitable<Lease> Cluster::writer() {
  co_return co_await writer_->acquire();
}

asio::awaitable<Transaction> Cluster::begin() {
  Lease lease = co_await writer_->acquire();
  co_return Transaction(std::move(lease));
}

asio::awaitable<ReadLease> Cluster::from_writer() {
  Lease lease = co_await writer_->acquire();
  co_return ReadLease{std::move(lease), Role::writer};
}

asio::awaitable<Pool*> Cluster::read_pool(std::optional<Lsn> token) {
  if (!reader_) co_return writer_.get();
  if (!token || *token <= replayed_) co_return reader_.get();
  const auto deadline = std::chrono::steady_clock::now() + options_.token_wait;
  asio::steady_timer timer(ex_);
  for (;;) {
    std::optional<Result> r;
    try {
      Result replay = co_await reader_->exec_shared(kReplayLsn, {});
      r.emplace(std::move(replay));
    } catch (const Unavailable& e) {
      log::warn("replica unavailable, reading from the writer", {{"error", e.what()}});
    }
    if (!r) co_return writer_.get();
    if (r->is_null(0, 0)) co_return reader_.get();  // not in recovery: it is a writer itself
    if (auto lsn = Lsn::parse(r->view(0, 0)); lsn && *lsn > replayed_) replayed_ = *lsn;
    if (*token <= replayed_) co_return reader_.get();
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) co_return writer_.get();
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(kPollInterval, deadline - now));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<ReadLease> Cluster::reader(std::optional<Lsn> token) {
  Pool* pool = co_await read_pool(token);
  if (pool == reader_.get()) {
    std::optional<Lease> lease;
    try {
      Lease acquired = co_await reader_->acquire();
      lease.emplace(std::move(acquired));
    } catch (const Unavailable& e) {
      log::warn("replica unavailable, reading from the writer", {{"error", e.what()}});
    }
    if (lease) co_return ReadLease{std::move(*lease), Role::reader};
  }
  co_return co_await from_writer();
}

asio::awaitable<Result> Cluster::read(const Query& q, Params params, std::optional<Lsn> token) {
  Pool* pool = co_await read_pool(token);
  if (pool == reader_.get()) {
    std::optional<Result> result;
    try {
      Result r = co_await reader_->exec_shared(q, params);
      result.emplace(std::move(r));
    } catch (const Unavailable& e) {
      log::warn("replica unavailable, reading from the writer", {{"error", e.what()}});
    }
    if (result) co_return std::move(*result);
  }
  co_return co_await writer_->exec_shared(q, std::move(params));
}

}  // namespace mc::db
