#include "features/catalog/service.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <map>

#include "core/error.hpp"
#include "events/outbox.hpp"
#include "features/catalog/visibility.hpp"
#include "features/memberships/tiers.hpp"
#include "features/moderation/service.hpp"
#include "media/images.hpp"

namespace mc::catalog {
namespace bj = boost::json;
using memberships::Tier;

namespace {

bj::value opt_str(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}
bj::value opt_num(const std::optional<double>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

std::string iso(Clock::time_point t) {
  const std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<Clock::time_point> at(const std::optional<double>& unix_seconds) {
  if (!unix_seconds) return std::nullopt;
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*unix_seconds)));
}

bj::value iso_or_null(const std::optional<double>& unix_seconds) {
  const auto t = at(unix_seconds);
  return t ? bj::value(iso(*t)) : bj::value(nullptr);
}

memberships::Viewer viewer_of(const std::optional<AccessClaims>& c) {
  if (!c) return {};
  return memberships::Viewer{c->user_id, c->role};
}

bj::value lock_json(const Visibility& v) {
  if (v.playable) return nullptr;
  bj::object lock;
  lock["requiredTier"] =
      v.locked_by_tier ? bj::value(memberships::to_string(*v.locked_by_tier)) : bj::value(nullptr);
  lock["availableAt"] = v.available_at ? bj::value(iso(*v.available_at)) : bj::value(nullptr);
  return lock;
}

// Locked items are teasers: no audio facts, never a playable reference.
bj::object track_json(const store::Track& t, const Visibility& v) {
  bj::object out{{"id", t.id},
                 {"releaseId", t.release_id},
                 {"artistId", t.artist_id},
                 {"title", t.title},
                 {"position", t.position},
                 {"artworkKey", opt_str(t.artwork_key)},
                 {"artwork", media::image_urls(t.artwork_key, media::ImageKind::artwork)},
                 {"minTier", t.min_tier},
                 {"releaseAt", iso_or_null(t.release_at)},
                 {"locked", lock_json(v)}};
  if (v.playable) {
    out["status"] = t.status;
    out["progress"] = t.progress;
    out["durationS"] = opt_num(t.duration_s);
    out["gainDb"] = opt_num(t.gain_db);
    out["playCount"] = t.play_count;
    out["likeCount"] = t.like_count;
    bj::array rungs;
    for (int k : t.rungs) rungs.push_back(k);
    out["rungs"] = std::move(rungs);
    if (t.processing_error) out["processingError"] = *t.processing_error;
    if (t.peaks_json) out["peaks"] = bj::parse(*t.peaks_json);
  }
  return out;
}

bj::object release_json(const store::Release& r, const Visibility& v) {
  return {{"id", r.id},
          {"artistId", r.artist_id},
          {"title", r.title},
          {"kind", r.kind},
          {"genre", opt_str(r.genre)},
          {"tags", bj::parse(r.tags_json)},
          {"coverKey", opt_str(r.cover_key)},
          {"cover", media::image_urls(r.cover_key, media::ImageKind::artwork)},
          {"description", r.description},
          {"credits", bj::parse(r.credits_json)},
          {"archived", r.archived},
          {"minTier", r.min_tier},
          {"releaseAt", iso_or_null(r.release_at)},
          {"published", r.published},
          {"createdAt", r.created_at},
          {"locked", lock_json(v)}};
}

Tier tier_of(const std::string& s) {
  return memberships::parse_tier(s).value_or(Tier::superfan);
}

void require_artist(const AccessClaims& who) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists publish releases");
}

}  // namespace

bj::object comment_json(const store::Comment& c) {
  return {{"id", c.id},
          {"user", bj::object{{"id", c.user_id}, {"username", c.username}}},
          {"parentId", opt_str(c.parent_id)},
          {"body", opt_str(c.body)},
          {"deleted", !c.body.has_value()},
          {"edited", c.edited},
          {"createdAt", c.created_at}};
}

