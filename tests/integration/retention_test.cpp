// The hourly retention job: old outbox events and long-finished jobs go, everything else stays; and
// the sweep of stale resumable uploads (docs/privacy.md "Retention").
#include <gtest/gtest.h>

#include "app/retention.hpp"
#include "core/config.hpp"
#include "events/outbox.hpp"
#include "features/artists/service.hpp"
#include "features/catalog/service.hpp"
#include "features/catalog/upload_service.hpp"
#include "jobs/queue.hpp"
#include "media/storage.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using boost::asio::awaitable;

namespace {

constexpr db::Query kCount{"t_ret_count", "SELECT count(*) FROM outbox"};
constexpr db::Query kKeys{"t_ret_keys", "SELECT string_agg(key, ',' ORDER BY id) FROM outbox"};
constexpr db::Query kJobs{"t_ret_jobs",
                          "SELECT string_agg(kind || ':' || status, ',' ORDER BY id) FROM jobs"};
constexpr db::Query kSessions{"t_sweep_sessions",
                              "SELECT coalesce(string_agg(filename, ',' ORDER BY filename), '') "
                              "FROM upload_sessions"};

class Retention : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  std::string url = fresh_database();
  db::Cluster cluster{io.get_executor(), db::ClusterOptions{db::PoolOptions{"writer", url, 4, 100}}};
  Config config;
  std::filesystem::path media_root =
      std::filesystem::temp_directory_path() / ("mc-retention-" + std::to_string(::getpid()));
  std::unique_ptr<media::Storage> storage = [this] {
    media::StorageOptions o;
    o.fs_root = media_root;
    return media::make_storage(o);
  }();
  privacy::PrivacyJobs privacy{*storage};
  artists::ArtistsService artists;
  catalog::CatalogService catalog{artists};
  catalog::UploadService uploads{catalog, *storage, config};

  ~Retention() override {
    std::error_code ec;
    std::filesystem::remove_all(media_root, ec);
  }

  Retention() {
    config.outbox_retention = std::chrono::hours(24);
    config.jobs_retention = std::chrono::hours(48);
  }

  awaitable<std::string> one(const db::Query& q) {
    auto conn = co_await cluster.writer();
    co_return (co_await conn->exec(q)).str(0, 0);
  }
};

}  // namespace

TEST_F(Retention, the_prune_job_removes_only_old_events_and_long_finished_jobs) {
  // Events 30 h, 23 h and 1 min old; jobs finished 3 days ago (succeeded and dead), finished
  // yesterday, queued 3 days ago (never finished), and running.
  exec_sql(url,
           "INSERT INTO outbox (topic, key, payload, created_at) VALUES "
           "('test.x', 'old', '{}', now() - interval '30 hours'), "
           "('test.x', 'recent', '{}', now() - interval '23 hours'), "
           "('test.x', 'new', '{}', now() - interval '1 minute');"
           "INSERT INTO jobs (queue, kind, status, finished_at, created_at) VALUES "
           "('q', 'done_long_ago', 'succeeded', now() - interval '3 days', now() - interval '3 days'), "
           "('q', 'dead_long_ago', 'dead', now() - interval '3 days', now() - interval '3 days'), "
           "('q', 'done_yesterday', 'succeeded', now() - interval '1 day', now() - interval '1 day'), "
           "('q', 'waiting', 'queued', NULL, now() - interval '3 days'); "
           "INSERT INTO jobs (queue, kind, status, locked_by, locked_until, created_at) VALUES "
           "('q', 'busy', 'running', 'w', now() + interval '1 minute', now() - interval '3 days')");

  jobs::WorkerOptions options;
  options.queue = app::kMaintenanceQueue;
  jobs::Worker worker(io.get_executor(), cluster, options);
  app::register_retention(worker, cluster, config, privacy, *storage);
  run(io, app::schedule_retention(cluster));
  run(io, app::schedule_retention(cluster));  // the same hour: still one job
  EXPECT_EQ(run(io, worker.run_once()), 1u);

  EXPECT_EQ(run(io, one(kKeys)), "recent,new");
  EXPECT_EQ(run(io, one(kJobs)),
            "done_yesterday:succeeded,waiting:queued,busy:running,maintenance.prune:succeeded");
}

