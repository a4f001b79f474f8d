#pragma once
#include <memory>

#include "core/config.hpp"
#include "db/embedded_postgres.hpp"

namespace mc::app {

// Starts the embedded PostgreSQL when DATABASE_URL is unset (filling config.database_url),
// then applies migrations or, when MIGRATE_ON_START is off, checks the schema is not newer.
std::unique_ptr<db::EmbeddedPostgres> prepare_database(Config& config, bool run_migrations);

}  // namespace mc::app
