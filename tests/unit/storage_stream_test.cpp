#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>

#include "core/crypto.hpp"
#include "features/streaming/storage_stream.hpp"
#include "media/fs_storage.hpp"

using namespace mc;
namespace fs = std::filesystem;

namespace {

// Runs a coroutine to completion on its own event loop; exceptions propagate.
template <class T>
T run(boost::asio::awaitable<T> coro) {
  boost::asio::io_context io;
  auto done = boost::asio::co_spawn(io, std::move(coro), boost::asio::use_future);
  io.run();
  return done.get();
}

class StorageStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto_init();
    std::string templ = (fs::temp_directory_path() / "mc-storage-stream-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    storage_ = std::make_unique<media::FsStorage>(dir_ / "media");
    storage_->put_bytes(kKey, std::string(10, 'a') + std::string(10, 'b') + "c", "audio/flac");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static constexpr const char* kKey = "renditions/t1/v1/flac.flac";
  fs::path dir_;
  std::unique_ptr<media::FsStorage> storage_;
};

// A rendition pruned between being found and being sent (a newer media version) must be a 404 the
// handler can still answer, not a 200 whose body never comes.
TEST_F(StorageStreamTest, an_object_removed_before_the_response_fails_when_primed) {
  streaming::StorageStream stream(*storage_, kKey, 0, 21, 10);
  storage_->remove(kKey);
  EXPECT_THROW(run(stream.prime()), media::StorageNotFound);
}

TEST_F(StorageStreamTest, the_primed_piece_is_sent_first_then_the_rest_in_pieces) {
  streaming::StorageStream stream(*storage_, kKey, 0, 21, 10);
  run(stream.prime());
  EXPECT_EQ(run(stream.next()), std::string(10, 'a'));
  EXPECT_EQ(run(stream.next()), std::string(10, 'b'));
  EXPECT_EQ(run(stream.next()), "c");
  EXPECT_EQ(run(stream.next()), "");
}

TEST_F(StorageStreamTest, a_range_is_streamed_without_priming_too) {
  streaming::StorageStream stream(*storage_, kKey, 5, 10, 4);
  EXPECT_EQ(run(stream.next()), "aaaa");
  EXPECT_EQ(run(stream.next()), "abbb");
  EXPECT_EQ(run(stream.next()), "bb");
  EXPECT_EQ(run(stream.next()), "");
}

}  // namespace
