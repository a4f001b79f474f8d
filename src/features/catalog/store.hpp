#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The catalog's SQL: releases and their ordered tracks.
namespace mc::catalog::store {

using boost::asio::awaitable;

struct Release {
  std::string id, artist_id, title, kind;
  std::optional<std::string> genre;
  std::string tags_json;
  std::optional<std::string> cover_key;
  std::string min_tier;
  std::optional<double> release_at;  // unix seconds
  bool published = false;
  std::string created_at;
  std::string description;
  std::string credits_json = "[]";  // [{"role", "name"}]
  bool archived = false;
};

struct Track {
  std::string id, release_id, artist_id;
  int position = 0;
  std::string title, min_tier;
  std::optional<double> release_at;  // the track's own, else its release's
  bool published = false;            // its release's
  std::string status;
  int progress = 0;
  std::optional<double> duration_s, gain_db;
  std::optional<std::string> artwork_key;
  int64_t play_count = 0, like_count = 0;
  std::vector<int> rungs;  // HLS rungs ready to stream (kbps, ascending)
  int media_version = 0;   // which upload the HLS output belongs to
  std::optional<std::string> processing_error;
  std::optional<std::string> original_key;  // storage key of the uploaded original
  std::optional<std::string> peaks_json;    // waveform (single-track reads only)
};

struct NewRelease {
  std::string title, kind;
  std::optional<std::string> genre;
  std::optional<std::vector<std::string>> tags;
  std::string min_tier;
  std::optional<std::string> release_at;  // RFC 3339
};

struct ReleasePatch {
  std::optional<std::string> title, min_tier, release_at;
  std::optional<std::string> description, credits_json;
  std::optional<bool> published;
  bool clear_release_at = false;
};

awaitable<Release> insert_release(db::Transaction& tx, const std::string& artist_id, const NewRelease& r);
awaitable<std::optional<Release>> patch_release(db::Transaction& tx, const std::string& id,
                                                const std::string& artist_id, const ReleasePatch& p);
// Renames a track or changes who may open it (its access) after upload; nullopt unless the artist owns it.
struct TrackPatch {
  std::optional<std::string> title, min_tier;
};
awaitable<std::optional<Track>> patch_track(db::Transaction& tx, const std::string& id,
                                            const std::string& artist_id, const TrackPatch& p);
// Points the release at a new cover (an image prefix); the previous cover's prefix, or nullopt (outer)
// unless the artist owns the release.
awaitable<std::optional<std::optional<std::string>>> set_cover(db::Transaction& tx,
                                                               const std::string& release_id,
                                                               const std::string& artist_id,
                                                               const std::string& prefix);
// Deleting (docs/catalog.md). What a deletion must remove from storage once it committed.
struct Removal {
  bool found = false;     // the artist's item exists
  bool archived = false;  // it had purchases or plays: archived (releases) or refused (tracks)
  std::vector<std::string> keys, prefixes;
};
awaitable<Removal> delete_release(db::Transaction& tx, const std::string& id, const std::string& artist_id);
awaitable<Removal> delete_track(db::Transaction& tx, const std::string& id, const std::string& artist_id);
awaitable<std::optional<std::string>> release_owner(db::Transaction& tx, const std::string& release_id);
awaitable<Track> insert_track(db::Transaction& tx, const std::string& release_id,
                              const std::string& artist_id, const std::string& title,
                              const std::string& min_tier, std::optional<int> position);
// The release's track ids in position order (inside the caller's transaction).
awaitable<std::vector<std::string>> track_ids_of(db::Transaction& tx, const std::string& release_id);
// Positions 1..n in the order given; `ids` are exactly the release's tracks.
awaitable<void> reorder_tracks(db::Transaction& tx, const std::string& release_id,
                               const std::vector<std::string>& ids);
awaitable<std::vector<Release>> releases_of(db::Cluster& db, std::optional<db::Lsn> token,
                                            const std::string& artist_id);
awaitable<std::vector<Track>> tracks_of_artist(db::Cluster& db, std::optional<db::Lsn> token,
                                               const std::string& artist_id);
// An item with its artist's stage name and slug, for lists across artists.
template <class T>
struct ByArtist {
  T item;
  std::string artist_name, artist_slug;
};
awaitable<std::vector<ByArtist<Release>>> new_releases(db::Cluster& db, int limit);
// Trending tracks; with a listener, those recommended for them instead.
awaitable<std::vector<ByArtist<Track>>> trending(db::Cluster& db, int limit,
                                                 const std::optional<std::string>& recommended_for);
awaitable<std::optional<Track>> track(db::Cluster& db, std::optional<db::Lsn> token, const std::string& id);

// Returns whether anything changed (a second like or an unlike of nothing changes nothing).
awaitable<bool> like(db::Transaction& tx, const std::string& user_id, const std::string& track_id, bool on);
awaitable<bool> liked(db::Cluster& db, std::optional<db::Lsn> token, const std::string& user_id,
                      const std::string& track_id);
// The tracks a user likes, most recent first (a page), and how many there are.
awaitable<std::pair<std::vector<std::string>, int64_t>> liked_tracks(db::Cluster& db,
                                                                     std::optional<db::Lsn> token,
                                                                     const std::string& user_id, int page,
                                                                     int limit);
// Counts the play unless this listener's last counted play of the track is under 30 minutes old.
awaitable<bool> count_play(db::Transaction& tx, const std::string& listener_key,
                           const std::optional<std::string>& user_id, const std::string& track_id);

struct Comment {
  std::string id, track_id, user_id, username;
  std::optional<std::string> parent_id;
  std::optional<std::string> body;  // null once deleted
  std::string created_at;
  bool edited = false;
};

struct CommentRef {
  std::string track_id, user_id;  // track_id empty for a comment on a post
  std::optional<std::string> parent_id;
  bool deleted = false;
  std::optional<std::string> post_id, post_artist_id;  // a comment on a post (posts feature)
};

awaitable<Comment> insert_comment(db::Transaction& tx, const std::string& track_id,
                                  const std::string& user_id, const std::optional<std::string>& parent_id,
                                  const std::string& body);
awaitable<std::optional<CommentRef>> comment_ref(db::Transaction& tx, const std::string& id);
awaitable<std::optional<Comment>> edit_comment(db::Transaction& tx, const std::string& id,
                                               const std::string& user_id, const std::string& body);
awaitable<void> delete_comment(db::Transaction& tx, const std::string& id);
// Top-level comments newest first (a page), each followed by its replies oldest first.
awaitable<std::vector<Comment>> comments_page(db::Cluster& db, std::optional<db::Lsn> token,
                                              const std::string& track_id, int page, int limit);

}  // namespace mc::catalog::store
