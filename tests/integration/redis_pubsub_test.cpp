// RedisPubSub against a real redis-server (Debian's, started here on a free loopback port): round
// trips, reference-counted subscriptions, and recovery after Redis is killed and comes back.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis_pubsub.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mc;
namespace asio = boost::asio;

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A redis-server child process: no persistence, loopback only.
class RedisServer {
 public:
  explicit RedisServer(int port) : port_(port) { start(); }
  ~RedisServer() { kill9(); }
  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string p = std::to_string(port_);
      ::execlp("redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  void kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

// Runs the loop until `done` holds or the deadline passes.
bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace

TEST(RedisUrl, ReadsHostPortPasswordAndDatabase) {
  std::string why;
  auto ep = cache::parse_redis_url("redis://:s3cret@cache.internal:6380/2", why);
  ASSERT_TRUE(ep) << why;
  EXPECT_EQ(ep->host, "cache.internal");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->db, 2);
  ep = cache::parse_redis_url("redis://localhost", why);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->port, 6379);
  EXPECT_FALSE(cache::parse_redis_url("rediss://x:6379", why));
  EXPECT_NE(why.find("TLS"), std::string::npos);
  EXPECT_FALSE(cache::parse_redis_url("http://x", why));
  EXPECT_FALSE(cache::parse_redis_url("redis://x:0", why));
  EXPECT_FALSE(cache::parse_redis_url("redis://x:6379/db", why));
  EXPECT_FALSE(cache::parse_redis_url("redis://", why));
}

TEST(RedisPubSub, DeliversToSubscribersOnlyAndRecoversAfterRedisIsKilled) {
  const int port = free_port();
  RedisServer redis(port);
  asio::io_context io;
  std::vector<std::pair<std::string, std::string>> got;
  cache::RedisEndpoint ep;
  ep.port = port;
  cache::RedisPubSub bus(io.get_executor(), ep, [&got](std::string_view ch, std::string_view payload) {
    got.emplace_back(ch, payload);
  });
  std::vector<std::string> resubscribed;
  bus.on_resubscribed([&resubscribed](const std::string& ch) { resubscribed.push_back(ch); });
  bus.start();
  bool active = false;
  bus.subscribe("mc:a", [&active](const std::string&) { active = true; });
  ASSERT_TRUE(run_until(
      io, [&] { return active; }, std::chrono::seconds(5)));

  bus.publish("mc:a", std::string("one\0two", 7));  // binary-safe
  bus.publish("mc:b", "nobody listens");
  ASSERT_TRUE(run_until(
      io, [&] { return !got.empty(); }, std::chrono::seconds(5)));
  run_until(
      io, [] { return false; }, std::chrono::milliseconds(300));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, "mc:a");
  EXPECT_EQ(got[0].second, std::string("one\0two", 7));

  // Two holders: the first unsubscribe keeps the channel, the second ends it.
  bus.subscribe("mc:a");
  bus.unsubscribe("mc:a");
  bus.publish("mc:a", "still");
  ASSERT_TRUE(run_until(
      io, [&] { return got.size() == 2; }, std::chrono::seconds(5)));

  // Redis dies and comes back: the bus reconnects by itself and subscribes again.
  redis.kill9();
  run_until(
      io, [&] { return !bus.connected(); }, std::chrono::seconds(5));
  EXPECT_FALSE(bus.connected());
  bus.publish("mc:a", "lost while down");  // dropped and counted, never queued
  run_until(
      io, [] { return false; }, std::chrono::milliseconds(300));
  redis.start();
  ASSERT_TRUE(run_until(
      io, [&] { return !resubscribed.empty(); }, std::chrono::seconds(15)));
  EXPECT_EQ(resubscribed.front(), "mc:a");
  EXPECT_GE(bus.dropped_publishes(), 1u);
  bus.publish("mc:a", "after");
  ASSERT_TRUE(run_until(
      io, [&] { return got.size() == 3; }, std::chrono::seconds(5)));
  EXPECT_EQ(got.back().second, "after");

  bus.unsubscribe("mc:a");
  bus.publish("mc:a", "gone");
  run_until(
      io, [] { return false; }, std::chrono::seconds(1));
  EXPECT_EQ(got.size(), 3u);
  bus.stop();
  run_until(
      io, [] { return false; }, std::chrono::seconds(1));
}