awaitable<Written<bj::object>> CatalogService::create_release(db::Cluster& db, const AccessClaims& who,
                                                              const store::NewRelease& r) {
  require_artist(who);
  auto tx = co_await db.begin();
  const store::Release release = co_await store::insert_release(tx, who.user_id, r);
  const bj::object event{{"releaseId", release.id}, {"artistId", who.user_id}};
  co_await events::append(tx, "release.created", release.id, event);
  const db::Lsn lsn = co_await tx.commit();
  const Visibility all{true, true, std::nullopt, std::nullopt};
  co_return Written<bj::object>{release_json(release, all), lsn};
}

awaitable<Written<bj::object>> CatalogService::patch_release(db::Cluster& db, const AccessClaims& who,
                                                             const std::string& id,
                                                             const store::ReleasePatch& p) {
  require_artist(who);
  auto tx = co_await db.begin();
  if (p.published && *p.published) {
    // Publishing puts the release on the artist's page and in discovery: it must have something to play.
    const std::optional<bool> ready = co_await store::has_ready_track(tx, id, who.user_id);
    if (!ready) throw ApiError::not_found("No such release of yours");
    if (!*ready) {
      bj::object details{{"published",
                          "needs at least one track whose audio is ready: upload a track and "
                          "publish once its processing has finished"}};
      throw ApiError(409, "release_not_ready",
                     "A release needs at least one track with ready audio before it can be published: "
                     "upload a track and publish once its processing has finished",
                     std::move(details));
    }
  }
  const auto release = co_await store::patch_release(tx, id, who.user_id, p);
  if (!release) throw ApiError::not_found("No such release of yours");
  if (p.published && *p.published) {
    const bj::object event{{"releaseId", id}, {"artistId", who.user_id}};
    co_await events::append(tx, "release.published", id, event);
  }
  const db::Lsn lsn = co_await tx.commit();
  const Visibility all{true, true, std::nullopt, std::nullopt};
  co_return Written<bj::object>{release_json(*release, all), lsn};
}

awaitable<Written<bj::object>> CatalogService::patch_track(db::Cluster& db, const AccessClaims& who,
                                                           const std::string& id,
                                                           const store::TrackPatch& p) {
  require_artist(who);
  auto tx = co_await db.begin();
  const auto track = co_await store::patch_track(tx, id, who.user_id, p);
  if (!track) throw ApiError::not_found("No such track of yours");
  const bj::object event{{"trackId", id}, {"artistId", who.user_id}};
  co_await events::append(tx, "track.updated", id, event);
  const db::Lsn lsn = co_await tx.commit();
  const Visibility all{true, true, std::nullopt, std::nullopt};
  co_return Written<bj::object>{track_json(*track, all), lsn};
}

awaitable<Written<bj::object>> CatalogService::add_track(db::Cluster& db, const AccessClaims& who,
                                                         const std::string& release_id,
                                                         const std::string& title,
                                                         const std::string& min_tier,
                                                         std::optional<int> position) {
  require_artist(who);
  auto tx = co_await db.begin();
  const auto owner = co_await store::release_owner(tx, release_id);
  if (!owner || *owner != who.user_id) throw ApiError::not_found("No such release of yours");
  std::optional<store::Track> track;
  try {
    store::Track t = co_await store::insert_track(tx, release_id, who.user_id, title, min_tier, position);
    track.emplace(std::move(t));
  } catch (const db::DbError& e) {
    if (!e.unique_violation()) throw;
  }
  if (!track) throw ApiError(409, "position_taken", "Another track already has this position");
  const db::Lsn lsn = co_await tx.commit();
  const Visibility all{true, true, std::nullopt, std::nullopt};
  co_return Written<bj::object>{track_json(*track, all), lsn};
}

