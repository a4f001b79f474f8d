#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/admin/audit.hpp"
#include "features/artists/service.hpp"
#include "features/catalog/store.hpp"
#include "features/catalog/visibility.hpp"
#include "features/memberships/tiers.hpp"

namespace mc::catalog {

using boost::asio::awaitable;

using db::Written;

// Releases and tracks, and what each viewer may see of them (SPEC §2, §4.3): drafts only for
// their artist, tier-gated and scheduled items as teasers (title, artwork, what unlocks them).
// A track the viewer may play now, and what they hold for its artist.
struct PlayableTrack {
  store::Track track;
  memberships::Access access;
};

// A comment as the API sends it (on tracks and on posts alike).
boost::json::object comment_json(const store::Comment& c);

class CatalogService {
 public:
  explicit CatalogService(artists::ArtistsService& artists) : artists_(artists) {}

  awaitable<Written<boost::json::object>> create_release(db::Cluster& db, const AccessClaims& who,
                                                         const store::NewRelease& r);
  awaitable<Written<boost::json::object>> patch_release(db::Cluster& db, const AccessClaims& who,
                                                        const std::string& id, const store::ReleasePatch& p);
  // Rename a track or change its access (minTier) after upload (issue 13).
  awaitable<Written<boost::json::object>> patch_track(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& id, const store::TrackPatch& p);
  awaitable<Written<boost::json::object>> add_track(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& release_id, const std::string& title,
                                                    const std::string& min_tier, std::optional<int> position);
  // A new track order for my release: `track_ids` must name each of its tracks exactly once.
  awaitable<Written<boost::json::object>> reorder_tracks(db::Cluster& db, const AccessClaims& who,
                                                         const std::string& release_id,
                                                         const std::vector<std::string>& track_ids);
  awaitable<boost::json::object> artist_content(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                                const std::string& artist, std::optional<db::Lsn> token);
  awaitable<boost::json::object> content(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                         const std::string& track_id, std::optional<db::Lsn> token);

  // GET /api/discovery: `new` releases, `trending` tracks, or tracks `recommended` for the viewer
  // (trending for anonymous viewers), each as the viewer may see it, with its artist's name.
  awaitable<boost::json::object> discovery(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                           const std::string& type, int limit);
  // 404 unless listed for the viewer, 403 `locked` (with what unlocks it) unless playable now.
  awaitable<PlayableTrack> playable(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                    const std::string& track_id);
  awaitable<Written<bool>> like(db::Cluster& db, const AccessClaims& who, const std::string& track_id,
                                bool on);
  awaitable<bool> is_liked(db::Cluster& db, const AccessClaims& who, const std::string& track_id,
                           std::optional<db::Lsn> token);
  // The caller's liked tracks as the caller may see them now (a track locked since is a teaser;
  // one that is no longer listed is left out).
  awaitable<boost::json::object> likes(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                       std::optional<db::Lsn> token);
  // The player reports a listen; it counts after 30 s, once per listener per track per 30 min.
  awaitable<Written<bool>> report_play(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                       const std::string& anonymous_key, const std::string& track_id,
                                       double listened_seconds, const std::string& country);

  awaitable<boost::json::object> comments(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                          const std::string& track_id, int page, int limit,
                                          std::optional<db::Lsn> token);
  awaitable<Written<boost::json::object>> add_comment(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& track_id, const std::string& body,
                                                      const std::optional<std::string>& parent_id);
  awaitable<Written<boost::json::object>> edit_comment(db::Cluster& db, const AccessClaims& who,
                                                       const std::string& id, const std::string& body);
  // The author's, the artist's on their track or post, or an admin's (audited: docs/admin.md).
  awaitable<db::Lsn> delete_comment(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                    const audit::Origin& origin);
  awaitable<db::Lsn> report_comment(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                    const std::string& reason);

 private:
  struct ListedTrack {
    store::Track track;
    memberships::Access access;
    Visibility visibility;
  };
  // 404 unless the viewer may see the track at all.
  awaitable<ListedTrack> listed_track(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                      const std::string& track_id, std::optional<db::Lsn> token);
  awaitable<store::Track> visible_track(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                        const std::string& track_id, bool must_be_playable);

  artists::ArtistsService& artists_;
};

}  // namespace mc::catalog
