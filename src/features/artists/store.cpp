#include "features/artists/store.hpp"
#include "core/uuid.hpp"

#include <boost/json.hpp>

namespace mc::artists::store {
namespace {

using db::params;
using db::Query;

#define MC_PROFILE_COLUMNS                                                                         \
  "a.user_id, a.stage_name, a.slug, a.bio, array_to_json(a.genres)::text, a.location_city, "       \
  "a.location_country, a.links::text, a.avatar_key, a.banner_key, "                                \
  "(SELECT count(*) FROM follows f WHERE f.artist_id = a.user_id), "                               \
  "(SELECT count(*) FROM subscriptions s WHERE s.artist_id = a.user_id AND s.status = 'active'), " \
  "to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "

constexpr Query kFindById{"artists_find_by_id",
                          "SELECT " MC_PROFILE_COLUMNS "FROM artist_profiles a WHERE a.user_id = $1::uuid"};
constexpr Query kFindBySlug{"artists_find_by_slug",
                            "SELECT " MC_PROFILE_COLUMNS "FROM artist_profiles a WHERE a.slug = $1"};
// Listing: newest first, optional genre (GIN index) and name prefix search (text_pattern_ops index).
constexpr Query kList{"artists_list",
                      "SELECT " MC_PROFILE_COLUMNS
                      ", count(*) OVER () FROM artist_profiles a "
                      "WHERE ($1::text IS NULL OR a.genres @> ARRAY[$1::text]) "
                      "AND ($2::text IS NULL OR lower(a.stage_name) LIKE lower($2::text) || '%' "
                      "OR lower(a.stage_name) LIKE '% ' || lower($2::text) || '%') "
                      "ORDER BY a.created_at DESC, a.user_id LIMIT $3 OFFSET $4"};
constexpr Query kUpdate{
    "artists_update_profile",
    "UPDATE artist_profiles SET stage_name = coalesce($2, stage_name), bio = coalesce($3, bio), "
    "genres = coalesce($4::text[], genres), location_city = coalesce($5, location_city), "
    "location_country = coalesce($6, location_country), links = coalesce($7::jsonb, links), "
    "updated_at = now() WHERE user_id = $1"};
constexpr Query kFollow{"artists_follow",
                        "INSERT INTO follows (fan_id, artist_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"};
constexpr Query kUnfollow{"artists_unfollow", "DELETE FROM follows WHERE fan_id = $1 AND artist_id = $2"};
constexpr Query kFollowers{
    "artists_followers",
    "SELECT u.id, u.username, to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM follows f JOIN users u ON u.id = f.fan_id WHERE f.artist_id = $1 "
    "ORDER BY f.created_at DESC, f.fan_id LIMIT $2 OFFSET $3"};
// Artists most followed by this artist's followers (co-follow counts), excluding the artist.
constexpr Query kAlsoFollow{
    "artists_fans_also_follow",
    "SELECT " MC_PROFILE_COLUMNS
    "FROM (SELECT f2.artist_id, count(*) AS shared FROM follows f1 "
    "JOIN follows f2 ON f2.fan_id = f1.fan_id AND f2.artist_id <> f1.artist_id "
    "WHERE f1.artist_id = $1 GROUP BY f2.artist_id ORDER BY shared DESC, f2.artist_id LIMIT $2) c "
    "JOIN artist_profiles a ON a.user_id = c.artist_id ORDER BY c.shared DESC, a.user_id"};

constexpr Query kIsFollowing{"artists_is_following",
                             "SELECT 1 FROM follows WHERE fan_id = $1::uuid AND artist_id = $2::uuid"};
// A fan's follows: the primary key (fan_id, artist_id) finds them; one fan's list is sorted in memory.
constexpr Query kFollowing{
    "artists_following",
    "SELECT " MC_PROFILE_COLUMNS
    ", count(*) OVER () FROM follows fo JOIN artist_profiles a ON a.user_id = fo.artist_id "
    "WHERE fo.fan_id = $1::uuid ORDER BY fo.created_at DESC, fo.artist_id LIMIT $2 OFFSET $3"};

std::vector<std::string> string_array(std::string_view json_text) {
  std::vector<std::string> out;
  const auto v = boost::json::parse(json_text);
  if (!v.is_array()) return out;
  for (const auto& e : v.as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

Profile profile_from(const db::Result& r, int i) {
  return Profile{r.str(i, 0),     r.str(i, 1),     r.str(i, 2), r.str(i, 3),     string_array(r.view(i, 4)),
                 r.opt_str(i, 5), r.opt_str(i, 6), r.str(i, 7), r.opt_str(i, 8), r.opt_str(i, 9),
                 r.int64(i, 10),  r.int64(i, 11),  r.str(i, 12)};
}

// The previous key comes from a join evaluated before the update (a CTE would run lazily, after it).
constexpr Query kSetAvatar{"artists_set_avatar",
                           "UPDATE artist_profiles a SET avatar_key = $2 FROM (SELECT avatar_key AS previous "
                           "FROM artist_profiles WHERE user_id = $1 FOR UPDATE) p WHERE a.user_id = $1 "
                           "RETURNING p.previous"};
constexpr Query kSetBanner{"artists_set_banner",
                           "UPDATE artist_profiles a SET banner_key = $2 FROM (SELECT banner_key AS previous "
                           "FROM artist_profiles WHERE user_id = $1 FOR UPDATE) p WHERE a.user_id = $1 "
                           "RETURNING p.previous"};

}  // namespace

awaitable<std::optional<Profile>> find(db::Cluster& db, std::optional<db::Lsn> token,
                                       const std::string& id_or_slug) {
  const Query& q = is_uuid(id_or_slug) ? kFindById : kFindBySlug;
  const db::Result r = co_await db.read(q, params(id_or_slug), token);
  if (r.empty()) co_return std::nullopt;
  co_return profile_from(r, 0);
}

awaitable<std::pair<std::vector<Profile>, int64_t>> list(db::Cluster& db, const ListQuery& q) {
  const db::Result r =
      co_await db.read(kList, params(q.genre, q.search, q.limit, static_cast<int64_t>(q.page - 1) * q.limit));
  std::vector<Profile> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  int64_t total = 0;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(profile_from(r, i));
    total = r.int64(i, 13);
  }
  co_return std::make_pair(std::move(out), total);
}

awaitable<bool> update(db::Transaction& tx, const std::string& artist_id, const ProfileUpdate& u) {
  const db::Result r = co_await tx.exec(
      kUpdate, params(artist_id, u.stage_name, u.bio, u.genres, u.city, u.country, u.links_json));
  co_return r.affected() == 1;
}

awaitable<bool> follow(db::Transaction& tx, const std::string& fan_id, const std::string& artist_id) {
  const db::Result r = co_await tx.exec(kFollow, params(fan_id, artist_id));
  co_return r.affected() == 1;
}

awaitable<bool> unfollow(db::Transaction& tx, const std::string& fan_id, const std::string& artist_id) {
  const db::Result r = co_await tx.exec(kUnfollow, params(fan_id, artist_id));
  co_return r.affected() == 1;
}

awaitable<std::vector<FanEntry>> followers(db::Cluster& db, std::optional<db::Lsn> token,
                                           const std::string& artist_id, int page, int limit) {
  const db::Result r =
      co_await db.read(kFollowers, params(artist_id, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<FanEntry> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(FanEntry{r.str(i, 0), r.str(i, 1), r.str(i, 2)});
  co_return out;
}

awaitable<std::vector<Profile>> fans_also_follow(db::Cluster& db, const std::string& artist_id, int limit) {
  const db::Result r = co_await db.read(kAlsoFollow, params(artist_id, limit));
  std::vector<Profile> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(profile_from(r, i));
  co_return out;
}

awaitable<std::optional<std::string>> set_image(db::Transaction& tx, const std::string& artist_id,
                                                bool banner, const std::string& prefix) {
  const db::Result r = co_await tx.exec(banner ? kSetBanner : kSetAvatar, db::params(artist_id, prefix));
  if (r.empty()) co_return std::nullopt;
  co_return r.opt_str(0, 0);
}

awaitable<bool> is_following(db::Cluster& db, std::optional<db::Lsn> token, const std::string& fan_id,
                             const std::string& artist_id) {
  const db::Result r = co_await db.read(kIsFollowing, params(fan_id, artist_id), token);
  co_return !r.empty();
}

awaitable<std::pair<std::vector<Profile>, int64_t>> following(db::Cluster& db, std::optional<db::Lsn> token,
                                                              const std::string& fan_id, int page,
                                                              int limit) {
  const db::Result r =
      co_await db.read(kFollowing, params(fan_id, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<Profile> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  int64_t total = 0;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(profile_from(r, i));
    total = r.int64(i, 13);
  }
  co_return std::make_pair(std::move(out), total);
}

}  // namespace mc::artists::store
