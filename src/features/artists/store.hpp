#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The artists feature's SQL: profiles and the follow graph (prices: memberships::tier_prices).
namespace mc::artists::store {

using boost::asio::awaitable;

struct Profile {
  std::string id;
  std::string stage_name;
  std::string slug;
  std::string bio;
  std::vector<std::string> genres;
  std::optional<std::string> city;
  std::optional<std::string> country;
  std::string links_json;
  std::optional<std::string> avatar_key;
  std::optional<std::string> banner_key;
  int64_t followers = 0;
  int64_t subscribers = 0;
  std::string created_at;
};

struct ProfileUpdate {
  std::optional<std::string> stage_name;
  std::optional<std::string> bio;
  std::optional<std::vector<std::string>> genres;
  std::optional<std::string> city;
  std::optional<std::string> country;
  std::optional<std::string> links_json;
};

struct ListQuery {
  int page = 1;
  int limit = 20;
  std::optional<std::string> genre;
  std::optional<std::string> search;
};

struct FanEntry {
  std::string id;
  std::string username;
  std::string followed_at;
};

awaitable<std::optional<Profile>> find(db::Cluster& db, std::optional<db::Lsn> token,
                                       const std::string& id_or_slug);
awaitable<std::pair<std::vector<Profile>, int64_t>> list(db::Cluster& db, const ListQuery& q);
awaitable<bool> update(db::Transaction& tx, const std::string& artist_id, const ProfileUpdate& u);
// Points the artist's avatar or banner at new renditions; returns the previous prefix, if any.
awaitable<std::optional<std::string>> set_image(db::Transaction& tx, const std::string& artist_id, bool banner,
                                                const std::string& prefix);
awaitable<bool> follow(db::Transaction& tx, const std::string& fan_id, const std::string& artist_id);
awaitable<bool> unfollow(db::Transaction& tx, const std::string& fan_id, const std::string& artist_id);
awaitable<std::vector<FanEntry>> followers(db::Cluster& db, std::optional<db::Lsn> token,
                                           const std::string& artist_id, int page, int limit);
awaitable<std::vector<Profile>> fans_also_follow(db::Cluster& db, const std::string& artist_id, int limit);
awaitable<bool> is_following(db::Cluster& db, std::optional<db::Lsn> token, const std::string& fan_id,
                             const std::string& artist_id);
// The artists a fan follows, most recently followed first, and how many there are.
awaitable<std::pair<std::vector<Profile>, int64_t>> following(db::Cluster& db, std::optional<db::Lsn> token,
                                                              const std::string& fan_id, int page, int limit);

}  // namespace mc::artists::store
