#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/admin/audit.hpp"
#include "features/artists/service.hpp"
#include "features/catalog/service.hpp"
#include "features/posts/store.hpp"
#include "jobs/worker.hpp"
#include "media/storage.hpp"

namespace mc::posts {

using boost::asio::awaitable;
using db::Written;

// Artist posts and the fan home feed (SPEC §4.5, docs/posts.md). A post is `public`, for
// `followers` (followers and paying members) or for members of `min_tier` and above; anyone else
// who may list it gets a teaser (title, artist, time, what unlocks it) without body, image or tracks.
// A post with a future `publishAt` exists only for its artist until then; `post.published` is
// written once, when it goes live (at once, or by the `posts.publish` job at its time).
struct Draft {
  std::string title, body, visibility, min_tier = "free";
  std::vector<std::string> track_ids;
  std::optional<std::string> publish_at;
};

// What locks a live post for a viewer ({reason, requiredTier}); nullopt when they may read it.
std::optional<boost::json::object> post_lock(std::string_view visibility, std::string_view min_tier,
                                             bool follows, const memberships::Access& access);

// "<microseconds>_<uuid>": where the next page of a list starts. Throws 400 for anything else.
store::Cursor parse_cursor(const std::string& raw);

class PostService {
 public:
  PostService(artists::ArtistsService& artists, catalog::CatalogService& catalog, media::Storage& storage)
      : artists_(artists), catalog_(catalog), storage_(storage) {}

  awaitable<Written<boost::json::object>> create(db::Cluster& db, const AccessClaims& who, const Draft& d);
  awaitable<boost::json::object> get(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                     const std::string& id, std::optional<db::Lsn> token);
  awaitable<boost::json::object> list(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                      const std::string& artist, const std::optional<store::Cursor>& after,
                                      int limit, std::optional<db::Lsn> token);
  // The artist's own post, or anyone's by an admin (audited: docs/admin.md).
  awaitable<db::Lsn> remove(db::Cluster& db, const AccessClaims& who, const std::string& id,
                            const audit::Origin& origin);

  // Only artists have posts (403), checked on the upload's headers and again in set_image().
  void require_artist(const AccessClaims& who) const;
  awaitable<Written<boost::json::object>> set_image(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& id, std::filesystem::path file);

  awaitable<Written<boost::json::object>> like(db::Cluster& db, const AccessClaims& who,
                                               const std::string& id, bool on);
  awaitable<boost::json::object> comments(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                          const std::string& id, int page, int limit,
                                          std::optional<db::Lsn> token);
  awaitable<Written<boost::json::object>> add_comment(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& id, const std::string& body,
                                                      const std::optional<std::string>& parent_id);

  // Followed artists' live posts and out releases, newest first; locked ones as teasers.
  awaitable<boost::json::object> feed(db::Cluster& db, const AccessClaims& who,
                                      const std::optional<store::Cursor>& after, int limit,
                                      std::optional<db::Lsn> token);

 private:
  struct Readable {
    store::Post post;
    bool full = false;
  };
  // 404 unless the viewer may list the post.
  awaitable<Readable> listed(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                             const std::string& id, std::optional<db::Lsn> token);
  // 404 unless listed, 403 `locked` unless the viewer may read it.
  awaitable<store::Post> readable(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                  const std::string& id);
  awaitable<boost::json::object> to_json(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                         const store::Post& p, const memberships::Access& access,
                                         std::optional<db::Lsn> token);

  artists::ArtistsService& artists_;
  catalog::CatalogService& catalog_;
  media::Storage& storage_;
};

inline constexpr const char* kPublishJob = "posts.publish";

// The posts.publish job (maintenance queue): announces a scheduled post once it is live.
awaitable<void> publish_due(db::Cluster& db, jobs::JobContext& job);
void register_jobs(jobs::Worker& worker, db::Cluster& db);

}  // namespace mc::posts