awaitable<Written<bj::object>> CatalogService::reorder_tracks(db::Cluster& db, const AccessClaims& who,
                                                              const std::string& release_id,
                                                              const std::vector<std::string>& track_ids) {
  require_artist(who);
  auto tx = co_await db.begin();
  const auto owner = co_await store::release_owner(tx, release_id);
  if (!owner || *owner != who.user_id) throw ApiError::not_found("No such release of yours");
  std::vector<std::string> current = co_await store::track_ids_of(tx, release_id);
  std::vector<std::string> wanted = track_ids;
  std::sort(current.begin(), current.end());
  std::sort(wanted.begin(), wanted.end());
  if (current != wanted) {
    throw ApiError(422, "track_set_mismatch", "trackIds must list each track of the release exactly once",
                   {{"trackIds", "must be a permutation of the release's tracks"}});
  }
  co_await store::reorder_tracks(tx, release_id, track_ids);
  const bj::object event{{"releaseId", release_id}, {"artistId", who.user_id}};
  co_await events::append(tx, "release.updated", release_id, event);
  const db::Lsn lsn = co_await tx.commit();
  bj::array order;
  for (std::size_t i = 0; i < track_ids.size(); ++i) {
    order.push_back(bj::object{{"id", track_ids[i]}, {"position", static_cast<int64_t>(i + 1)}});
  }
  co_return Written<bj::object>{bj::object{{"releaseId", release_id}, {"tracks", std::move(order)}}, lsn};
}

awaitable<bj::object> CatalogService::artist_content(db::Cluster& db,
                                                     const std::optional<AccessClaims>& viewer,
                                                     const std::string& artist,
                                                     std::optional<db::Lsn> token) {
  const std::string artist_id = co_await artists_.resolve_id(db, artist, token);
  const memberships::Viewer v = viewer_of(viewer);
  const memberships::Access access = co_await memberships::access_for(db, v, artist_id, token);
  const auto releases = co_await store::releases_of(db, token, artist_id);
  const auto tracks = co_await store::tracks_of_artist(db, token, artist_id);
  const auto now = Clock::now();
  std::map<std::string, bj::array> by_release;
  for (const auto& t : tracks) {
    const Visibility vis = evaluate(access, tier_of(t.min_tier), t.published, at(t.release_at), now);
    if (vis.listed) by_release[t.release_id].push_back(track_json(t, vis));
  }
  bj::array out;
  for (const auto& r : releases) {
    const Visibility vis = evaluate(access, tier_of(r.min_tier), r.published, at(r.release_at), now);
    if (!vis.listed) continue;
    bj::object json = release_json(r, vis);
    json["tracks"] = std::move(by_release[r.id]);
    out.push_back(std::move(json));
  }
  co_return bj::object{{"artistId", artist_id},
                       {"viewerTier", memberships::to_string(access.tier)},
                       {"releases", std::move(out)}};
}

namespace {
// access_for, asked once per artist of a list.
awaitable<memberships::Access> cached_access(db::Cluster& db, const memberships::Viewer& v,
                                             const std::string& artist_id,
                                             std::map<std::string, memberships::Access>& seen) {
  if (auto it = seen.find(artist_id); it != seen.end()) co_return it->second;
  const memberships::Access found = co_await memberships::access_for(db, v, artist_id);
  seen.emplace(artist_id, found);
  co_return found;
}
}  // namespace

awaitable<bj::object> CatalogService::discovery(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                                const std::string& type, int limit) {
  const memberships::Viewer v = viewer_of(viewer);
  const auto now = Clock::now();
  // One tier lookup per artist in the list.
  std::map<std::string, memberships::Access> access;
  bj::array items;
  if (type == "new") {
    const auto releases = co_await store::new_releases(db, limit);
    for (const auto& r : releases) {
      const memberships::Access a = co_await cached_access(db, v, r.item.artist_id, access);
      const Visibility vis =
          evaluate(a, tier_of(r.item.min_tier), r.item.published, at(r.item.release_at), now);
      if (!vis.listed) continue;
      bj::object json = release_json(r.item, vis);
      json["artistName"] = r.artist_name;
      json["artistSlug"] = r.artist_slug;
      items.push_back(std::move(json));
    }
    co_return bj::object{{"type", type}, {"releases", std::move(items)}};
  }
  std::optional<std::string> recommended_for;
  if (type == "recommended" && viewer) recommended_for = viewer->user_id;
  const auto tracks = co_await store::trending(db, limit, recommended_for);
  for (const auto& t : tracks) {
    const memberships::Access a = co_await cached_access(db, v, t.item.artist_id, access);
    const Visibility vis =
        evaluate(a, tier_of(t.item.min_tier), t.item.published, at(t.item.release_at), now);
    if (!vis.listed) continue;
    bj::object json = track_json(t.item, vis);
    json.erase("peaks");
    json["artistName"] = t.artist_name;
    json["artistSlug"] = t.artist_slug;
    items.push_back(std::move(json));
  }
  co_return bj::object{{"type", type}, {"tracks", std::move(items)}};
}

