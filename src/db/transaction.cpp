#include "db/transaction.hpp"

#include <stdexcept>

namespace mc::db {
namespace asio = boost::asio;

namespace {
constexpr Query kBegin{"tx_begin", "BEGIN"};
constexpr Query kCommit{"tx_commit", "COMMIT"};
constexpr Query kCommitLsn{"tx_commit_lsn", "SELECT pg_current_wal_insert_lsn()::text"};
}  // namespace

asio::awaitable<Result> Transaction::exec(const Query& q, Params params) {
  std::vector<Statement> one;
  one.push_back(Statement{&q, std::move(params)});
  auto results = co_await pipeline(std::move(one));
  co_return std::move(results.back());
}

asio::awaitable<std::vector<Result>> Transaction::pipeline(std::vector<Statement> statements) {
  if (done_) throw std::logic_error("transaction already finished");
  const bool prepend = !begun_;
  if (prepend) statements.insert(statements.begin(), Statement{&kBegin, {}});
  begun_ = true;
  auto results = co_await lease_->pipeline(statements);
  if (prepend) results.erase(results.begin());
  co_return results;
}

asio::awaitable<Lsn> Transaction::commit() {
  if (done_) throw std::logic_error("transaction already finished");
  done_ = true;
  if (!begun_) co_return Lsn{};
  const Statement statements[] = {{&kCommit, {}}, {&kCommitLsn, {}}};
  auto results = co_await lease_->pipeline(statements);
  co_return Lsn::parse(results[1].view(0, 0)).value_or(Lsn{});
}

}  // namespace mc::db
