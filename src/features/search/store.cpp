#include "features/search/store.hpp"

#include "db/sql_time.hpp"

namespace mc::search::store {
namespace {

using db::params;
using db::Query;

// $1 the query, $2 a genre (browsing without a query), $3 the viewer (or null).
// The query as a tsquery of prefixes: its words (letters and digits) each as 'word':*, all required.
#define MC_TSQ                                                                                            \
  "(SELECT to_tsquery('simple', string_agg(quote_literal(w) || ':*', ' & ')) FROM regexp_split_to_table(" \
  "regexp_replace(lower($1::text), '[^[:alnum:]]+', ' ', 'g'), ' ') AS w WHERE w <> '')"
#define MC_Q "lower($1::text)"
// Which candidates are kept: everything when browsing a genre; else a full-text match or a name
// within the typo tolerance (word similarity ≥ 0.25: one swapped pair of letters in a six-letter name scores
// 0.29).
#define MC_KEEP(vec, name)                                                                                   \
  "WHERE ($1::text = '' OR coalesce(" vec " @@ (SELECT q FROM t), false) OR word_similarity(" MC_Q ", " name \
  ") >= 0.25)"
#define MC_SCORES(vec, name)                                                                  \
  "coalesce(ts_rank(" vec ", (SELECT q FROM t)), 0)::float8, word_similarity(" MC_Q ", " name \
  ")::float8, "                                                                               \
  "$1::text <> '' AND starts_with(" name ", " MC_Q "), coalesce(" vec " @@ (SELECT q FROM t), false) "

constexpr Query kArtists{
    "search_artists",
    "WITH t AS (SELECT " MC_TSQ
    " AS q), c AS ("
    "(SELECT a.user_id AS id FROM artist_profiles a WHERE a.search @@ (SELECT q FROM t) "
    "ORDER BY ts_rank(a.search, (SELECT q FROM t)) DESC LIMIT 250) "
    "UNION (SELECT a.user_id FROM artist_profiles a WHERE $1::text <> '' "
    "ORDER BY lower(a.stage_name) <->> " MC_Q
    " LIMIT 50) "
    "UNION (SELECT a.user_id FROM artist_profiles a WHERE $1::text = '' AND a.genres @> ARRAY[$2::text] "
    "ORDER BY a.created_at DESC LIMIT 250)) "
    "SELECT a.user_id, a.stage_name, a.user_id, a.stage_name, a.slug, array_to_string(a.genres, ','), "
    "a.avatar_key, "
    "'free', '', NULL::float8, true, NULL::text, '', NULL::text, "
    "(SELECT count(*) FROM follows f WHERE f.artist_id = a.user_id), "
    "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = a.user_id AND f.fan_id = $3::uuid), " MC_SCORES(
        "a.search",
        "lower(a.stage_name)") "FROM c JOIN artist_profiles a ON a.user_id = c.id " MC_KEEP("a.search",
                                                                                            "lower(a.stage_"
                                                                                            "name)")};

constexpr Query kReleases{
    "search_releases",
    "WITH t AS (SELECT " MC_TSQ " AS q), c AS ("
    "(SELECT r.id FROM releases r WHERE r.published AND r.search @@ (SELECT q FROM t) "
    "ORDER BY ts_rank(r.search, (SELECT q FROM t)) DESC LIMIT 250) "
    "UNION (SELECT r.id FROM releases r WHERE $1::text <> '' AND r.published "
    "ORDER BY lower(r.title) <->> " MC_Q " LIMIT 50) "
    "UNION (SELECT r.id FROM releases r WHERE $1::text = '' AND r.published AND r.genre = $2::text "
    "ORDER BY coalesce(r.release_at, r.created_at) DESC LIMIT 250)) "
    "SELECT r.id, r.title, r.artist_id, a.stage_name, a.slug, coalesce(r.genre, ''), r.cover_key, r.min_tier, '', "
    "extract(epoch FROM r.release_at)::float8, r.published, NULL::text, r.kind, NULL::text, "
    "(SELECT coalesce(sum(play_count + like_count), 0)::bigint FROM tracks x WHERE x.release_id = r.id), "
    "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = r.artist_id AND f.fan_id = $3::uuid), " MC_SCORES(
        "r.search", "lower(r.title)") "FROM c JOIN releases r ON r.id = c.id JOIN artist_profiles a ON a.user_id = "
                                      "r.artist_id " MC_KEEP("r.search", "lower(r.title)")};

constexpr Query kTracks{
    "search_tracks",
    "WITH t AS (SELECT " MC_TSQ " AS q), c AS ("
    "(SELECT x.id FROM tracks x JOIN releases r ON r.id = x.release_id WHERE r.published "
    "AND x.search @@ (SELECT q FROM t) ORDER BY ts_rank(x.search, (SELECT q FROM t)) DESC LIMIT 250) "
    "UNION (SELECT x.id FROM tracks x WHERE $1::text <> '' ORDER BY lower(x.title) <->> " MC_Q " LIMIT 50) "
    "UNION (SELECT x.id FROM tracks x JOIN releases r ON r.id = x.release_id WHERE $1::text = '' AND r.published "
    "AND r.genre = $2::text ORDER BY x.play_count DESC LIMIT 250)) "
    "SELECT x.id, x.title, x.artist_id, a.stage_name, a.slug, coalesce(r.genre, ''), coalesce(x.artwork_key, "
    "r.cover_key), x.min_tier, '', extract(epoch FROM coalesce(x.release_at, r.release_at))::float8, r.published, "
    "x.release_id::text, '', NULL::text, x.play_count + x.like_count, "
    "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = x.artist_id AND f.fan_id = $3::uuid), " MC_SCORES(
        "x.search", "lower(x.title)") "FROM c JOIN tracks x ON x.id = c.id JOIN releases r ON r.id = x.release_id "
                                      "JOIN artist_profiles a ON a.user_id = x.artist_id " MC_KEEP(
                                          "x.search", "lower(x.title)") " AND r.published AND x.hidden_at IS NULL"};

// A post that is not public matches on its title only: searching its body would reveal words of a
// post the searcher may not read.
#define MC_POST_VEC "CASE WHEN p.visibility = 'public' THEN p.search ELSE to_tsvector('simple', p.title) END"
constexpr Query kPosts{
    "search_posts",
    "WITH t AS (SELECT " MC_TSQ " AS q), c AS ("
    "(SELECT p.id FROM posts p WHERE p.publish_at <= now() AND p.search @@ (SELECT q FROM t) "
    "ORDER BY ts_rank(p.search, (SELECT q FROM t)) DESC LIMIT 250) "
    "UNION (SELECT p.id FROM posts p WHERE $1::text <> '' AND p.publish_at <= now() "
    "ORDER BY lower(p.title) <->> " MC_Q " LIMIT 50) "
    "UNION (SELECT p.id FROM posts p JOIN artist_profiles a ON a.user_id = p.artist_id WHERE $1::text = '' "
    "AND p.publish_at <= now() AND a.genres @> ARRAY[$2::text] ORDER BY p.publish_at DESC LIMIT 250)) "
    "SELECT p.id, p.title, p.artist_id, a.stage_name, a.slug, array_to_string(a.genres, ','), NULL::text, p.min_tier, "
    "p.visibility, NULL::float8, true, NULL::text, '', " MC_ISO("p.publish_at") ", p.like_count, "
    "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = p.artist_id AND f.fan_id = $3::uuid), " MC_SCORES(
        MC_POST_VEC, "lower(p.title)") "FROM c JOIN posts p ON p.id = c.id JOIN artist_profiles a ON a.user_id = "
                                       "p.artist_id " MC_KEEP(MC_POST_VEC, "lower(p.title)") " AND p.hidden_at IS NULL"};

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

}  // namespace

awaitable<std::vector<Hit>> candidates(db::Cluster& db, Kind kind, const std::string& q,
                                       const std::optional<std::string>& genre,
                                       const std::optional<std::string>& viewer) {
  const Query* query = &kArtists;
  if (kind == Kind::release) query = &kReleases;
  if (kind == Kind::track) query = &kTracks;
  if (kind == Kind::post) query = &kPosts;
  const db::Result r = co_await db.read(*query, params(q, genre, viewer));
  std::vector<Hit> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    Hit h;
    h.kind = kind;
    h.id = r.str(i, 0);
    h.title = r.str(i, 1);
    h.artist_id = r.str(i, 2);
    h.artist_name = r.str(i, 3);
    h.artist_slug = r.str(i, 4);
    h.genres = split(r.view(i, 5));
    h.image_key = r.opt_str(i, 6);
    h.min_tier = r.str(i, 7);
    h.visibility = r.str(i, 8);
    if (!r.is_null(i, 9)) h.release_at = std::stod(r.str(i, 9));
    h.published = r.boolean(i, 10);
    h.release_id = r.opt_str(i, 11);
    h.release_kind = r.str(i, 12);
    h.at = r.opt_str(i, 13);
    h.popularity = r.int64(i, 14);
    h.follows = r.boolean(i, 15);
    h.text_rank = std::stod(r.str(i, 16));
    h.similarity = std::stod(r.str(i, 17));
    h.prefix = r.boolean(i, 18);
    h.text_match = r.boolean(i, 19);
    out.push_back(std::move(h));
  }
  co_return out;
}

}  // namespace mc::search::store