awaitable<CatalogService::ListedTrack> CatalogService::listed_track(db::Cluster& db,
                                                                    const std::optional<AccessClaims>& viewer,
                                                                    const std::string& track_id,
                                                                    std::optional<db::Lsn> token) {
  auto track = co_await store::track(db, token, track_id);
  if (!track) throw ApiError::not_found("No such track");
  const memberships::Access access =
      co_await memberships::access_for(db, viewer_of(viewer), track->artist_id, token);
  const Visibility vis =
      evaluate(access, tier_of(track->min_tier), track->published, at(track->release_at), Clock::now());
  if (!vis.listed) throw ApiError::not_found("No such track");
  co_return ListedTrack{std::move(*track), access, vis};
}

awaitable<bj::object> CatalogService::content(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                              const std::string& track_id, std::optional<db::Lsn> token) {
  const ListedTrack t = co_await listed_track(db, viewer, track_id, token);
  co_return track_json(t.track, t.visibility);
}

awaitable<PlayableTrack> CatalogService::playable(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                                  const std::string& track_id) {
  ListedTrack t = co_await listed_track(db, viewer, track_id, std::nullopt);
  if (!t.visibility.playable) {
    bj::object details{{"locked", lock_json(t.visibility)}};
    throw ApiError(403, "locked", "This track is locked for you", std::move(details));
  }
  co_return PlayableTrack{std::move(t.track), t.access};
}

awaitable<store::Track> CatalogService::visible_track(db::Cluster& db,
                                                      const std::optional<AccessClaims>& viewer,
                                                      const std::string& track_id, bool must_be_playable) {
  if (must_be_playable) {
    PlayableTrack p = co_await playable(db, viewer, track_id);
    co_return std::move(p.track);
  }
  ListedTrack t = co_await listed_track(db, viewer, track_id, std::nullopt);
  co_return std::move(t.track);
}

awaitable<Written<bool>> CatalogService::like(db::Cluster& db, const AccessClaims& who,
                                              const std::string& track_id, bool on) {
  const std::optional<AccessClaims> viewer = who;
  co_await visible_track(db, viewer, track_id, false);
  auto tx = co_await db.begin();
  co_await store::like(tx, who.user_id, track_id, on);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bool>{on, lsn};
}

awaitable<bool> CatalogService::is_liked(db::Cluster& db, const AccessClaims& who,
                                         const std::string& track_id, std::optional<db::Lsn> token) {
  const std::optional<AccessClaims> viewer = who;
  co_await visible_track(db, viewer, track_id, false);
  const bool liked = co_await store::liked(db, token, who.user_id, track_id);
  co_return liked;
}

awaitable<bj::object> CatalogService::likes(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                            std::optional<db::Lsn> token) {
  const auto [ids, total] = co_await store::liked_tracks(db, token, who.user_id, page, limit);
  const std::optional<AccessClaims> viewer = who;
  bj::array tracks;
  for (const auto& id : ids) {
    bool hidden = false;
    bj::object track;
    try {
      track = co_await content(db, viewer, id, token);
    } catch (const ApiError& e) {
      if (e.status() != 404) throw;
      hidden = true;  // unpublished since it was liked
    }
    if (!hidden) tracks.push_back(std::move(track));
  }
  co_return bj::object{{"tracks", std::move(tracks)}, {"page", page}, {"limit", limit}, {"total", total}};
}

awaitable<Written<bool>> CatalogService::report_play(db::Cluster& db,
                                                     const std::optional<AccessClaims>& viewer,
                                                     const std::string& anonymous_key,
                                                     const std::string& track_id, double listened_seconds,
                                                     const std::string& country) {
  co_await visible_track(db, viewer, track_id, true);
  if (listened_seconds < 30) co_return Written<bool>{false, db::Lsn{}};
  const std::string listener = viewer ? "u:" + viewer->user_id : "a:" + anonymous_key;
  const std::optional<std::string> user_id =
      viewer ? std::optional<std::string>(viewer->user_id) : std::nullopt;
  auto tx = co_await db.begin();
  const bool counted = co_await store::count_play(tx, listener, user_id, track_id, country);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bool>{counted, lsn};
}

