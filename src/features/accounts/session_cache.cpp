#include "features/accounts/session_cache.hpp"

#include <algorithm>
#include <functional>

namespace mc::accounts {

SessionCache::SessionCache(std::chrono::milliseconds ttl, std::size_t max_entries)
    : ttl_(ttl), max_per_shard_(std::max<std::size_t>(1, max_entries / kShards)) {}

SessionCache::Shard& SessionCache::shard_of(const std::string& session_id) {
  return shards_[std::hash<std::string>{}(session_id) % kShards];
}

std::optional<bool> SessionCache::get(const std::string& session_id, const std::string& user_id,
                                      Clock::time_point now) {
  Shard& s = shard_of(session_id);
  const std::lock_guard lock(s.mutex);
  const auto it = s.entries.find(session_id);
  // An entry written for another user (a token pairing this session with the wrong user) says
  // nothing about this one: ask the database, so no token can poison the owner's entry.
  if (it == s.entries.end() || it->second.expires <= now || it->second.user_id != user_id)
    return std::nullopt;
  return it->second.live;
}

void SessionCache::put(const std::string& session_id, const std::string& user_id, bool live,
                       Clock::time_point now) {
  if (ttl_.count() == 0) return;
  Shard& s = shard_of(session_id);
  const std::lock_guard lock(s.mutex);
  if (s.entries.size() >= max_per_shard_ && !s.entries.contains(session_id)) {
    std::erase_if(s.entries, [now](const auto& e) { return e.second.expires <= now; });
    if (s.entries.size() >= max_per_shard_) s.entries.clear();
  }
  s.entries[session_id] = Entry{user_id, live, now + ttl_};
}

void SessionCache::forget(const std::string& session_id) {
  Shard& s = shard_of(session_id);
  const std::lock_guard lock(s.mutex);
  s.entries.erase(session_id);
}

void SessionCache::forget_user(const std::string& user_id) {
  for (Shard& s : shards_) {
    const std::lock_guard lock(s.mutex);
    std::erase_if(s.entries, [&](const auto& e) { return e.second.user_id == user_id; });
  }
}

}  // namespace mc::accounts
