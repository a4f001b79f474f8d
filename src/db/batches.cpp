#include "db/batches.hpp"

namespace mc::db {

boost::asio::awaitable<int64_t> delete_in_batches(Cluster& db, const Query& q, Params params, int64_t batch) {
  params.emplace_back(std::to_string(batch));
  int64_t total = 0;
  for (;;) {
    auto tx = co_await db.begin();
    const auto r = co_await tx.exec(q, params);
    co_await tx.commit();
    total += r.affected();
    if (r.affected() < batch) co_return total;
  }
}

}  // namespace mc::db