awaitable<bj::object> CatalogService::comments(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                               const std::string& track_id, int page, int limit,
                                               std::optional<db::Lsn> token) {
  co_await visible_track(db, viewer, track_id, false);
  const auto rows = co_await store::comments_page(db, token, track_id, page, limit);
  bj::array top;
  for (const auto& c : rows) {
    if (!c.parent_id) {
      bj::object json = comment_json(c);
      json["replies"] = bj::array{};
      top.push_back(std::move(json));
    } else if (!top.empty()) {
      top.back().as_object()["replies"].as_array().push_back(comment_json(c));
    }
  }
  co_return bj::object{{"comments", std::move(top)}, {"page", page}, {"limit", limit}};
}

awaitable<Written<bj::object>> CatalogService::add_comment(db::Cluster& db, const AccessClaims& who,
                                                           const std::string& track_id,
                                                           const std::string& body,
                                                           const std::optional<std::string>& parent_id) {
  const std::optional<AccessClaims> viewer = who;
  co_await visible_track(db, viewer, track_id, false);
  auto tx = co_await db.begin();
  if (parent_id) {
    const auto parent = co_await store::comment_ref(tx, *parent_id);
    if (!parent || parent->track_id != track_id || parent->parent_id || parent->deleted) {
      throw ApiError(400, "invalid_parent", "Replies go to a live top-level comment on the same track",
                     {{"parentId", "is not a live top-level comment of this track"}});
    }
  }
  const store::Comment c = co_await store::insert_comment(tx, track_id, who.user_id, parent_id, body);
  const bj::object event{{"commentId", c.id}, {"trackId", track_id}, {"userId", who.user_id}};
  co_await events::append(tx, "comment.created", track_id, event);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{comment_json(c), lsn};
}

awaitable<Written<bj::object>> CatalogService::edit_comment(db::Cluster& db, const AccessClaims& who,
                                                            const std::string& id, const std::string& body) {
  auto tx = co_await db.begin();
  const auto c = co_await store::edit_comment(tx, id, who.user_id, body);
  if (!c) throw ApiError::not_found("No such comment of yours");
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{comment_json(*c), lsn};
}

awaitable<db::Lsn> CatalogService::delete_comment(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& id, const audit::Origin& origin) {
  auto tx = co_await db.begin();
  const auto ref = co_await store::comment_ref(tx, id);
  if (!ref || ref->deleted) throw ApiError::not_found("No such comment");
  bool allowed = ref->user_id == who.user_id || who.role == "admin";
  if (!allowed && ref->post_id) {
    allowed = ref->post_artist_id == who.user_id;  // artists moderate their own posts
  } else if (!allowed) {
    const auto track = co_await store::track(db, std::nullopt, ref->track_id);
    allowed = track && track->artist_id == who.user_id;  // artists moderate their own tracks
  }
  if (!allowed) throw ApiError(403, "forbidden", "Only the author, the artist or an admin may delete it");
  co_await store::delete_comment(tx, id);
  if (ref->user_id != who.user_id && who.role == "admin") {  // moderation outside /api/admin
    boost::json::object details{{"authorId", ref->user_id}};
    details["on"] = ref->post_id ? "post" : "track";
    const audit::Entry entry{who.user_id, who.role,  "comment.deleted", "comment",
                             id,          origin.ip, origin.user_agent, std::move(details)};
    co_await audit::record(tx, entry);
  }
  co_return co_await tx.commit();
}

awaitable<db::Lsn> CatalogService::report_comment(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& id, const std::string& reason) {
  // The reports model of docs/admin.md: a free-text reason that is not one of the reasons is kept
  // as the note of an "other" report.
  const bool known = moderation::is_reason(reason);
  const std::string kind = known ? reason : "other";
  const std::optional<std::string> note = known ? std::nullopt : std::optional<std::string>(reason);
  auto tx = co_await db.begin();
  co_await moderation::file_report(tx, who.user_id, "comment", id, kind, note);
  co_return co_await tx.commit();
}

}  // namespace mc::catalog
