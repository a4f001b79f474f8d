// docs/privacy.md "Retention": stale resumable uploads are swept (rows and chunk objects) by
// UploadService::sweep_expired; a session still within its 24 hours keeps both.
#include <gtest/gtest.h>

#include "core/config.hpp"
#include "features/artists/service.hpp"
#include "features/catalog/service.hpp"
#include "features/catalog/upload_service.hpp"
#include "media/storage.hpp"
#include "pg_harness.hpp"

using namespace mc;
using namespace mc::test;
using boost::asio::awaitable;

namespace {

constexpr db::Query kSessions{"t_sweep_sessions",
                              "SELECT coalesce(string_agg(filename, ',' ORDER BY filename), '') "
                              "FROM upload_sessions"};

class UploadSweep : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  std::string url = fresh_database();
  db::Cluster cluster{io.get_executor(), db::ClusterOptions{db::PoolOptions{"writer", url, 4, 100}}};
  Config config;
  std::filesystem::path media_root =
      std::filesystem::temp_directory_path() / ("mc-upload-sweep-" + std::to_string(::getpid()));
  std::unique_ptr<media::Storage> storage = [this] {
    media::StorageOptions o;
    o.fs_root = media_root;
    return media::make_storage(o);
  }();
  artists::ArtistsService artists;
  catalog::CatalogService catalog{artists};
  catalog::UploadService uploads{catalog, *storage, config};

  ~UploadSweep() override {
    std::error_code ec;
    std::filesystem::remove_all(media_root, ec);
  }

  awaitable<std::string> one(const db::Query& q) {
    auto conn = co_await cluster.writer();
    co_return (co_await conn->exec(q)).str(0, 0);
  }
};

}  // namespace

TEST_F(UploadSweep, expired_sessions_lose_their_rows_and_chunks_live_ones_keep_both) {
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
