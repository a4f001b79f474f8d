#include "features/posts/store.hpp"

#include "db/sql_time.hpp"

namespace mc::posts::store {
namespace {

using db::params;
using db::Query;

// The post's own columns, its artist's name, and what the viewer ($V: a user id or null) has done.
#define MC_POST_COLUMNS(V) \
  "p.id, p.artist_id, a.stage_name, a.slug, p.title, p.body, p.body_html, p.visibility, p.min_tier, "       \
  "array_to_string(p.track_ids, ','), p.image_key, " MC_ISO("p.publish_at") ", p.publish_at <= now(), "      \
  "p.like_count, (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL " \
  "AND c.hidden_at IS NULL), "       \
  MC_ISO("p.created_at") ", (extract(epoch FROM p.publish_at) * 1000000)::bigint, "                          \
  "EXISTS (SELECT 1 FROM post_likes l WHERE l.post_id = p.id AND l.user_id = " V "::uuid), "                 \
  "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = p.artist_id AND f.fan_id = " V "::uuid) "
#define MC_AFTER_CURSOR(at, id, us, cid)                                      \
  "(" us "::bigint IS NULL OR (" at ", " id ") < ('epoch'::timestamptz + " us \
  " * interval '1 microsecond', " cid "::uuid))"

constexpr Query kInsertPost{
    "posts_insert",
    "INSERT INTO posts (artist_id, title, body, body_html, body_text, visibility, min_tier, track_ids, "
    "publish_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::uuid[], coalesce($9::timestamptz, now())) "
    "RETURNING id, publish_at <= now(), "
    "greatest(0, ceil(extract(epoch FROM publish_at - now()) * 1000))::bigint"};
constexpr Query kOwnTracks{"posts_own_tracks",
                           "SELECT count(*) FROM tracks WHERE id = ANY($1::uuid[]) AND artist_id = $2"};
constexpr Query kAnnounce{"posts_announce",
                          "UPDATE posts SET announced_at = now() WHERE id = $1 AND announced_at IS NULL "
                          "AND publish_at <= now() RETURNING artist_id, title"};
constexpr Query kScheduled{"posts_scheduled", "SELECT 1 FROM posts WHERE id = $1 AND publish_at > now()"};
constexpr Query kPost{
    "posts_get", "SELECT " MC_POST_COLUMNS(
                     "$2") "FROM posts p JOIN artist_profiles a ON a.user_id = p.artist_id WHERE p.id = $1 "
                     "AND p.hidden_at IS NULL"};
constexpr Query kPostsByIds{"posts_by_ids",
                            "SELECT " MC_POST_COLUMNS("$2")
                            "FROM posts p JOIN artist_profiles a ON a.user_id = p.artist_id "
                            "WHERE p.id = ANY($1::uuid[]) AND p.hidden_at IS NULL"};
constexpr Query kArtistPosts{
    "posts_of_artist",
    "SELECT " MC_POST_COLUMNS("$6") "FROM posts p JOIN artist_profiles a ON a.user_id = p.artist_id "
    "WHERE p.artist_id = $1 AND p.hidden_at IS NULL AND (p.publish_at <= now() OR $5::boolean) AND " MC_AFTER_CURSOR(
        "p.publish_at", "p.id", "$2", "$3") " ORDER BY p.publish_at DESC, p.id DESC LIMIT $4"};
constexpr Query kDeletePost{
    "posts_delete",
    "DELETE FROM posts WHERE id = $1 AND (artist_id = $2 OR $3::boolean) RETURNING image_key, artist_id"};
constexpr Query kSetImage{
    "posts_set_image",
    "WITH old AS (SELECT id, image_key FROM posts WHERE id = $1 AND artist_id = $2 FOR UPDATE) "
    "UPDATE posts p SET image_key = $3 FROM old WHERE p.id = old.id RETURNING old.image_key"};
constexpr Query kLike{
    "posts_like",
    "WITH ins AS (INSERT INTO post_likes (user_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING "
    "RETURNING post_id) UPDATE posts SET like_count = like_count + (SELECT count(*) FROM ins) "
    "WHERE id = $2 RETURNING like_count"};
constexpr Query kUnlike{
    "posts_unlike",
    "WITH del AS (DELETE FROM post_likes WHERE user_id = $1 AND post_id = $2 RETURNING post_id) "
    "UPDATE posts SET like_count = like_count - (SELECT count(*) FROM del) WHERE id = $2 "
    "RETURNING like_count"};

// The same shape and rules as the track comments (catalog/store.cpp), on posts.
#define MC_COMMENT_COLUMNS                                                           \
  "c.id, coalesce(c.track_id, c.post_id), c.user_id, u.username, c.parent_id, "      \
  "CASE WHEN c.deleted_at IS NULL AND c.hidden_at IS NULL THEN c.body END, " MC_ISO( \
      "c.created_at") ", c.edited_at IS NOT NULL "
constexpr Query kInsertComment{"posts_insert_comment",
                               "WITH c AS (INSERT INTO comments (post_id, user_id, parent_id, body) VALUES "
                               "($1, $2, $3, $4) RETURNING *) "
                               "SELECT " MC_COMMENT_COLUMNS "FROM c JOIN users u ON u.id = c.user_id"};
constexpr Query kCommentsPage{
    "posts_comments_page",
    "WITH top AS (SELECT c.* FROM comments c WHERE c.post_id = $1 AND c.parent_id IS NULL "
    "AND ((c.deleted_at IS NULL AND c.hidden_at IS NULL) OR EXISTS (SELECT 1 FROM comments r WHERE "
    "r.parent_id "
    "= c.id AND r.deleted_at IS NULL AND r.hidden_at IS NULL)) "
    "ORDER BY c.created_at DESC, c.id LIMIT $2 OFFSET $3), "
    "rows AS (SELECT t.*, t.created_at AS top_at, t.id AS top_id, 0 AS depth FROM top t "
    "UNION ALL SELECT r.*, t.created_at, t.id, 1 FROM comments r JOIN top t ON r.parent_id = t.id "
    "WHERE r.deleted_at IS NULL AND r.hidden_at IS NULL) "
    "SELECT " MC_COMMENT_COLUMNS
    "FROM rows c JOIN users u ON u.id = c.user_id "
    "ORDER BY c.top_at DESC, c.top_id, c.depth, c.created_at, c.id"};

// Each branch stops at `limit` rows after the cursor, so a fan following many artists still reads
// at most 2 × limit rows from the indexes (posts_artist_idx, releases_artist_out_idx).
constexpr Query kFeed{
    "posts_feed",
    "WITH f AS (SELECT artist_id FROM follows WHERE fan_id = $1), "
    "p AS (SELECT 'post'::text AS kind, p.id, p.publish_at AS at FROM posts p "
    "WHERE p.artist_id IN (SELECT artist_id FROM f) AND p.publish_at <= now() AND p.hidden_at IS NULL AND " MC_AFTER_CURSOR(
        "p.publish_at", "p.id", "$2", "$3") " ORDER BY p.publish_at DESC, p.id DESC LIMIT $4), "
    "r AS (SELECT 'release'::text AS kind, r.id, coalesce(r.release_at, r.created_at) AS at FROM releases r "
    "WHERE r.artist_id IN (SELECT artist_id FROM f) AND r.published "
    "AND coalesce(r.release_at, r.created_at) <= now() AND " MC_AFTER_CURSOR(
        "coalesce(r.release_at, r.created_at)", "r.id", "$2", "$3") " ORDER BY coalesce(r.release_at, "
    "r.created_at) DESC, r.id DESC LIMIT $4) "
    "SELECT kind, id, (extract(epoch FROM at) * 1000000)::bigint FROM (SELECT * FROM p UNION ALL SELECT * FROM r) "
    "items ORDER BY at DESC, id DESC LIMIT $4"};
constexpr Query kReleasesByIds{
    "posts_feed_releases",
    "SELECT r.id, r.artist_id, a.stage_name, a.slug, r.title, r.kind, r.genre, r.cover_key, r.min_tier, "
    "extract(epoch FROM r.release_at)::double precision, r.published, " MC_ISO("coalesce(r.release_at, r.created_at)")
    ", (SELECT count(*) FROM tracks t WHERE t.release_id = r.id) "
    "FROM releases r JOIN artist_profiles a ON a.user_id = r.artist_id WHERE r.id = ANY($1::uuid[])"};

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

Post post_from(const db::Result& r, int i) {
  Post p;
  p.id = r.str(i, 0);
  p.artist_id = r.str(i, 1);
  p.artist_name = r.str(i, 2);
  p.artist_slug = r.str(i, 3);
  p.title = r.str(i, 4);
  p.body = r.str(i, 5);
  p.body_html = r.str(i, 6);
  p.visibility = r.str(i, 7);
  p.min_tier = r.str(i, 8);
  p.track_ids = split(r.view(i, 9));
  p.image_key = r.opt_str(i, 10);
  p.publish_at = r.str(i, 11);
  p.live = r.boolean(i, 12);
  p.like_count = r.int64(i, 13);
  p.comment_count = r.int64(i, 14);
  p.created_at = r.str(i, 15);
  p.sort_us = r.int64(i, 16);
  p.liked = r.boolean(i, 17);
  p.follows = r.boolean(i, 18);
  return p;
}

std::vector<Post> posts_from(const db::Result& r) {
  std::vector<Post> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(post_from(r, i));
  return out;
}

catalog::store::Comment comment_from(const db::Result& r, int i) {
  return catalog::store::Comment{r.str(i, 0),     r.str(i, 1),     r.str(i, 2), r.str(i, 3),
                                 r.opt_str(i, 4), r.opt_str(i, 5), r.str(i, 6), r.boolean(i, 7)};
}

std::optional<int64_t> cursor_us(const std::optional<Cursor>& c) {
  return c ? std::optional<int64_t>(c->at_us) : std::nullopt;
}
std::optional<std::string> cursor_id(const std::optional<Cursor>& c) {
  return c ? std::optional<std::string>(c->id) : std::nullopt;
}

}  // namespace

awaitable<Inserted> insert_post(db::Transaction& tx, const std::string& artist_id, const NewPost& p) {
  const db::Result r =
      co_await tx.exec(kInsertPost, params(artist_id, p.title, p.body, p.body_html, p.body_text, p.visibility,
                                           p.min_tier, p.track_ids, p.publish_at));
  co_return Inserted{r.str(0, 0), r.boolean(0, 1), r.int64(0, 2)};
}

awaitable<int64_t> own_tracks(db::Transaction& tx, const std::string& artist_id,
                              const std::vector<std::string>& ids) {
  const db::Result r = co_await tx.exec(kOwnTracks, params(ids, artist_id));
  co_return r.int64(0, 0);
}

awaitable<std::optional<Announce>> announce(db::Transaction& tx, const std::string& post_id) {
  const db::Result r = co_await tx.exec(kAnnounce, params(post_id));
  if (r.empty()) co_return std::nullopt;
  co_return Announce{r.str(0, 0), r.str(0, 1)};
}

awaitable<bool> scheduled(db::Transaction& tx, const std::string& post_id) {
  const db::Result r = co_await tx.exec(kScheduled, params(post_id));
  co_return !r.empty();
}

awaitable<std::optional<Post>> post(db::Cluster& db, std::optional<db::Lsn> token, const std::string& id,
                                    const std::optional<std::string>& viewer) {
  const db::Result r = co_await db.read(kPost, params(id, viewer), token);
  if (r.empty()) co_return std::nullopt;
  co_return post_from(r, 0);
}

awaitable<std::vector<Post>> posts_by_ids(db::Cluster& db, std::optional<db::Lsn> token,
                                          const std::vector<std::string>& ids,
                                          const std::optional<std::string>& viewer) {
  if (ids.empty()) co_return std::vector<Post>{};
  const db::Result r = co_await db.read(kPostsByIds, params(ids, viewer), token);
  co_return posts_from(r);
}

awaitable<std::vector<Post>> artist_posts(db::Cluster& db, std::optional<db::Lsn> token,
                                          const std::string& artist_id, const std::optional<Cursor>& after,
                                          int limit, bool with_scheduled,
                                          const std::optional<std::string>& viewer) {
  const db::Result r = co_await db.read(
      kArtistPosts, params(artist_id, cursor_us(after), cursor_id(after), limit, with_scheduled, viewer),
      token);
  co_return posts_from(r);
}

awaitable<Deleted> delete_post(db::Transaction& tx, const std::string& id, const std::string& artist_id,
                               bool any) {
  const db::Result r = co_await tx.exec(kDeletePost, params(id, artist_id, any));
  if (r.empty()) co_return Deleted{};
  co_return Deleted{true, r.opt_str(0, 0), r.str(0, 1)};
}

awaitable<Deleted> set_image(db::Transaction& tx, const std::string& id, const std::string& artist_id,
                             const std::string& image_key) {
  const db::Result r = co_await tx.exec(kSetImage, params(id, artist_id, image_key));
  if (r.empty()) co_return Deleted{};
  co_return Deleted{true, r.opt_str(0, 0)};
}

awaitable<int64_t> like(db::Transaction& tx, const std::string& user_id, const std::string& post_id,
                        bool on) {
  const db::Result r = co_await tx.exec(on ? kLike : kUnlike, params(user_id, post_id));
  co_return r.empty() ? 0 : r.int64(0, 0);
}

awaitable<catalog::store::Comment> insert_comment(db::Transaction& tx, const std::string& post_id,
                                                  const std::string& user_id,
                                                  const std::optional<std::string>& parent_id,
                                                  const std::string& body) {
  const db::Result r = co_await tx.exec(kInsertComment, params(post_id, user_id, parent_id, body));
  co_return comment_from(r, 0);
}

awaitable<std::vector<catalog::store::Comment>> comments_page(db::Cluster& db, std::optional<db::Lsn> token,
                                                              const std::string& post_id, int page,
                                                              int limit) {
  const db::Result r =
      co_await db.read(kCommentsPage, params(post_id, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<catalog::store::Comment> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(comment_from(r, i));
  co_return out;
}

awaitable<std::vector<FeedRow>> feed(db::Cluster& db, std::optional<db::Lsn> token, const std::string& fan_id,
                                     const std::optional<Cursor>& after, int limit) {
  const db::Result r =
      co_await db.read(kFeed, params(fan_id, cursor_us(after), cursor_id(after), limit), token);
  std::vector<FeedRow> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(FeedRow{r.str(i, 0), r.str(i, 1), r.int64(i, 2)});
  co_return out;
}

awaitable<std::vector<FeedRelease>> releases_by_ids(db::Cluster& db, std::optional<db::Lsn> token,
                                                    const std::vector<std::string>& ids) {
  std::vector<FeedRelease> out;
  if (ids.empty()) co_return out;
  const db::Result r = co_await db.read(kReleasesByIds, params(ids), token);
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    FeedRelease f;
    f.id = r.str(i, 0);
    f.artist_id = r.str(i, 1);
    f.artist_name = r.str(i, 2);
    f.artist_slug = r.str(i, 3);
    f.title = r.str(i, 4);
    f.kind = r.str(i, 5);
    f.genre = r.opt_str(i, 6);
    f.cover_key = r.opt_str(i, 7);
    f.min_tier = r.str(i, 8);
    if (!r.is_null(i, 9)) f.release_at = std::stod(r.str(i, 9));
    f.published = r.boolean(i, 10);
    f.released_at = r.str(i, 11);
    f.tracks = r.int64(i, 12);
    out.push_back(std::move(f));
  }
  co_return out;
}

}  // namespace mc::posts::store