TEST_F(Retention, a_large_backlog_is_pruned_in_batches) {
  exec_sql(url,
           "INSERT INTO outbox (topic, key, payload, created_at) "
           "SELECT 'test.x', 'k' || g, '{}', now() - interval '48 hours' FROM generate_series(1, 12001) g");
  EXPECT_EQ(run(io, events::prune(cluster, std::chrono::hours(24))), 12001);
  EXPECT_EQ(run(io, one(kCount)), "0");
}

// Channel recovery (docs/realtime.md) tells a client to reload when it asks to resume from before
// what the prune deleted: the prune records the newest position it deleted, and never moves it back.
TEST_F(Retention, the_prune_records_the_newest_offset_it_deleted) {
  constexpr db::Query kHorizon{"t_ret_horizon", "SELECT xid::text || '-' || id FROM outbox_horizon"};
  constexpr db::Query kNewestOld{"t_ret_newest_old",
                                 "SELECT xid::text || '-' || id FROM outbox WHERE key LIKE 'old%' "
                                 "ORDER BY xid DESC, id DESC LIMIT 1"};
  EXPECT_EQ(run(io, one(kHorizon)), "0-0");
  exec_sql(url,
           "INSERT INTO outbox (topic, key, payload, channel, created_at) VALUES "
           "('test.x', 'old1', '{}', 'user:a', now() - interval '30 hours')");
  exec_sql(url,
           "INSERT INTO outbox (topic, key, payload, channel, created_at) VALUES "
           "('test.x', 'old2', '{}', 'user:b', now() - interval '30 hours')");
  exec_sql(url,
           "INSERT INTO outbox (topic, key, payload, channel, created_at) VALUES "
           "('test.x', 'new', '{}', 'user:a', now())");
  const std::string newest_old = run(io, one(kNewestOld));
  EXPECT_EQ(run(io, events::prune(cluster, std::chrono::hours(24))), 2);
  EXPECT_EQ(run(io, one(kHorizon)), newest_old);
  EXPECT_EQ(run(io, one(kKeys)), "new");
  // Nothing old left: a second prune deletes nothing and leaves the horizon where it was.
  EXPECT_EQ(run(io, events::prune(cluster, std::chrono::hours(24))), 0);
  EXPECT_EQ(run(io, one(kHorizon)), newest_old);
}

// docs/privacy.md "Retention": personal data that served its purpose goes with the hourly prune;
// what is still in use stays.
TEST_F(Retention, the_prune_removes_old_notifications_sessions_tokens_and_expired_exports) {
  constexpr db::Query kNotes{"t_ret_notes", "SELECT string_agg(type, ',' ORDER BY id) FROM notifications"};
  constexpr db::Query kSessions{"t_ret_sessions",
                                "SELECT string_agg(user_agent, ',' ORDER BY user_agent) FROM sessions"};
  constexpr db::Query kTokens{"t_ret_tokens",
                              "SELECT string_agg(email, ',' ORDER BY email) FROM account_tokens"};
  constexpr db::Query kExports{"t_ret_exports",
                               "SELECT string_agg(status || ':' || coalesce(storage_key, '-'), ',' ORDER BY "
                               "created_at) FROM data_exports"};
  exec_sql(
      url,
      "INSERT INTO users (id, username, email, password_hash, role) VALUES "
      "('00000000-0000-0000-0000-0000000000aa', 'ret_user', 'ret@example.com', 'x', 'fan');"
      "INSERT INTO notifications (user_id, type, created_at, read_at) VALUES "
      "('00000000-0000-0000-0000-0000000000aa', 'read_old', now() - interval '100 days', now()), "
      "('00000000-0000-0000-0000-0000000000aa', 'unread_old', now() - interval '100 days', NULL), "
      "('00000000-0000-0000-0000-0000000000aa', 'unread_ancient', now() - interval '400 days', NULL), "
      "('00000000-0000-0000-0000-0000000000aa', 'read_new', now() - interval '1 day', now());"
      "INSERT INTO sessions (user_id, user_agent, expires_at, revoked_at) VALUES "
      "('00000000-0000-0000-0000-0000000000aa', 'expired_long_ago', now() - interval '31 days', NULL), "
      "('00000000-0000-0000-0000-0000000000aa', 'expired_recently', now() - interval '1 day', NULL), "
      "('00000000-0000-0000-0000-0000000000aa', 'revoked_long_ago', now() + interval '1 day', "
      "now() - interval '40 days'), "
      "('00000000-0000-0000-0000-0000000000aa', 'live', now() + interval '20 days', NULL);"
      "INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at) VALUES "
      "('\\x01', '00000000-0000-0000-0000-0000000000aa', 'verify_email', 'old@x', now() - interval '8 "
      "days'), "
      "('\\x02', '00000000-0000-0000-0000-0000000000aa', 'verify_email', 'new@x', now() + interval '1 day');"
      "INSERT INTO data_exports (user_id, status, storage_key, created_at, expires_at) VALUES "
      "('00000000-0000-0000-0000-0000000000aa', 'ready', 'exports/u/old.zip', now() - interval '9 days', "
      "now() - interval '2 days'), "
      "('00000000-0000-0000-0000-0000000000aa', 'ready', 'exports/u/new.zip', now() - interval '1 day', "
      "now() + interval '6 days')");
  storage->put_bytes("exports/u/old.zip", "old", "application/zip");
  storage->put_bytes("exports/u/new.zip", "new", "application/zip");

  jobs::WorkerOptions options;
  options.queue = app::kMaintenanceQueue;
  jobs::Worker worker(io.get_executor(), cluster, options);
  app::register_retention(worker, cluster, config, privacy, *storage);
  run(io, app::schedule_retention(cluster));
  EXPECT_EQ(run(io, worker.run_once()), 1u);

  EXPECT_EQ(run(io, one(kNotes)), "unread_old,read_new");
  EXPECT_EQ(run(io, one(kSessions)), "expired_recently,live");
  EXPECT_EQ(run(io, one(kTokens)), "new@x");
  EXPECT_EQ(run(io, one(kExports)), "expired:-,ready:exports/u/new.zip");
  EXPECT_FALSE(storage->head("exports/u/old.zip").has_value());
  EXPECT_TRUE(storage->head("exports/u/new.zip").has_value());
}

