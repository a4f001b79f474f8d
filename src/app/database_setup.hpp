#pragma once
#include <functional>
#include <memory>
#include <string_view>

#include "core/config.hpp"
#include "db/embedded_postgres.hpp"

namespace mc::app {

// Starts the embedded PostgreSQL when DATABASE_URL is unset (filling config.database_url),
// then applies migrations or, when MIGRATE_ON_START is off, checks the schema is not newer.
std::unique_ptr<db::EmbeddedPostgres> prepare_database(Config& config, bool run_migrations);

// A one-shot command (migrate, seed-demo): configuration, logging, a migrated database (embedded
// when DATABASE_URL is unset, stopped again afterwards), then `work`. Returns the exit code.
int run_database_command(std::string_view name, const std::function<void(const Config&)>& work);

}  // namespace mc::app
