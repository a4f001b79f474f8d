#include "features/search/service.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "features/catalog/visibility.hpp"
#include "features/memberships/tiers.hpp"
#include "features/posts/service.hpp"
#include "features/search/query_words.hpp"
#include "features/search/store.hpp"
#include "features/search/typo_distance.hpp"
#include "media/images.hpp"

namespace mc::search {
namespace bj = boost::json;
using boost::asio::awaitable;
using memberships::Tier;
using store::Hit;
using store::Kind;

namespace {

constexpr const char* kKindNames[] = {"artist", "release", "track", "post"};

const char* name_of(Kind k) {
  return kKindNames[static_cast<int>(k)];
}

// One scale for every kind: a full-text match counts most (and more the better it ranks), then how
// close the name is to what was typed (twice the strict word similarity: among the names a typo's
// corrections match, the one closest to the typed word wins over a more popular neighbour), a name
// that starts with the query, and a little popularity. A name found only through a correction also
// gains by how few typing mistakes separate it from the query: trigram similarity cannot tell a
// swapped pair of letters from a different ending ("korcalywn" is as similar to "Korcaldu" as to
// "Korcalwyn"), and one mistake outweighs any popularity.
double score(const Hit& h, const std::vector<std::string>& typed_words) {
  double s = 2 * h.similarity;
  if (h.text_match) s += 1.0 + std::min(1.0, h.text_rank * 2);
  if (!h.text_match && !typed_words.empty()) {
    const int mistakes = typo_distance(typed_words, h.title, 3);
    if (mistakes <= 1)
      s += 0.5;
    else if (mistakes == 2)
      s += 0.25;
  }
  if (h.prefix) s += 0.5;
  s += std::min(0.3, std::log1p(static_cast<double>(std::max<int64_t>(0, h.popularity))) / 30.0);
  if (h.kind == Kind::artist) s += 0.1;  // people mostly look for artists
  return s;
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

bj::value catalog_lock(const catalog::Visibility& v) {
  if (v.playable) return nullptr;
  return bj::object{{"requiredTier", v.locked_by_tier ? bj::value(memberships::to_string(*v.locked_by_tier))
                                                      : bj::value(nullptr)},
                    {"availableAt", v.available_at ? bj::value(iso(*v.available_at)) : bj::value(nullptr)}};
}

bj::array strings(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v)
    if (!s.empty()) a.push_back(bj::value(s));
  return a;
}

}  // namespace

awaitable<bj::object> SearchService::search(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                            const Request& r) {
  const std::optional<std::string> viewer_id =
      viewer ? std::optional<std::string>(viewer->user_id) : std::nullopt;
  const bool naive = naive_ && !r.q.empty();
  // The baseline ranks as it always did: only ours corrects and measures typing mistakes.
  const std::vector<std::string> typed_words = naive ? std::vector<std::string>{} : query_words(r.q);
  std::optional<store::Expansion> expansion;
  if (!typed_words.empty()) expansion = co_await store::expand(db, typed_words);
  std::vector<Hit> hits = co_await store::candidates(db, r.q, expansion, r.genre, viewer_id, naive);
  // Every word must match; a query that found nothing is asked again with any one word missing, so
  // an extra or mistyped-beyond-repair word ("aurora bleu band") does not hide the rest. Only then:
  // a second round trip, and fewer words match more loosely.
  bool all_words_matched = true;
  if (hits.empty() && expansion) {
    if (auto relaxed = store::all_but_one(*expansion)) {
      expansion = std::move(relaxed);
      all_words_matched = false;
      hits = co_await store::candidates(db, r.q, expansion, r.genre, viewer_id, naive);
    }
  }
  auto in_genre = [&r](const Hit& h) {
    return !r.genre || std::find(h.genres.begin(), h.genres.end(), *r.genre) != h.genres.end();
  };
  auto of_type = [&r](const Hit& h) { return !r.type || *r.type == name_of(h.kind); };

  // Facets: each counts with the other filter applied, not its own.
  std::map<std::string, int64_t> types{{"artist", 0}, {"release", 0}, {"track", 0}, {"post", 0}};
  std::map<std::string, int64_t> genres;
  std::vector<std::pair<double, const Hit*>> ranked;
  for (const auto& h : hits) {
    if (in_genre(h)) ++types[name_of(h.kind)];
    if (of_type(h))
      for (const auto& g : h.genres)
        if (!g.empty()) ++genres[g];
    if (in_genre(h) && of_type(h)) ranked.emplace_back(score(h, typed_words), &h);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second->id < b.second->id;
  });

