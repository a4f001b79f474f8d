#include "features/catalog/store.hpp"

#include "db/sql_time.hpp"

#include <algorithm>
#include <string>

namespace mc::catalog::store {
namespace {

using db::params;
using db::Query;

#define MC_RELEASE_COLUMNS \
  "r.id, r.artist_id, r.title, r.kind, r.genre, array_to_json(r.tags)::text, r.cover_key, r.min_tier, " \
  "extract(epoch FROM r.release_at)::double precision, r.published, " MC_ISO("r.created_at") ", r.description, " \
  "r.credits::text, r.archived_at IS NOT NULL "
#define MC_TRACK_COLUMNS                                                                                    \
  "t.id, t.release_id, t.artist_id, t.position, t.title, t.min_tier, "                                      \
  "extract(epoch FROM coalesce(t.release_at, r.release_at))::double precision, "                            \
  "(r.published AND t.hidden_at IS NULL), t.status, "                                                       \
  "t.progress, t.duration_s, t.gain_db, coalesce(t.artwork_key, r.cover_key), t.play_count, t.like_count, " \
  "t.rungs::text, t.media_version, t.processing_error, t.original_key "

constexpr Query kInsertRelease{
    "catalog_insert_release",
    "INSERT INTO releases AS r (artist_id, title, kind, genre, tags, min_tier, release_at) "
    "VALUES ($1, $2, $3, $4, coalesce($5::text[], '{}'), $6, $7::timestamptz) RETURNING " MC_RELEASE_COLUMNS};
constexpr Query kPatchRelease{
    "catalog_patch_release",
    "UPDATE releases AS r SET title = coalesce($3, title), min_tier = coalesce($4, min_tier), "
    "release_at = CASE WHEN $7::boolean THEN NULL ELSE coalesce($5::timestamptz, release_at) END, "
    "published = coalesce($6::boolean, published), description = coalesce($8, description), "
    "archived_at = CASE WHEN $6::boolean THEN NULL ELSE archived_at END, "
    "credits = coalesce($9::jsonb, credits), updated_at = now() "
    "WHERE id = $1 AND artist_id = $2 RETURNING " MC_RELEASE_COLUMNS};
constexpr Query kPatchTrack{"catalog_patch_track",
                            "UPDATE tracks AS t SET title = coalesce($3, t.title), min_tier = coalesce($4, "
                            "t.min_tier), updated_at = now() "
                            "FROM releases r WHERE r.id = t.release_id AND t.id = $1 AND t.artist_id = $2 "
                            "RETURNING " MC_TRACK_COLUMNS};
constexpr Query kSetCover{
    "catalog_set_cover",
    "WITH old AS (SELECT id, cover_key FROM releases WHERE id = $1 AND artist_id = $2 FOR UPDATE) "
    "UPDATE releases r SET cover_key = $3, updated_at = now() FROM old WHERE r.id = old.id "
    "RETURNING old.cover_key"};
// A release or track has history when someone bought it (or, for a track, its release) or it was played.
constexpr Query kReleaseHistory{
    "catalog_release_history",
    "SELECT r.cover_key, EXISTS (SELECT 1 FROM purchases p WHERE p.payment_id IS NOT NULL AND "
    "((p.item_type = 'release' AND p.item_id = r.id) OR (p.item_type = 'track' AND p.item_id IN "
    "(SELECT id FROM tracks WHERE release_id = r.id)))) OR EXISTS (SELECT 1 FROM tracks WHERE release_id = "
    "r.id "
    "AND play_count > 0) FROM releases r WHERE r.id = $1 AND r.artist_id = $2 FOR UPDATE"};
constexpr Query kTrackHistory{
    "catalog_track_history",
    "SELECT EXISTS (SELECT 1 FROM purchases p WHERE p.payment_id IS NOT NULL AND "
    "((p.item_type = 'track' AND p.item_id = t.id) OR (p.item_type = 'release' AND p.item_id = "
    "t.release_id))) "
    "OR t.play_count > 0 FROM tracks t WHERE t.id = $1 AND t.artist_id = $2 FOR UPDATE"};
constexpr Query kMediaOfTracks{
    "catalog_media_of_tracks",
    "SELECT id, original_key FROM tracks WHERE (release_id = $1::uuid OR id = $2::uuid)"};
constexpr Query kArchiveRelease{
    "catalog_archive_release",
    "UPDATE releases SET archived_at = now(), published = false, updated_at = now() "
    "WHERE id = $1"};
constexpr Query kDeleteRelease{"catalog_delete_release", "DELETE FROM releases WHERE id = $1"};
// The remaining tracks close the gap, in one statement (the position constraint is deferrable).
constexpr Query kDeleteTrack{
    "catalog_delete_track",
    "WITH gone AS (DELETE FROM tracks WHERE id = $1 RETURNING release_id, position) "
    "UPDATE tracks t SET position = t.position - 1 FROM gone WHERE t.release_id = gone.release_id "
    "AND t.position > gone.position"};
constexpr Query kReleaseOwner{"catalog_release_owner",
                              "SELECT artist_id FROM releases WHERE id = $1 FOR UPDATE"};
constexpr Query kInsertTrack{
    "catalog_insert_track",
    "WITH ins AS (INSERT INTO tracks (release_id, artist_id, title, min_tier, position) "
    "VALUES ($1, $2, $3, $4, coalesce($5::int, (SELECT coalesce(max(position), 0) + 1 FROM tracks "
    "WHERE release_id = $1))) RETURNING *) "
    "SELECT " MC_TRACK_COLUMNS "FROM ins t JOIN releases r ON r.id = t.release_id"};
constexpr Query kTrackIdsOf{"catalog_track_ids_of",
                            "SELECT id FROM tracks WHERE release_id = $1 ORDER BY position"};
// One statement: the (release_id, position) constraint is deferrable, so it is checked once the
// whole permutation is in place, not row by row.
constexpr Query kReorderTracks{
    "catalog_reorder_tracks",
    "UPDATE tracks t SET position = o.ord, updated_at = now() "
    "FROM unnest($2::uuid[]) WITH ORDINALITY AS o (id, ord) WHERE t.id = o.id AND t.release_id = $1"};
constexpr Query kReleasesOf{"catalog_releases_of",
                            "SELECT " MC_RELEASE_COLUMNS
                            "FROM releases r WHERE r.artist_id = $1 "
                            "ORDER BY coalesce(r.release_at, r.created_at) DESC, r.id LIMIT 200"};
constexpr Query kTracksOfArtist{"catalog_tracks_of_artist",
                                "SELECT " MC_TRACK_COLUMNS
                                "FROM tracks t JOIN releases r ON r.id = t.release_id "
                                "WHERE t.artist_id = $1 ORDER BY t.release_id, t.position LIMIT 2000"};
constexpr Query kTrack{
    "catalog_track", "SELECT " MC_TRACK_COLUMNS
                     ", t.peaks::text FROM tracks t JOIN releases r ON r.id = t.release_id WHERE t.id = $1"};

constexpr Query kLiked{"catalog_liked",
                       "SELECT 1 FROM likes WHERE user_id = $1::uuid AND track_id = $2::uuid"};
// One user's likes: the primary key (user_id, track_id) finds them; one user's list is sorted in memory.
constexpr Query kLikedTracks{"catalog_liked_tracks",
                             "SELECT track_id, count(*) OVER () FROM likes WHERE user_id = $1::uuid "
                             "ORDER BY created_at DESC, track_id LIMIT $2 OFFSET $3"};
// Discovery: out now (published, released, with audio), newest first; the artist's name after
// the item's own columns.
#define MC_OUT_NOW(r) r ".published AND (" r ".release_at IS NULL OR " r ".release_at <= now()) "
constexpr Query kNewReleases{
    "catalog_new_releases",
    "SELECT " MC_RELEASE_COLUMNS ", a.stage_name, a.slug FROM releases r "
    "JOIN artist_profiles a ON a.user_id = r.artist_id WHERE " MC_OUT_NOW("r")
    "AND EXISTS (SELECT 1 FROM tracks t WHERE t.release_id = r.id AND cardinality(t.rungs) > 0 "
    "AND t.hidden_at IS NULL) "
    "ORDER BY coalesce(r.release_at, r.created_at) DESC, r.id LIMIT $1"};
// Trending (SPEC §4.6): plays and likes of the last 7 days, each weighed by its age (half-life
// 24 h; a like counts as 2 plays), then all-time plays, then newest; a track with neither is not
// trending, whatever else there is.
#define MC_TRENDING_SCORES                                                                        \
  "recent AS (SELECT track_id, sum(w) AS n FROM ("                                                \
  "SELECT track_id, power(0.5, extract(epoch FROM now() - played_at) / 86400.0) AS w FROM plays " \
  "WHERE played_at > now() - interval '7 days' UNION ALL "                                        \
  "SELECT track_id, 2 * power(0.5, extract(epoch FROM now() - created_at) / 86400.0) FROM likes " \
  "WHERE created_at > now() - interval '7 days') e GROUP BY track_id)"
constexpr Query kTrending{
    "catalog_trending",
    "WITH " MC_TRENDING_SCORES " "
    "SELECT " MC_TRACK_COLUMNS ", a.stage_name, a.slug FROM tracks t JOIN releases r ON r.id = t.release_id "
    "JOIN artist_profiles a ON a.user_id = t.artist_id LEFT JOIN recent ON recent.track_id = t.id "
    "WHERE " MC_OUT_NOW("r") "AND (t.release_at IS NULL OR t.release_at <= now()) AND cardinality(t.rungs) > 0 "
    "AND t.hidden_at IS NULL "
    "AND (recent.n > 0 OR t.play_count > 0) "
    "ORDER BY coalesce(recent.n, 0) DESC, t.play_count DESC, t.created_at DESC, t.id LIMIT $1"};
// Recommended for a listener: trending tracks of artists they do not follow who share a genre with
// artists they do.
constexpr Query kRecommended{
    "catalog_recommended",
    "WITH liked AS (SELECT DISTINCT unnest(a.genres) AS g FROM follows f JOIN artist_profiles a ON "
    "a.user_id = f.artist_id WHERE f.fan_id = $2), "
    MC_TRENDING_SCORES " "
    "SELECT " MC_TRACK_COLUMNS ", a.stage_name, a.slug FROM tracks t JOIN releases r ON r.id = t.release_id "
    "JOIN artist_profiles a ON a.user_id = t.artist_id LEFT JOIN recent ON recent.track_id = t.id "
    "WHERE " MC_OUT_NOW("r") "AND (t.release_at IS NULL OR t.release_at <= now()) AND cardinality(t.rungs) > 0 "
    "AND t.hidden_at IS NULL "
    "AND t.artist_id <> $2 AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.fan_id = $2 AND f.artist_id = t.artist_id) "
    "AND a.genres && ARRAY(SELECT g FROM liked) "
    "ORDER BY coalesce(recent.n, 0) DESC, t.play_count DESC, t.created_at DESC, t.id LIMIT $1"};

constexpr Query kLike{
    "catalog_like",
    "WITH ins AS (INSERT INTO likes (user_id, track_id) VALUES ($1, $2) ON CONFLICT DO NOTHING "
    "RETURNING track_id) UPDATE tracks SET like_count = like_count + 1 WHERE id IN (SELECT track_id FROM "
    "ins)"};
constexpr Query kUnlike{
    "catalog_unlike",
    "WITH del AS (DELETE FROM likes WHERE user_id = $1 AND track_id = $2 RETURNING track_id) "
    "UPDATE tracks SET like_count = like_count - 1 WHERE id IN (SELECT track_id FROM del)"};
constexpr Query kPlayWindow{
    "catalog_play_window",
    "INSERT INTO play_windows AS w (listener_key, track_id, counted_at) VALUES ($1, $2, now()) "
    "ON CONFLICT (listener_key, track_id) DO UPDATE SET counted_at = now() "
    "WHERE w.counted_at < now() - interval '30 minutes' RETURNING 1"};
constexpr Query kCountPlay{"catalog_count_play",
                           "WITH p AS (INSERT INTO plays (track_id, user_id) VALUES ($1, $2)) "
                           "UPDATE tracks SET play_count = play_count + 1 WHERE id = $1"};

#define MC_COMMENT_COLUMNS                                                           \
  "c.id, c.track_id, c.user_id, u.username, c.parent_id, "                           \
  "CASE WHEN c.deleted_at IS NULL AND c.hidden_at IS NULL THEN c.body END, " MC_ISO( \
      "c.created_at") ", c.edited_at IS NOT NULL "
constexpr Query kInsertComment{"catalog_insert_comment",
                               "WITH c AS (INSERT INTO comments (track_id, user_id, parent_id, body) VALUES "
                               "($1, $2, $3, $4) RETURNING *) "
                               "SELECT " MC_COMMENT_COLUMNS "FROM c JOIN users u ON u.id = c.user_id"};
constexpr Query kCommentRef{
    "catalog_comment_ref",
    "SELECT coalesce(c.track_id::text, ''), c.user_id, c.parent_id, c.deleted_at IS NOT NULL, "
    "c.post_id, (SELECT p.artist_id FROM posts p WHERE p.id = c.post_id) FROM comments c "
    "WHERE c.id = $1 FOR UPDATE OF c"};
constexpr Query kEditComment{
    "catalog_edit_comment",
    "WITH c AS (UPDATE comments SET body = $3, edited_at = now() WHERE id = $1 AND user_id = $2 "
    "AND deleted_at IS NULL RETURNING *) SELECT " MC_COMMENT_COLUMNS
    "FROM c JOIN users u ON u.id = c.user_id"};
constexpr Query kDeleteComment{"catalog_delete_comment",
                               "UPDATE comments SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL"};
// A page of live (or replied-to) top-level comments, then their replies, in display order.
constexpr Query kCommentsPage{
    "catalog_comments_page",
    "WITH top AS (SELECT c.* FROM comments c WHERE c.track_id = $1 AND c.parent_id IS NULL "
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

Comment comment_from(const db::Result& r, int i) {
  return Comment{r.str(i, 0),     r.str(i, 1),     r.str(i, 2), r.str(i, 3),
                 r.opt_str(i, 4), r.opt_str(i, 5), r.str(i, 6), r.boolean(i, 7)};
}

std::optional<double> opt_double(const db::Result& r, int i, int c) {
  if (r.is_null(i, c)) return std::nullopt;
  return std::stod(r.str(i, c));
}

Release release_from(const db::Result& r, int i) {
  Release out{r.str(i, 0),         r.str(i, 1),     r.str(i, 2),     r.str(i, 3),
              r.opt_str(i, 4),     r.str(i, 5),     r.opt_str(i, 6), r.str(i, 7),
              opt_double(r, i, 8), r.boolean(i, 9), r.str(i, 10)};
  out.description = r.str(i, 11);
  out.credits_json = r.str(i, 12);
  out.archived = r.boolean(i, 13);
  return out;
}

Track track_from(const db::Result& r, int i) {
  Track t;
  t.id = r.str(i, 0);
  t.release_id = r.str(i, 1);
  t.artist_id = r.str(i, 2);
  t.position = static_cast<int>(r.int64(i, 3));
  t.title = r.str(i, 4);
  t.min_tier = r.str(i, 5);
  t.release_at = opt_double(r, i, 6);
  t.published = r.boolean(i, 7);
  t.status = r.str(i, 8);
  t.progress = static_cast<int>(r.int64(i, 9));
  t.duration_s = opt_double(r, i, 10);
  t.gain_db = opt_double(r, i, 11);
  t.artwork_key = r.opt_str(i, 12);
  t.play_count = r.int64(i, 13);
  t.like_count = r.int64(i, 14);
  // rungs arrive as a Postgres array literal: {128,256}
  const std::string_view rungs = r.view(i, 15);
  for (std::size_t p = 1; p + 1 < rungs.size();) {
    const std::size_t comma = std::min(rungs.find(',', p), rungs.size() - 1);
    t.rungs.push_back(std::stoi(std::string(rungs.substr(p, comma - p))));
    p = comma + 1;
  }
  t.media_version = static_cast<int>(r.int64(i, 16));
  t.processing_error = r.opt_str(i, 17);
  t.original_key = r.opt_str(i, 18);
  return t;
}

}  // namespace

awaitable<Release> insert_release(db::Transaction& tx, const std::string& artist_id, const NewRelease& n) {
  const db::Result r = co_await tx.exec(
      kInsertRelease, params(artist_id, n.title, n.kind, n.genre, n.tags, n.min_tier, n.release_at));
  co_return release_from(r, 0);
}

awaitable<std::optional<Release>> patch_release(db::Transaction& tx, const std::string& id,
                                                const std::string& artist_id, const ReleasePatch& p) {
  const db::Result r =
      co_await tx.exec(kPatchRelease, params(id, artist_id, p.title, p.min_tier, p.release_at, p.published,
                                             p.clear_release_at, p.description, p.credits_json));
  if (r.empty()) co_return std::nullopt;
  co_return release_from(r, 0);
}

awaitable<std::optional<Track>> patch_track(db::Transaction& tx, const std::string& id,
                                            const std::string& artist_id, const TrackPatch& p) {
  const db::Result r = co_await tx.exec(kPatchTrack, params(id, artist_id, p.title, p.min_tier));
  if (r.empty()) co_return std::nullopt;
  co_return track_from(r, 0);
}

awaitable<std::optional<std::optional<std::string>>> set_cover(db::Transaction& tx,
                                                               const std::string& release_id,
                                                               const std::string& artist_id,
                                                               const std::string& prefix) {
  const db::Result r = co_await tx.exec(kSetCover, params(release_id, artist_id, prefix));
  if (r.empty()) co_return std::nullopt;
  co_return std::optional<std::optional<std::string>>(r.opt_str(0, 0));
}

namespace {
// Everything a track's uploads left in storage.
void track_media(const db::Result& r, Removal& out) {
  for (int i = 0; i < r.rows(); ++i) {
    const std::string id = r.str(i, 0);
    if (auto key = r.opt_str(i, 1)) out.keys.push_back(*key);
    for (const char* kind : {"hls/", "artwork/", "renditions/"}) out.prefixes.push_back(kind + id + "/");
  }
}
}  // namespace

awaitable<Removal> delete_release(db::Transaction& tx, const std::string& id, const std::string& artist_id) {
  Removal out;
  const db::Result h = co_await tx.exec(kReleaseHistory, params(id, artist_id));
  if (h.empty()) co_return out;
  out.found = true;
  if (h.boolean(0, 1)) {
    out.archived = true;
    co_await tx.exec(kArchiveRelease, params(id));
    co_return out;
  }
  if (auto cover = h.opt_str(0, 0)) out.prefixes.push_back(*cover);
  const std::optional<std::string> none;
  const db::Result m = co_await tx.exec(kMediaOfTracks, params(id, none));
  track_media(m, out);
  co_await tx.exec(kDeleteRelease, params(id));
  co_return out;
}

awaitable<Removal> delete_track(db::Transaction& tx, const std::string& id, const std::string& artist_id) {
  Removal out;
  const db::Result h = co_await tx.exec(kTrackHistory, params(id, artist_id));
  if (h.empty()) co_return out;
  out.found = true;
  if (h.boolean(0, 0)) {
    out.archived = true;
    co_return out;
  }
  const std::optional<std::string> none;
  const db::Result m = co_await tx.exec(kMediaOfTracks, params(none, id));
  track_media(m, out);
  co_await tx.exec(kDeleteTrack, params(id));
  co_return out;
}

awaitable<std::optional<std::string>> release_owner(db::Transaction& tx, const std::string& release_id) {
  const db::Result r = co_await tx.exec(kReleaseOwner, params(release_id));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<Track> insert_track(db::Transaction& tx, const std::string& release_id,
                              const std::string& artist_id, const std::string& title,
                              const std::string& min_tier, std::optional<int> position) {
  const db::Result r =
      co_await tx.exec(kInsertTrack, params(release_id, artist_id, title, min_tier, position));
  co_return track_from(r, 0);
}

awaitable<std::vector<std::string>> track_ids_of(db::Transaction& tx, const std::string& release_id) {
  const db::Result r = co_await tx.exec(kTrackIdsOf, params(release_id));
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.str(i, 0));
  co_return ids;
}

awaitable<void> reorder_tracks(db::Transaction& tx, const std::string& release_id,
                               const std::vector<std::string>& ids) {
  co_await tx.exec(kReorderTracks, params(release_id, ids));
  co_return;
}

awaitable<std::vector<Release>> releases_of(db::Cluster& db, std::optional<db::Lsn> token,
                                            const std::string& artist_id) {
  const db::Result r = co_await db.read(kReleasesOf, params(artist_id), token);
  std::vector<Release> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(release_from(r, i));
  co_return out;
}

awaitable<std::vector<Track>> tracks_of_artist(db::Cluster& db, std::optional<db::Lsn> token,
                                               const std::string& artist_id) {
  const db::Result r = co_await db.read(kTracksOfArtist, params(artist_id), token);
  std::vector<Track> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(track_from(r, i));
  co_return out;
}

awaitable<std::optional<Track>> track(db::Cluster& db, std::optional<db::Lsn> token, const std::string& id) {
  const db::Result r = co_await db.read(kTrack, params(id), token);
  if (r.empty()) co_return std::nullopt;
  Track t = track_from(r, 0);
  t.peaks_json = r.opt_str(0, 19);
  co_return t;
}

awaitable<bool> like(db::Transaction& tx, const std::string& user_id, const std::string& track_id, bool on) {
  const db::Result r = co_await tx.exec(on ? kLike : kUnlike, params(user_id, track_id));
  co_return r.affected() == 1;
}

awaitable<bool> liked(db::Cluster& db, std::optional<db::Lsn> token, const std::string& user_id,
                      const std::string& track_id) {
  const db::Result r = co_await db.read(kLiked, params(user_id, track_id), token);
  co_return !r.empty();
}

awaitable<std::pair<std::vector<std::string>, int64_t>> liked_tracks(db::Cluster& db,
                                                                     std::optional<db::Lsn> token,
                                                                     const std::string& user_id, int page,
                                                                     int limit) {
  const db::Result r =
      co_await db.read(kLikedTracks, params(user_id, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<std::string> ids;
  int64_t total = 0;
  for (int i = 0; i < r.rows(); ++i) {
    ids.push_back(r.str(i, 0));
    total = r.int64(i, 1);
  }
  co_return std::make_pair(std::move(ids), total);
}

awaitable<bool> count_play(db::Transaction& tx, const std::string& listener_key,
                           const std::optional<std::string>& user_id, const std::string& track_id) {
  const db::Result window = co_await tx.exec(kPlayWindow, params(listener_key, track_id));
  if (window.empty()) co_return false;
  co_await tx.exec(kCountPlay, params(track_id, user_id));
  co_return true;
}

awaitable<Comment> insert_comment(db::Transaction& tx, const std::string& track_id,
                                  const std::string& user_id, const std::optional<std::string>& parent_id,
                                  const std::string& body) {
  const db::Result r = co_await tx.exec(kInsertComment, params(track_id, user_id, parent_id, body));
  co_return comment_from(r, 0);
}

awaitable<std::optional<CommentRef>> comment_ref(db::Transaction& tx, const std::string& id) {
  const db::Result r = co_await tx.exec(kCommentRef, params(id));
  if (r.empty()) co_return std::nullopt;
  co_return CommentRef{r.str(0, 0),     r.str(0, 1),     r.opt_str(0, 2),
                       r.boolean(0, 3), r.opt_str(0, 4), r.opt_str(0, 5)};
}

awaitable<std::optional<Comment>> edit_comment(db::Transaction& tx, const std::string& id,
                                               const std::string& user_id, const std::string& body) {
  const db::Result r = co_await tx.exec(kEditComment, params(id, user_id, body));
  if (r.empty()) co_return std::nullopt;
  co_return comment_from(r, 0);
}

awaitable<void> delete_comment(db::Transaction& tx, const std::string& id) {
  co_await tx.exec(kDeleteComment, params(id));
}

awaitable<std::vector<Comment>> comments_page(db::Cluster& db, std::optional<db::Lsn> token,
                                              const std::string& track_id, int page, int limit) {
  const db::Result r =
      co_await db.read(kCommentsPage, params(track_id, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<Comment> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(comment_from(r, i));
  co_return out;
}

awaitable<std::vector<ByArtist<Release>>> new_releases(db::Cluster& db, int limit) {
  const db::Result r = co_await db.read(kNewReleases, params(limit));
  std::vector<ByArtist<Release>> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  const int name = r.columns() - 2;
  for (int i = 0; i < r.rows(); ++i) out.push_back({release_from(r, i), r.str(i, name), r.str(i, name + 1)});
  co_return out;
}

awaitable<std::vector<ByArtist<Track>>> trending(db::Cluster& db, int limit,
                                                 const std::optional<std::string>& recommended_for) {
  db::Result r;
  if (recommended_for) {
    r = co_await db.read(kRecommended, params(limit, *recommended_for));
  } else {
    r = co_await db.read(kTrending, params(limit));
  }
  std::vector<ByArtist<Track>> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  const int name = r.columns() - 2;
  for (int i = 0; i < r.rows(); ++i) out.push_back({track_from(r, i), r.str(i, name), r.str(i, name + 1)});
  co_return out;
}

}  // namespace mc::catalog::store