// UploadService::sweep_expired: a session still within its 24 hours keeps its row and chunks.
TEST_F(Retention, upload_sweep_expired_sessions_lose_their_rows_and_chunks_live_ones_keep_both) {
  exec_sql(
      url,
      "INSERT INTO users (id, username, email, password_hash, role) VALUES "
      "('00000000-0000-0000-0000-0000000000bb', 'sweep_artist', 'sweep@example.com', 'x', 'artist');"
      "INSERT INTO artist_profiles (user_id, stage_name, slug) VALUES "
      "('00000000-0000-0000-0000-0000000000bb', 'Sweep', 'sweep');"
      "INSERT INTO releases (id, artist_id, title, kind) VALUES "
      "('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000bb', 'R', 'single');"
      "INSERT INTO tracks (id, release_id, artist_id, position, title) VALUES "
      "('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-0000000000b1', "
      "'00000000-0000-0000-0000-0000000000bb', 1, 'T');"
      "INSERT INTO upload_sessions (id, owner_id, track_id, size, filename, updated_at, expires_at) VALUES "
      "('00000000-0000-0000-0000-00000000000e', '00000000-0000-0000-0000-0000000000bb', "
      "'00000000-0000-0000-0000-0000000000b2', 10, 'expired', now() - interval '25 hours', "
      "now() - interval '1 hour'), "
      "('00000000-0000-0000-0000-00000000000f', '00000000-0000-0000-0000-0000000000bb', "
      "'00000000-0000-0000-0000-0000000000b2', 10, 'live', now(), now() + interval '23 hours')");
  const std::string expired_chunk = "uploads/00000000-0000-0000-0000-00000000000e/0";
  const std::string live_chunk = "uploads/00000000-0000-0000-0000-00000000000f/0";
  storage->put_bytes(expired_chunk, "stale", "application/octet-stream");
  storage->put_bytes(live_chunk, "fresh", "application/octet-stream");

  EXPECT_EQ(run(io, uploads.sweep_expired(cluster)), 1);
  EXPECT_EQ(run(io, one(kSessions)), "live");
  EXPECT_FALSE(storage->head(expired_chunk).has_value());
  EXPECT_TRUE(storage->head(live_chunk).has_value());
  // Nothing left to sweep: a second run removes nothing.
  EXPECT_EQ(run(io, uploads.sweep_expired(cluster)), 0);
  EXPECT_TRUE(storage->head(live_chunk).has_value());
}
