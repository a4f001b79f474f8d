#include "features/artists/service.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "events/outbox.hpp"
#include "features/artists/genres.hpp"
#include "features/memberships/tiers.hpp"
#include "media/images.hpp"

namespace mc::artists {
namespace bj = boost::json;

namespace {
bj::value opt(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}
}  // namespace

bj::object to_json(const store::Profile& p) {
  bj::array genres;
  for (const auto& g : p.genres) genres.emplace_back(g);
  return {{"id", p.id},
          {"stageName", p.stage_name},
          {"slug", p.slug},
          {"bio", p.bio},
          {"genres", std::move(genres)},
          {"location", bj::object{{"city", opt(p.city)}, {"country", opt(p.country)}}},
          {"links", bj::parse(p.links_json)},
          {"avatarKey", opt(p.avatar_key)},
          {"bannerKey", opt(p.banner_key)},
          {"avatar", media::image_urls(p.avatar_key, media::ImageKind::avatar)},
          {"banner", media::image_urls(p.banner_key, media::ImageKind::banner)},
          {"followerCount", p.followers},
          {"subscriberCount", p.subscribers},
          {"createdAt", p.created_at}};
}

void ArtistsService::check_update(const store::ProfileUpdate& u, json::FieldReader& errors) {
  if (u.stage_name && (u.stage_name->empty() || u.stage_name->size() > 100)) {
    errors.fail("stageName", "must be 1-100 characters");
  }
  if (u.bio && u.bio->size() > 5000) errors.fail("bio", "must be at most 5000 characters");
  if (u.genres) {
    if (u.genres->size() > 5) errors.fail("genres", "at most 5 genres");
    for (const auto& g : *u.genres) {
      if (!is_genre(g)) errors.fail("genres", "contains an unknown genre (see GET /api/genres)");
    }
  }
  if (u.city && u.city->size() > 100) errors.fail("locationCity", "must be at most 100 characters");
  if (u.country && !(u.country->size() == 2 && std::isupper(static_cast<unsigned char>((*u.country)[0])) &&
                     std::isupper(static_cast<unsigned char>((*u.country)[1])))) {
    errors.fail("locationCountry", "must be an ISO 3166-1 alpha-2 code such as \"DE\"");
  }
}

awaitable<store::Profile> ArtistsService::require(db::Cluster& db, const std::string& id_or_slug,
                                                  std::optional<db::Lsn> token) {
  auto p = co_await store::find(db, token, id_or_slug);
  if (!p) throw ApiError::not_found("No such artist");
  co_return std::move(*p);
}

awaitable<bj::object> ArtistsService::get(db::Cluster& db, const std::string& id_or_slug,
                                          std::optional<db::Lsn> token) {
  const store::Profile p = co_await require(db, id_or_slug, token);
  const auto prices = co_await memberships::tier_prices(db, p.id, token);
  bj::array tiers;
  tiers.push_back(bj::object{{"tier", "free"},
                             {"rank", 0},
                             {"priceCents", 0},
                             {"currency", "USD"},
                             {"perks", bj::array{"Stream public tracks at 128 kbps", "Follow and comment"}}});
  int rank = 1;
  for (const auto& t : prices) {
    bj::array perks;
    for (const auto& perk : t.perks) perks.emplace_back(perk);
    tiers.push_back(bj::object{{"tier", t.tier},
                               {"rank", rank++},
                               {"priceCents", t.price_cents},
                               {"currency", t.currency},
                               {"perks", std::move(perks)}});
  }
  bj::object out = to_json(p);
  out["tiers"] = std::move(tiers);
  co_return out;
}

awaitable<bj::object> ArtistsService::list(db::Cluster& db, const store::ListQuery& q) {
  const auto [profiles, total] = co_await store::list(db, q);
  bj::array items;
  for (const auto& p : profiles) items.push_back(to_json(p));
  co_return bj::object{{"artists", std::move(items)}, {"page", q.page}, {"limit", q.limit}, {"total", total}};
}

awaitable<Written<bj::object>> ArtistsService::update_profile(db::Cluster& db, const AccessClaims& who,
                                                              const store::ProfileUpdate& u) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have a profile");
  auto tx = co_await db.begin();
  const bool updated = co_await store::update(tx, who.user_id, u);
  if (!updated) throw ApiError::not_found("No artist profile for this account");
  const bj::object event{{"artistId", who.user_id}};
  co_await events::append(tx, "artist.updated", who.user_id, event);
  const db::Lsn lsn = co_await tx.commit();
  bj::object profile = co_await get(db, who.user_id, lsn);
  co_return Written<bj::object>{std::move(profile), lsn};
}

awaitable<Written<bool>> ArtistsService::follow(db::Cluster& db, const AccessClaims& who,
                                                const std::string& id_or_slug, bool on) {
  const store::Profile artist = co_await require(db, id_or_slug, std::nullopt);
  if (artist.id == who.user_id) throw ApiError(422, "cannot_follow_self", "Artists cannot follow themselves");
  auto tx = co_await db.begin();
  bool changed = false;
  if (on) {
    changed = co_await store::follow(tx, who.user_id, artist.id);
  } else {
    changed = co_await store::unfollow(tx, who.user_id, artist.id);
  }
  if (changed && on) {
    const bj::object event{{"fanId", who.user_id}, {"artistId", artist.id}};
    co_await events::append(tx, "artist.followed", artist.id, event);
  }
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bool>{on, lsn};
}

awaitable<bj::object> ArtistsService::followers(db::Cluster& db, const std::string& id_or_slug, int page,
                                                int limit, std::optional<db::Lsn> token) {
  const store::Profile artist = co_await require(db, id_or_slug, token);
  const auto fans = co_await store::followers(db, token, artist.id, page, limit);
  bj::array items;
  for (const auto& f : fans) {
    items.push_back(bj::object{{"id", f.id}, {"username", f.username}, {"followedAt", f.followed_at}});
  }
  co_return bj::object{
      {"followers", std::move(items)}, {"page", page}, {"limit", limit}, {"total", artist.followers}};
}

awaitable<std::string> ArtistsService::resolve_id(db::Cluster& db, const std::string& id_or_slug,
                                                  std::optional<db::Lsn> token) {
  const store::Profile p = co_await require(db, id_or_slug, token);
  co_return p.id;
}

awaitable<bj::object> ArtistsService::fans_also_follow(db::Cluster& db, const std::string& id_or_slug) {
  const store::Profile artist = co_await require(db, id_or_slug, std::nullopt);
  const auto others = co_await store::fans_also_follow(db, artist.id, 10);
  bj::array items;
  for (const auto& p : others) items.push_back(to_json(p));
  co_return bj::object{{"artists", std::move(items)}};
}

awaitable<bool> ArtistsService::is_following(db::Cluster& db, const AccessClaims& who,
                                             const std::string& id_or_slug, std::optional<db::Lsn> token) {
  const store::Profile artist = co_await require(db, id_or_slug, token);
  const bool following = co_await store::is_following(db, token, who.user_id, artist.id);
  co_return following;
}

awaitable<bj::object> ArtistsService::following(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                                std::optional<db::Lsn> token) {
  const auto [artists, total] = co_await store::following(db, token, who.user_id, page, limit);
  bj::array items;
  for (const auto& p : artists) items.push_back(to_json(p));
  co_return bj::object{{"artists", std::move(items)}, {"page", page}, {"limit", limit}, {"total", total}};
}

}  // namespace mc::artists
