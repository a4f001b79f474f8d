#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>

#include "db/cluster.hpp"

namespace mc::db {

// Runs a batched DELETE on the writer until it removes fewer rows than `batch`, one short
// transaction per batch so a large cleanup never holds locks or bloats one transaction. The
// statement takes its other arguments first and the batch size as its last parameter.
// Returns the rows removed.
boost::asio::awaitable<int64_t> delete_in_batches(Cluster& db, const Query& q, Params params, int64_t batch);

}  // namespace mc::db
