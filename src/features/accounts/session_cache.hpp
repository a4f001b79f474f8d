#pragma once
#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mc::accounts {

// Which sessions are live, remembered per process for a few seconds (SESSION_CHECK_TTL_S): an access
// token of a revoked session stops working within that time everywhere without a database read per
// request. Revocations made by this process are forgotten at once; other processes see them when the
// entry expires. Sharded (every event loop asks on every request) and bounded: when a shard is full,
// its expired entries go, and if none had expired, all of them.
class SessionCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit SessionCache(std::chrono::milliseconds ttl, std::size_t max_entries = 100000);

  // nullopt: unknown or expired, ask the database.
  std::optional<bool> get(const std::string& session_id, const std::string& user_id, Clock::time_point now);
  void put(const std::string& session_id, const std::string& user_id, bool live, Clock::time_point now);
  void forget(const std::string& session_id);
  void forget_user(const std::string& user_id);

 private:
  struct Entry {
    std::string user_id;
    bool live = false;
    Clock::time_point expires;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard_of(const std::string& session_id);

  std::chrono::milliseconds ttl_;
  std::size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace mc::accounts
