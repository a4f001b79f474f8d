#pragma once
// Real PostgreSQL for integration tests: one primary started once per test binary, a migrated
// template database, and a fresh database cloned from it for each test.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "db/connection.hpp"
#include "db/embedded_postgres.hpp"

namespace mc::test {

namespace asio = boost::asio;

// Runs a coroutine to completion on `io` and returns its result (rethrowing its exception).
template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  auto fut = asio::co_spawn(io, std::move(task), asio::use_future);
  io.restart();
  io.run();
  return fut.get();
}

std::filesystem::path make_temp_dir(const std::string& prefix);

// The shared primary (started lazily, stopped at exit).
db::EmbeddedPostgres& primary();
// Blocking helper: runs one SQL script on a database URL.
void exec_sql(const std::string& url, const std::string& sql);
// A fresh database cloned from the migrated template; returns its URL.
std::string fresh_database();

}  // namespace mc::test