  bj::object type_facet;
  for (const auto& [k, n] : types) type_facet[k] = n;
  std::vector<std::pair<std::string, int64_t>> genre_list(genres.begin(), genres.end());
  std::stable_sort(genre_list.begin(), genre_list.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  bj::array genre_facet;
  for (std::size_t i = 0; i < genre_list.size() && i < 20; ++i)
    genre_facet.push_back(bj::object{{"genre", genre_list[i].first}, {"count", genre_list[i].second}});

  // The page: teasers decided per viewer, one tier lookup per artist.
  const memberships::Viewer v =
      viewer ? memberships::Viewer{viewer->user_id, viewer->role} : memberships::Viewer{};
  std::map<std::string, memberships::Access> access;
  const auto now = catalog::Clock::now();
  bj::array results;
  const std::size_t from = static_cast<std::size_t>(r.page - 1) * static_cast<std::size_t>(r.limit);
  for (std::size_t i = from; i < ranked.size() && i < from + static_cast<std::size_t>(r.limit); ++i) {
    const Hit& h = *ranked[i].second;
    bj::object item{{"type", name_of(h.kind)}, {"score", std::round(ranked[i].first * 1000) / 1000}};
    if (h.kind == Kind::artist) {
      item["artist"] = bj::object{{"id", h.id},
                                  {"stageName", h.title},
                                  {"slug", h.artist_slug},
                                  {"genres", strings(h.genres)},
                                  {"avatar", media::image_urls(h.image_key, media::ImageKind::avatar)},
                                  {"followerCount", h.popularity}};
      results.push_back(std::move(item));
      continue;
    }
    auto it = access.find(h.artist_id);
    if (it == access.end()) {
      const memberships::Access a = co_await memberships::access_for(db, v, h.artist_id);
      it = access.emplace(h.artist_id, a).first;
    }
    const memberships::Access& a = it->second;
    bj::object common{{"id", h.id},
                      {"title", h.title},
                      {"artistId", h.artist_id},
                      {"artistName", h.artist_name},
                      {"artistSlug", h.artist_slug}};
    if (h.kind == Kind::post) {
      auto lock = posts::post_lock(h.visibility, h.min_tier, h.follows, a);
      common["visibility"] = h.visibility;
      common["minTier"] = h.visibility == "min_tier" ? bj::value(h.min_tier) : bj::value(nullptr);
      common["publishAt"] = h.at ? bj::value(*h.at) : bj::value(nullptr);
      common["locked"] = lock ? bj::value(std::move(*lock)) : bj::value(nullptr);
      item["post"] = std::move(common);
      results.push_back(std::move(item));
      continue;
    }
    const Tier tier = memberships::parse_tier(h.min_tier).value_or(Tier::superfan);
    const catalog::Visibility vis = catalog::evaluate(a, tier, h.published, at(h.release_at), now);
    common["minTier"] = h.min_tier;
    common["genre"] =
        h.genres.empty() || h.genres.front().empty() ? bj::value(nullptr) : bj::value(h.genres.front());
    common["locked"] = catalog_lock(vis);
    if (h.kind == Kind::release) {
      common["kind"] = h.release_kind;
      common["cover"] = media::image_urls(h.image_key, media::ImageKind::artwork);
      item["release"] = std::move(common);
    } else {
      common["releaseId"] = h.release_id ? bj::value(*h.release_id) : bj::value(nullptr);
      common["artwork"] = media::image_urls(h.image_key, media::ImageKind::artwork);
      // A teaser carries nothing about the audio (and search never returns a playable reference).
      if (vis.playable) common["plays"] = h.popularity;
      item["track"] = std::move(common);
    }
    results.push_back(std::move(item));
  }
  co_return bj::object{
      {"query", r.q},
      {"type", r.type ? bj::value(*r.type) : bj::value(nullptr)},
      {"genre", r.genre ? bj::value(*r.genre) : bj::value(nullptr)},
      {"page", r.page},
      {"limit", r.limit},
      {"total", static_cast<int64_t>(ranked.size())},
      {"allWordsMatched", all_words_matched},
      {"facets", bj::object{{"type", std::move(type_facet)}, {"genre", std::move(genre_facet)}}},
      {"results", std::move(results)}};
}

}  // namespace mc::search
