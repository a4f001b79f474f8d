#include "features/posts/service.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <exception>
#include <map>
#include <set>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "core/uuid.hpp"
#include "events/outbox.hpp"
#include "features/catalog/visibility.hpp"
#include "features/memberships/tiers.hpp"
#include "features/posts/markdown.hpp"
#include "jobs/queue.hpp"
#include "media/errors.hpp"
#include "media/images.hpp"
#include "media/stored_image.hpp"

namespace mc::posts {
namespace bj = boost::json;
using memberships::Tier;

namespace {

memberships::Viewer viewer_of(const std::optional<AccessClaims>& c) {
  if (!c) return {};
  return memberships::Viewer{c->user_id, c->role};
}

std::optional<std::string> viewer_id(const std::optional<AccessClaims>& c) {
  return c ? std::optional<std::string>(c->user_id) : std::nullopt;
}

std::optional<bj::object> lock_of(const store::Post& p, const memberships::Access& a) {
  return post_lock(p.visibility, p.min_tier, p.follows, a);
}

bool listed(const store::Post& p, const memberships::Access& a) {
  return p.live || a.sees_everything;
}

std::string cursor_of(int64_t at_us, const std::string& id) {
  return std::to_string(at_us) + "_" + id;
}

awaitable<memberships::Access> cached_access(db::Cluster& db, const memberships::Viewer& v,
                                             const std::string& artist_id,
                                             std::map<std::string, memberships::Access>& seen,
                                             std::optional<db::Lsn> token) {
  if (auto it = seen.find(artist_id); it != seen.end()) co_return it->second;
  const memberships::Access found = co_await memberships::access_for(db, v, artist_id, token);
  seen.emplace(artist_id, found);
  co_return found;
}

std::optional<catalog::Clock::time_point> at(const std::optional<double>& unix_seconds) {
  if (!unix_seconds) return std::nullopt;
  return catalog::Clock::time_point(
      std::chrono::duration_cast<catalog::Clock::duration>(std::chrono::duration<double>(*unix_seconds)));
}

std::string iso(catalog::Clock::time_point t) {
  const std::time_t tt = catalog::Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bj::object release_json(const store::FeedRelease& r, const catalog::Visibility& v) {
  bj::value lock = nullptr;
  if (!v.playable) {
    lock = bj::object{{"requiredTier", v.locked_by_tier ? bj::value(memberships::to_string(*v.locked_by_tier))
                                                        : bj::value(nullptr)},
                      {"availableAt", v.available_at ? bj::value(iso(*v.available_at)) : bj::value(nullptr)}};
  }
  return bj::object{{"id", r.id},
                    {"artistId", r.artist_id},
                    {"artistName", r.artist_name},
                    {"artistSlug", r.artist_slug},
                    {"title", r.title},
                    {"kind", r.kind},
                    {"genre", r.genre ? bj::value(*r.genre) : bj::value(nullptr)},
                    {"cover", media::image_urls(r.cover_key, media::ImageKind::artwork)},
                    {"minTier", r.min_tier},
                    {"releasedAt", r.released_at},
                    {"trackCount", r.tracks},
                    {"locked", std::move(lock)}};
}

}  // namespace

// Not listed at all (404) is decided before: a post that is not live yet, for anyone but its
// artist and admins.
std::optional<bj::object> post_lock(std::string_view visibility, std::string_view min_tier, bool follows,
                                    const memberships::Access& a) {
  if (a.sees_everything || visibility == "public") return std::nullopt;
  if (visibility == "followers") {
    if (follows || a.tier != Tier::free) return std::nullopt;
    return bj::object{{"reason", "followers"}, {"requiredTier", nullptr}};
  }
  const Tier need = memberships::parse_tier(min_tier).value_or(Tier::superfan);
  if (a.allows(need)) return std::nullopt;
  return bj::object{{"reason", "tier"}, {"requiredTier", min_tier}};
}

store::Cursor parse_cursor(const std::string& raw) {
  const auto sep = raw.find('_');
  store::Cursor c;
  bool ok = sep != std::string::npos && sep > 0 && raw.size() < 80;
  if (ok) {
    const auto [p, ec] = std::from_chars(raw.data(), raw.data() + sep, c.at_us);
    c.id = raw.substr(sep + 1);
    ok = ec == std::errc() && p == raw.data() + sep && c.at_us > 0 && is_uuid(c.id);
  }
  if (!ok) {
    throw ApiError(400, "invalid_query", "Query parameters are invalid",
                   {{"cursor", "must be the nextCursor of a previous page"}});
  }
  return c;
}

void PostService::require_artist(const AccessClaims& who) const {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists write posts");
}

awaitable<boost::json::object> PostService::to_json(db::Cluster& db,
                                                    const std::optional<AccessClaims>& viewer,
                                                    const store::Post& p, const memberships::Access& access,
                                                    std::optional<db::Lsn> token) {
  auto lock = lock_of(p, access);
  bj::object out{{"id", p.id},
                 {"artistId", p.artist_id},
                 {"artistName", p.artist_name},
                 {"artistSlug", p.artist_slug},
                 {"title", p.title},
                 {"visibility", p.visibility},
                 {"minTier", p.visibility == "min_tier" ? bj::value(p.min_tier) : bj::value(nullptr)},
                 {"publishAt", p.publish_at},
                 {"scheduled", !p.live},
                 {"likeCount", p.like_count},
                 {"commentCount", p.comment_count},
                 {"liked", p.liked},
                 {"createdAt", p.created_at}};
  if (lock) {
    // A teaser: nothing of the body, the picture or the tracks.
    out["locked"] = std::move(*lock);
    co_return out;
  }
  out["locked"] = nullptr;
  out["bodyHtml"] = p.body_html;
  if (access.sees_everything) out["body"] = p.body;  // the Markdown, for its artist to edit
  out["image"] = media::image_urls(p.image_key, media::ImageKind::post);
  bj::array tracks;
  for (const auto& id : p.track_ids) {
    bool gone = false;
    bj::object track;
    try {
      track = co_await catalog_.content(db, viewer, id, token);
    } catch (const ApiError& e) {
      if (e.status() != 404) throw;
      gone = true;  // unpublished or deleted since: left out
    }
    if (!gone) {
      track.erase("peaks");
      tracks.push_back(std::move(track));
    }
  }
  out["tracks"] = std::move(tracks);
  co_return out;
}

awaitable<Written<bj::object>> PostService::create(db::Cluster& db, const AccessClaims& who, const Draft& d) {
  require_artist(who);
  const Rendered rendered = render_markdown(d.body);
  if (rendered.too_deep) {
    bj::object details{
        {"body", "nests quotes, lists or emphasis more than " + std::to_string(kMaxDepth) + " levels deep"}};
    throw ApiError::validation(std::move(details));
  }
  store::NewPost n{d.title,      d.body,     rendered.html, rendered.text,
                   d.visibility, d.min_tier, d.track_ids,   d.publish_at};
  auto tx = co_await db.begin();
  if (!d.track_ids.empty()) {
    const std::set<std::string> distinct(d.track_ids.begin(), d.track_ids.end());
    const int64_t mine = co_await store::own_tracks(tx, who.user_id, d.track_ids);
    if (distinct.size() != d.track_ids.size() || mine != static_cast<int64_t>(d.track_ids.size())) {
      throw ApiError(422, "unknown_tracks", "Posts embed only your own tracks, each once",
                     {{"trackIds", "must name distinct tracks of yours"}});
    }
  }
  const store::Inserted inserted = co_await store::insert_post(tx, who.user_id, n);
  if (inserted.live) {
    const auto announced = co_await store::announce(tx, inserted.id);
    if (announced) {
      const bj::object event{{"postId", inserted.id}, {"artistId", who.user_id}, {"title", d.title}};
      co_await events::append(tx, "post.published", inserted.id, event);
    }
  } else {
    jobs::EnqueueRequest job{.queue = "maintenance",
                             .kind = kPublishJob,
                             .payload = {{"postId", inserted.id}},
                             .delay = std::chrono::milliseconds(inserted.due_in_ms),
                             .max_attempts = 10,
                             .dedupe_key = std::string("posts.publish:") + inserted.id};
    co_await jobs::enqueue(tx, job);
  }
  const db::Lsn lsn = co_await tx.commit();
  const std::optional<AccessClaims> viewer = who;
  bj::object body = co_await get(db, viewer, inserted.id, lsn);
  co_return Written<bj::object>{std::move(body), lsn};
}

awaitable<PostService::Readable> PostService::listed(db::Cluster& db,
                                                     const std::optional<AccessClaims>& viewer,
                                                     const std::string& id, std::optional<db::Lsn> token) {
  auto p = co_await store::post(db, token, id, viewer_id(viewer));
  if (!p) throw ApiError::not_found("No such post");
  const memberships::Access access =
      co_await memberships::access_for(db, viewer_of(viewer), p->artist_id, token);
  if (!posts::listed(*p, access)) throw ApiError::not_found("No such post");
  const bool full = !lock_of(*p, access);
  co_return Readable{std::move(*p), full};
}

awaitable<store::Post> PostService::readable(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                             const std::string& id) {
  auto p = co_await store::post(db, std::nullopt, id, viewer_id(viewer));
  if (!p) throw ApiError::not_found("No such post");
  const memberships::Access access = co_await memberships::access_for(db, viewer_of(viewer), p->artist_id);
  if (!posts::listed(*p, access)) throw ApiError::not_found("No such post");
  if (auto lock = lock_of(*p, access)) {
    bj::object details{{"locked", std::move(*lock)}};
    throw ApiError(403, "locked", "This post is locked for you", std::move(details));
  }
  co_return std::move(*p);
}

awaitable<bj::object> PostService::get(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                       const std::string& id, std::optional<db::Lsn> token) {
  auto p = co_await store::post(db, token, id, viewer_id(viewer));
  if (!p) throw ApiError::not_found("No such post");
  const memberships::Access access =
      co_await memberships::access_for(db, viewer_of(viewer), p->artist_id, token);
  if (!posts::listed(*p, access)) throw ApiError::not_found("No such post");
  bj::object body = co_await to_json(db, viewer, *p, access, token);
  co_return body;
}

awaitable<bj::object> PostService::list(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                        const std::string& artist, const std::optional<store::Cursor>& after,
                                        int limit, std::optional<db::Lsn> token) {
  const std::string artist_id = co_await artists_.resolve_id(db, artist, token);
  const memberships::Access access =
      co_await memberships::access_for(db, viewer_of(viewer), artist_id, token);
  const auto rows = co_await store::artist_posts(db, token, artist_id, after, limit, access.sees_everything,
                                                 viewer_id(viewer));
  bj::array items;
  for (const auto& p : rows) {
    bj::object json = co_await to_json(db, viewer, p, access, token);
    items.push_back(std::move(json));
  }
  bj::object body{{"posts", std::move(items)}, {"limit", limit}};
  body["nextCursor"] = static_cast<int>(rows.size()) == limit
                           ? bj::value(cursor_of(rows.back().sort_us, rows.back().id))
                           : bj::value(nullptr);
  co_return body;
}

awaitable<db::Lsn> PostService::remove(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                       const audit::Origin& origin) {
  auto tx = co_await db.begin();
  const store::Deleted d = co_await store::delete_post(tx, id, who.user_id, who.role == "admin");
  if (!d.found) throw ApiError::not_found("No such post of yours");
  if (d.artist_id != who.user_id) {  // only an admin can get here: moderation outside /api/admin
    const bj::object details{{"artistId", d.artist_id}};
    const audit::Entry entry{who.user_id, who.role,  "post.deleted",    "post",
                             id,          origin.ip, origin.user_agent, details};
    co_await audit::record(tx, entry);
  }
  const db::Lsn lsn = co_await tx.commit();
  if (d.image_key) {
    auto drop = [this, prefix = *d.image_key] {
      try {
        storage_.remove_prefix(prefix);
      } catch (const std::exception& e) {
        log::warn("could not remove a deleted post's image", {{"prefix", prefix}, {"error", e.what()}});
      }
    };
    co_await offload(std::move(drop));
  }
  co_return lsn;
}

awaitable<Written<bj::object>> PostService::set_image(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& id, std::filesystem::path file) {
  const media::ScratchUpload upload(std::move(file));
  require_artist(who);
  std::string label = "post";
  const std::string prefix =
      co_await media::store_image(storage_, upload, media::ImageKind::post, who.user_id, std::move(label));

  std::exception_ptr failed;
  store::Deleted previous;
  db::Lsn lsn;
  try {
    auto tx = co_await db.begin();
    previous = co_await store::set_image(tx, id, who.user_id, prefix);
    if (previous.found) lsn = co_await tx.commit();
  } catch (...) {
    failed = std::current_exception();
  }
  // The new renditions go when nothing refers to them; the old ones once replaced.
  const bool keep_new = !failed && previous.found;
  std::string drop = keep_new ? previous.image_key.value_or("") : prefix;
  co_await media::remove_images(storage_, std::move(drop));
  if (failed) std::rethrow_exception(failed);
  if (!previous.found) throw ApiError::not_found("No such post of yours");
  const std::optional<AccessClaims> viewer = who;
  bj::object body = co_await get(db, viewer, id, lsn);
  co_return Written<bj::object>{std::move(body), lsn};
}

awaitable<Written<bj::object>> PostService::like(db::Cluster& db, const AccessClaims& who,
                                                 const std::string& id, bool on) {
  const std::optional<AccessClaims> viewer = who;
  co_await readable(db, viewer, id);
  auto tx = co_await db.begin();
  const int64_t count = co_await store::like(tx, who.user_id, id, on);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{bj::object{{"liked", on}, {"likeCount", count}}, lsn};
}

awaitable<bj::object> PostService::comments(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                            const std::string& id, int page, int limit,
                                            std::optional<db::Lsn> token) {
  co_await readable(db, viewer, id);
  const auto rows = co_await store::comments_page(db, token, id, page, limit);
  bj::array top;
  for (const auto& c : rows) {
    if (!c.parent_id) {
      bj::object json = catalog::comment_json(c);
      json["replies"] = bj::array{};
      top.push_back(std::move(json));
    } else if (!top.empty()) {
      top.back().as_object()["replies"].as_array().push_back(catalog::comment_json(c));
    }
  }
  co_return bj::object{{"comments", std::move(top)}, {"page", page}, {"limit", limit}};
}

awaitable<Written<bj::object>> PostService::add_comment(db::Cluster& db, const AccessClaims& who,
                                                        const std::string& id, const std::string& body,
                                                        const std::optional<std::string>& parent_id) {
  const std::optional<AccessClaims> viewer = who;
  co_await readable(db, viewer, id);
  auto tx = co_await db.begin();
  if (parent_id) {
    const auto parent = co_await catalog::store::comment_ref(tx, *parent_id);
    if (!parent || parent->post_id != id || parent->parent_id || parent->deleted) {
      throw ApiError(400, "invalid_parent", "Replies go to a live top-level comment on the same post",
                     {{"parentId", "is not a live top-level comment of this post"}});
    }
  }
  const catalog::store::Comment c = co_await store::insert_comment(tx, id, who.user_id, parent_id, body);
  const bj::object event{{"commentId", c.id}, {"postId", id}, {"userId", who.user_id}};
  co_await events::append(tx, "comment.created", id, event);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{catalog::comment_json(c), lsn};
}

awaitable<bj::object> PostService::feed(db::Cluster& db, const AccessClaims& who,
                                        const std::optional<store::Cursor>& after, int limit,
                                        std::optional<db::Lsn> token) {
  const auto rows = co_await store::feed(db, token, who.user_id, after, limit);
  std::vector<std::string> post_ids, release_ids;
  for (const auto& r : rows) (r.kind == "post" ? post_ids : release_ids).push_back(r.id);
  const std::optional<std::string> me = who.user_id;
  const auto posts = co_await store::posts_by_ids(db, token, post_ids, me);
  const auto releases = co_await store::releases_by_ids(db, token, release_ids);
  std::map<std::string, const store::Post*> post_by_id;
  for (const auto& p : posts) post_by_id.emplace(p.id, &p);
  std::map<std::string, const store::FeedRelease*> release_by_id;
  for (const auto& r : releases) release_by_id.emplace(r.id, &r);

  const std::optional<AccessClaims> viewer = who;
  const memberships::Viewer v = viewer_of(viewer);
  std::map<std::string, memberships::Access> access;
  const auto now = catalog::Clock::now();
  bj::array items;
  for (const auto& row : rows) {
    if (row.kind == "post") {
      const auto it = post_by_id.find(row.id);
      if (it == post_by_id.end()) continue;  // deleted in between
      const memberships::Access a = co_await cached_access(db, v, it->second->artist_id, access, token);
      bj::object post = co_await to_json(db, viewer, *it->second, a, token);
      items.push_back(
          bj::object{{"type", "post"}, {"at", it->second->publish_at}, {"post", std::move(post)}});
      continue;
    }
    const auto it = release_by_id.find(row.id);
    if (it == release_by_id.end()) continue;
    const store::FeedRelease& r = *it->second;
    const memberships::Access a = co_await cached_access(db, v, r.artist_id, access, token);
    const Tier tier = memberships::parse_tier(r.min_tier).value_or(Tier::superfan);
    const catalog::Visibility vis = catalog::evaluate(a, tier, r.published, at(r.release_at), now);
    if (!vis.listed) continue;
    items.push_back(
        bj::object{{"type", "release"}, {"at", r.released_at}, {"release", release_json(r, vis)}});
  }
  bj::object body{{"items", std::move(items)}, {"limit", limit}};
  body["nextCursor"] = static_cast<int>(rows.size()) == limit
                           ? bj::value(cursor_of(rows.back().at_us, rows.back().id))
                           : bj::value(nullptr);
  co_return body;
}

awaitable<void> publish_due(db::Cluster& db, jobs::JobContext& job) {
  const auto* id = job.payload().if_contains("postId");
  if (!id || !id->is_string() || !is_uuid(std::string(id->get_string()))) co_return;  // nothing to do, ever
  const std::string post_id(id->get_string());
  auto tx = co_await db.begin();
  const auto announced = co_await store::announce(tx, post_id);
  if (announced) {
    const bj::object event{
        {"postId", post_id}, {"artistId", announced->artist_id}, {"title", announced->title}};
    co_await events::append(tx, "post.published", post_id, event);
  } else {
    const bool waiting = co_await store::scheduled(tx, post_id);
    // Run before its time (clocks): the retry comes back after the backoff.
    if (waiting) throw std::runtime_error("post " + post_id + " is not due yet");
  }
  const bool mine = co_await job.complete(tx);
  if (!mine) co_return;  // another worker owns the job now; this transaction rolls back
  co_await tx.commit();
}

void register_jobs(jobs::Worker& worker, db::Cluster& db) {
  worker.handle(kPublishJob,
                [&db](jobs::JobContext& job) -> awaitable<void> { co_await publish_due(db, job); });
}

}  // namespace mc::posts
