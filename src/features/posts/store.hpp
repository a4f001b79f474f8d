#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"
#include "features/catalog/store.hpp"

// The SQL of posts, their likes and comments, and the home feed.
namespace mc::posts::store {

using boost::asio::awaitable;

struct Post {
  std::string id, artist_id, artist_name, artist_slug, title, body, body_html, visibility, min_tier;
  std::vector<std::string> track_ids;
  std::optional<std::string> image_key;
  std::string publish_at;  // RFC 3339
  bool live = false;       // publish_at has passed
  int64_t like_count = 0, comment_count = 0;
  std::string created_at;
  int64_t sort_us = 0;   // publish_at in microseconds since the epoch (the cursor)
  bool liked = false;    // by the viewer
  bool follows = false;  // the viewer follows the artist
};

// Where a page starts: after (publish time, id) of the last item of the previous page.
struct Cursor {
  int64_t at_us = 0;
  std::string id;
};

struct NewPost {
  std::string title, body, body_html, body_text, visibility, min_tier;
  std::vector<std::string> track_ids;
  std::optional<std::string> publish_at;  // RFC 3339; none: now
};

struct Inserted {
  std::string id;
  bool live = false;
  int64_t due_in_ms = 0;  // until publish_at, by the database's clock
};

awaitable<Inserted> insert_post(db::Transaction& tx, const std::string& artist_id, const NewPost& p);
// How many of `ids` are tracks of this artist.
awaitable<int64_t> own_tracks(db::Transaction& tx, const std::string& artist_id,
                              const std::vector<std::string>& ids);
// Marks a live post as announced; its artist and title the first time, nullopt after (or when not due).
struct Announce {
  std::string artist_id, title;
};
awaitable<std::optional<Announce>> announce(db::Transaction& tx, const std::string& post_id);
// The post still waits for its publish time (false: gone, or live).
awaitable<bool> scheduled(db::Transaction& tx, const std::string& post_id);

awaitable<std::optional<Post>> post(db::Cluster& db, std::optional<db::Lsn> token, const std::string& id,
                                    const std::optional<std::string>& viewer);
awaitable<std::vector<Post>> posts_by_ids(db::Cluster& db, std::optional<db::Lsn> token,
                                          const std::vector<std::string>& ids,
                                          const std::optional<std::string>& viewer);
// An artist's posts newest first; scheduled ones only when `with_scheduled` (their artist).
awaitable<std::vector<Post>> artist_posts(db::Cluster& db, std::optional<db::Lsn> token,
                                          const std::string& artist_id, const std::optional<Cursor>& after,
                                          int limit, bool with_scheduled,
                                          const std::optional<std::string>& viewer);

// Deletes the post if `artist_id` wrote it (or anyone's when `any`); its image prefix, if it had one.
struct Deleted {
  bool found = false;
  std::optional<std::string> image_key;
  std::string artist_id;  // whose post it was (delete_post only)
};
awaitable<Deleted> delete_post(db::Transaction& tx, const std::string& id, const std::string& artist_id,
                               bool any);
// Sets the image of the artist's post; found, and the previous image prefix.
awaitable<Deleted> set_image(db::Transaction& tx, const std::string& id, const std::string& artist_id,
                             const std::string& image_key);

// Likes; returns whether anything changed, and the count after.
awaitable<int64_t> like(db::Transaction& tx, const std::string& user_id, const std::string& post_id, bool on);

awaitable<catalog::store::Comment> insert_comment(db::Transaction& tx, const std::string& post_id,
                                                  const std::string& user_id,
                                                  const std::optional<std::string>& parent_id,
                                                  const std::string& body);
awaitable<std::vector<catalog::store::Comment>> comments_page(db::Cluster& db, std::optional<db::Lsn> token,
                                                              const std::string& post_id, int page,
                                                              int limit);

// The home feed: ids of followed artists' live posts and out releases, newest first.
struct FeedRow {
  std::string kind;  // post | release
  std::string id;
  int64_t at_us = 0;
};
awaitable<std::vector<FeedRow>> feed(db::Cluster& db, std::optional<db::Lsn> token, const std::string& fan_id,
                                     const std::optional<Cursor>& after, int limit);

struct FeedRelease {
  std::string id, artist_id, artist_name, artist_slug, title, kind;
  std::optional<std::string> genre, cover_key;
  std::string min_tier;
  std::optional<double> release_at;  // unix seconds
  bool published = false;
  std::string released_at;  // RFC 3339: release_at, else created_at
  int64_t tracks = 0;
};
awaitable<std::vector<FeedRelease>> releases_by_ids(db::Cluster& db, std::optional<db::Lsn> token,
                                                    const std::vector<std::string>& ids);

}  // namespace mc::posts::store
