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

Cluster::Cluster(asio::any_io_executor ex, ClusterOptions options)
    : ex_(ex), options_(std::move(options)) {
  writer_ = std::make_unique<Pool>(ex, options_.writer);
  if (options_.reader) reader_ = std::make_unique<Pool>(ex, *options_.reader);
}

asio::awaitable<Lease> Cluster::writer() { co_return co_await writer_->acquire(); }

asio::awaitable<Transaction> Cluster::begin() {
  Lease lease = co_await writer_->acquire();
  co_return Transaction(std::move(lease));
}

asio::awaitable<ReadLease> Cluster::from_writer() {
  Lease lease = co_await writer_->acquire();
  co_return ReadLease{std::move(lease), Role::writer};
}

asio::awaitable<ReadLease> Cluster::reader(std::optional<Lsn> token) {
  if (!reader_) co_return co_await from_writer();
  std::optional<ReadLease> replica;
  try {
    Lease lease = co_await reader_->acquire();
    replica.emplace(ReadLease{std::move(lease), Role::reader});
  } catch (const Unavailable& e) {
    log::warn("replica unavailable, reading from the writer", {{"error", e.what()}});
  }
  if (!replica) co_return co_await from_writer();
  if (!token || *token <= replayed_) co_return std::move(*replica);

  const auto deadline = std::chrono::steady_clock::now() + options_.token_wait;
  asio::steady_timer timer(ex_);
  for (;;) {
    const Result r = co_await (*replica)->exec(kReplayLsn);
    if (r.is_null(0, 0)) co_return std::move(*replica);  // not in recovery: it is a writer itself
    if (auto lsn = Lsn::parse(r.view(0, 0)); lsn && *lsn > replayed_) replayed_ = *lsn;
    if (*token <= replayed_) co_return std::move(*replica);
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(kPollInterval, deadline - now));
    co_await timer.async_wait(asio::use_awaitable);
  }
  replica.reset();
  co_return co_await from_writer();
}

}  // namespace mc::db
