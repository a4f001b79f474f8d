#include "features/search/store.hpp"

#include <algorithm>
#include <array>

#include "db/sql_time.hpp"
#include "features/search/query_words.hpp"

namespace mc::search::store {
namespace {

using db::params;
using db::Query;

// Three families of statements, each one plain query (no branch decided by a parameter), so that
// PostgreSQL can plan each once and reuse the plan (generic plans, set per pipeline below):
//   search — $1 the query as typed, $2 the viewer (or null), $3 the query as tsquery text with its
//            typo corrections, $4 its words as typed, as prefixes (expand() below);
//   browse — a genre's items without a query: $1 the genre, $2 the viewer;
//   naive  — the ILIKE baseline of bench/search: $1 the query, $2 a genre (or null), $3 the viewer.
#define MC_TSQ "$3::tsquery"
#define MC_TSQ_TYPED "$4::tsquery"
#define MC_Q "lower($1::text)"
// The text rank and match flag are of the query as typed, so a name found only through a
// correction ranks by its similarity to what was typed, below real matches.
#define MC_SCORES(vec, name)                                                                        \
  "coalesce(ts_rank(" vec ", " MC_TSQ_TYPED "), 0)::float8, strict_word_similarity(" MC_Q ", " name \
  ")::float8, starts_with(" name ", " MC_Q "), coalesce(" vec " @@ " MC_TSQ_TYPED ", false) "
#define MC_NO_SCORES "0::float8, 0::float8, false, false "

// Search candidates: the 250 best full-text matches of the corrected query (GIN), ranked among at
// most 1,000 matches: ranking reads every match's vector (about 4 µs each), and a query matching
// thousands of titles ("satellite") would otherwise spend its time ordering near-equal ranks.
#define MC_BEST(table, id, vec, where)                                                                 \
  "(SELECT m.id FROM (SELECT " id " AS id, " vec " AS v FROM " table " WHERE " where vec " @@ " MC_TSQ \
  " LIMIT 1000) m ORDER BY ts_rank(m.v, " MC_TSQ ") DESC LIMIT 250)"
#define MC_ARTIST_MATCHES MC_BEST("artist_profiles a", "a.user_id", "a.search", "")
#define MC_RELEASE_MATCHES MC_BEST("releases r", "r.id", "r.search", "r.published AND ")
#define MC_TRACK_MATCHES MC_BEST("tracks x", "x.id", "x.search", "")
#define MC_POST_MATCHES MC_BEST("posts p", "p.id", "p.search", "p.publish_at <= now() AND ")

// Browse candidates: a genre's newest or most played items.
#define MC_ARTIST_GENRE                                                                                     \
  "(SELECT a.user_id AS id FROM artist_profiles a WHERE a.genres @> ARRAY[$1::text] ORDER BY a.created_at " \
  "DESC LIMIT 250)"
#define MC_RELEASE_GENRE                                                   \
  "(SELECT r.id FROM releases r WHERE r.published AND r.genre = $1::text " \
  "ORDER BY coalesce(r.release_at, r.created_at) DESC LIMIT 250)"
#define MC_TRACK_GENRE                                                                   \
  "(SELECT x.id FROM tracks x JOIN releases r ON r.id = x.release_id WHERE r.published " \
  "AND r.genre = $1::text ORDER BY x.play_count DESC LIMIT 250)"
#define MC_POST_GENRE                                                                  \
  "(SELECT p.id FROM posts p JOIN artist_profiles a ON a.user_id = p.artist_id WHERE " \
  "p.publish_at <= now() AND a.genres @> ARRAY[$1::text] ORDER BY p.publish_at DESC LIMIT 250)"

// The naive baseline of bench/search (SEARCH_BASELINE, refused in production): the same endpoint
// with `ILIKE '%q%'` on names and titles instead of full text and the word dictionary; the 300 most
// popular matches per kind (in the genre, when one is chosen). Its rows carry no text rank or
// similarity, only the prefix flag.
#define MC_LIKE "'%' || replace(replace(replace($1::text, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'"
#define MC_ARTIST_NAIVE                                                              \
  "(SELECT a.user_id AS id FROM artist_profiles a WHERE a.stage_name ILIKE " MC_LIKE \
  " AND ($2::text IS NULL OR a.genres @> ARRAY[$2::text])"                           \
  " ORDER BY (SELECT count(*) FROM follows f WHERE f.artist_id = a.user_id) DESC, a.user_id LIMIT 300)"
#define MC_RELEASE_NAIVE                                                                                  \
  "(SELECT r.id FROM releases r WHERE r.published AND r.title ILIKE " MC_LIKE                             \
  " AND ($2::text IS NULL OR r.genre = $2::text)"                                                         \
  " ORDER BY (SELECT coalesce(sum(x.play_count), 0) FROM tracks x WHERE x.release_id = r.id) DESC, r.id " \
  "LIMIT 300)"
#define MC_TRACK_NAIVE                                                                                  \
  "(SELECT x.id FROM tracks x WHERE x.title ILIKE " MC_LIKE                                             \
  " AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM releases r WHERE r.id = x.release_id AND r.genre = " \
  "$2::text))"                                                                                          \
  " ORDER BY x.play_count DESC, x.id LIMIT 300)"
#define MC_POST_NAIVE                                                                                \
  "(SELECT p.id FROM posts p WHERE p.publish_at <= now() AND p.title ILIKE " MC_LIKE                 \
  " AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM artist_profiles g WHERE g.user_id = p.artist_id " \
  "AND g.genres @> ARRAY[$2::text]))"                                                                \
  " ORDER BY p.like_count DESC, p.id LIMIT 300)"
#define MC_NAIVE_KEEP(name) "AND " name " ILIKE " MC_LIKE
#define MC_NAIVE_SCORES(name) "0::float8, 0::float8, starts_with(lower(" name "), " MC_Q "), true "

// The rows of the candidates `c`; `viewer` is the viewer's parameter.
#define MC_ARTIST_ROWS(viewer, scores)                                                                      \
  "SELECT a.user_id, a.stage_name, a.user_id, a.stage_name, a.slug, array_to_string(a.genres, ','), "       \
  "a.avatar_key, 'free', '', NULL::float8, true, NULL::text, '', NULL::text, "                              \
  "(SELECT count(*) FROM follows f WHERE f.artist_id = a.user_id), "                                        \
  "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = a.user_id AND f.fan_id = " viewer "::uuid), " scores \
  "FROM artist_profiles a WHERE a.user_id = ANY (ARRAY(SELECT id FROM c)) "
#define MC_RELEASE_ROWS(viewer, scores)                                                                  \
  "SELECT r.id, r.title, r.artist_id, a.stage_name, a.slug, coalesce(r.genre, ''), r.cover_key, "        \
  "r.min_tier, '', "                                                                                     \
  "extract(epoch FROM r.release_at)::float8, r.published, NULL::text, r.kind, NULL::text, "              \
  "(SELECT coalesce(sum(play_count + like_count), 0)::bigint FROM tracks x WHERE x.release_id = r.id), " \
  "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = r.artist_id AND f.fan_id = " viewer               \
  "::uuid), " scores                                                                                     \
  "FROM releases r JOIN artist_profiles a ON a.user_id = r.artist_id WHERE r.id = ANY (ARRAY(SELECT id " \
  "FROM c)) "
#define MC_TRACK_ROWS(viewer, scores)                                                                        \
  "SELECT x.id, x.title, x.artist_id, a.stage_name, a.slug, coalesce(r.genre, ''), coalesce(x.artwork_key, " \
  "r.cover_key), x.min_tier, '', extract(epoch FROM coalesce(x.release_at, r.release_at))::float8, "         \
  "r.published, "                                                                                            \
  "x.release_id::text, '', NULL::text, x.play_count + x.like_count, "                                        \
  "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = x.artist_id AND f.fan_id = " viewer                   \
  "::uuid), " scores                                                                                         \
  "FROM tracks x JOIN releases r ON r.id = x.release_id "                                                    \
  "JOIN artist_profiles a ON a.user_id = x.artist_id WHERE x.id = ANY (ARRAY(SELECT id FROM c)) "            \
  "AND r.published AND x.hidden_at IS NULL "
#define MC_POST_ROWS(viewer, scores) \
  "SELECT p.id, p.title, p.artist_id, a.stage_name, a.slug, array_to_string(a.genres, ','), NULL::text, "        \
  "p.min_tier, p.visibility, NULL::float8, true, NULL::text, '', " MC_ISO("p.publish_at") ", p.like_count, "    \
  "EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = p.artist_id AND f.fan_id = " viewer "::uuid), "          \
  scores "FROM posts p JOIN artist_profiles a ON a.user_id = p.artist_id WHERE p.id = ANY (ARRAY(SELECT id FROM c)) " \
  "AND p.hidden_at IS NULL "
// A post that is not public matches on its title only: searching its body would reveal words of a
// post the searcher may not read. Its candidates come from the whole vector, so they are checked
// again here (or kept for a title within the typo tolerance of the query as typed).
#define MC_POST_VEC "CASE WHEN p.visibility = 'public' THEN p.search ELSE to_tsvector('simple', p.title) END"
#define MC_POST_KEEP                                                             \
  "AND (coalesce(" MC_POST_VEC " @@ " MC_TSQ ", false) OR word_similarity(" MC_Q \
  ", lower(p.title)) >= "                                                        \
  "0.25)"

constexpr Query kArtists{"search_artists", "WITH c AS " MC_ARTIST_MATCHES " " MC_ARTIST_ROWS(
                                               "$2", MC_SCORES("a.search", "lower(a.stage_name)"))};
constexpr Query kReleases{"search_releases", "WITH c AS " MC_RELEASE_MATCHES " " MC_RELEASE_ROWS(
                                                 "$2", MC_SCORES("r.search", "lower(r.title)"))};
constexpr Query kTracks{"search_tracks", "WITH c AS " MC_TRACK_MATCHES
                                         " " MC_TRACK_ROWS("$2", MC_SCORES("x.search", "lower(x.title)"))};
constexpr Query kPosts{"search_posts", "WITH c AS " MC_POST_MATCHES " " MC_POST_ROWS(
                                           "$2", MC_SCORES(MC_POST_VEC, "lower(p.title)")) MC_POST_KEEP};

constexpr Query kGenreArtists{"search_genre_artists",
                              "WITH c AS " MC_ARTIST_GENRE " " MC_ARTIST_ROWS("$2", MC_NO_SCORES)};
constexpr Query kGenreReleases{"search_genre_releases",
                               "WITH c AS " MC_RELEASE_GENRE " " MC_RELEASE_ROWS("$2", MC_NO_SCORES)};
constexpr Query kGenreTracks{"search_genre_tracks",
                             "WITH c AS " MC_TRACK_GENRE " " MC_TRACK_ROWS("$2", MC_NO_SCORES)};
constexpr Query kGenrePosts{"search_genre_posts",
                            "WITH c AS " MC_POST_GENRE " " MC_POST_ROWS("$2", MC_NO_SCORES)};

constexpr Query kNaiveArtists{"search_naive_artists",
                              "WITH c AS " MC_ARTIST_NAIVE " " MC_ARTIST_ROWS(
                                  "$3", MC_NAIVE_SCORES("a.stage_name")) MC_NAIVE_KEEP("a.stage_name")};
constexpr Query kNaiveReleases{"search_naive_releases", "WITH c AS " MC_RELEASE_NAIVE
                                                        " " MC_RELEASE_ROWS("$3", MC_NAIVE_SCORES("r.title"))
                                                            MC_NAIVE_KEEP("r.title")};
constexpr Query kNaiveTracks{"search_naive_tracks",
                             "WITH c AS " MC_TRACK_NAIVE " " MC_TRACK_ROWS("$3", MC_NAIVE_SCORES("x.title"))
                                 MC_NAIVE_KEEP("x.title")};
constexpr Query kNaivePosts{"search_naive_posts",
                            "WITH c AS " MC_POST_NAIVE " " MC_POST_ROWS("$3", MC_NAIVE_SCORES("p.title"))
                                MC_NAIVE_KEEP("p.title")};

// The statements of search (above and the expansion below) are planned once per connection and the
// plan reused (PostgreSQL would otherwise re-plan each call for its parameters: 2–6 ms per statement
// on the large catalogue, more than running it), and never JIT-compiled: a generic plan's estimates
// (1,000 rows for any set-returning function) can pass jit_above_cost, and compiling took 150 ms
// for an expansion that runs in 0.3. Set for the pipeline's implicit transaction only.
constexpr Query kPlanSettings{
    "search_plan_settings",
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('jit', 'off', true)"};

// The query as tsquery text: one group per word (letters and digits; nothing a user types is ever
// tsquery syntax), all groups required; a group is the word as a prefix, or one of its corrections:
// up to 5 dictionary words (search_words, migration 0023) within the word's tolerance (tolerance_for:
// a trigram similarity that one typing mistake in the middle of a word of that length still scores —
// "auorra" is 0.27 from "aurora", "korcalywn" 0.43 from "korcalwyn" — and for short words a number
// of typing mistakes).
// `%` is answered by the GIN trigram index; its threshold is a setting, set for the transaction by
// kThresholds before each group of words of one tolerance in the same pipeline (a function with a
// SET clause cost 2 ms a call). One flat 0.2 made a word of nine letters rank some 365 dictionary
// words by edit distance where 0.4 leaves 19, and let a five-letter word reach common words two
// edits away ("brith": "bright", in 952 track titles): the expansion was half of a search's time in
// PostgreSQL, and such a correction made a prefix search ten times slower than the rest.
// The five are the fewest edits away (levenshtein_less_equal of fuzzystrmatch, migration 0025), then
// the most similar: trigram similarity alone ties a swapped pair of letters with a different ending
// ("korcalywn": "korcalwyn", "korcalmey" and four more at 0.43 on the large catalogue), and the
// intended word fell out of the five by its alphabetical place.
// Five corrections, not more: each widens the full-text query, and with more the planner's estimate
// for the small posts table tips it into a sequential scan.
// $1 the words of one tolerance in query order (query_words: ASCII already lowercased; the database
// lowercases the rest and splits what it does not count as a letter), $2 for each whether it matches
// only itself: a word of fewer than four letters before the last ("the", "of", "dj") — as a prefix,
// "the" reads the posting lists of every word beginning with it (1.4 ms for the tracks of the large
// catalogue against 0.2 exact), and corrections of such short words are noise. The last word stays a
// prefix whatever its length: it may be the one being typed. $3 the most typing mistakes of a
// correction, or null: Levenshtein edits, or one swap of neighbours (two edits for Levenshtein).
// One row per word: its place in $1, its group and the word as typed (a prefix unless exact), each
// normalised by to_tsquery, once per search: its parser splits a word the way it split the names
// ("1299e607e2ce" is '1299e607' and 'e2ce', read as a number), and the statements then take the
// result as a plain tsquery parameter instead of parsing it for every row.
constexpr std::array<Query, 3> kThresholds{
    Query{"search_trgm_threshold_2", "SELECT set_config('pg_trgm.similarity_threshold', '0.2', true)"},
    Query{"search_trgm_threshold_3", "SELECT set_config('pg_trgm.similarity_threshold', '0.3', true)"},
    Query{"search_trgm_threshold_4", "SELECT set_config('pg_trgm.similarity_threshold', '0.4', true)"}};
constexpr Query kExpandWords{
    "search_expand_words",
    "SELECT v.n, to_tsquery('simple', string_agg(v.g, ' & ' ORDER BY v.sub))::text, "
    "to_tsquery('simple', string_agg(v.t, ' & ' ORDER BY v.sub))::text FROM ("
    "SELECT p.n, w.sub, quote_literal(w.w) || CASE WHEN p.exact THEN '' ELSE ':*' END AS t, "
    "CASE WHEN p.exact THEN quote_literal(w.w) ELSE '(' || quote_literal(w.w) || ':*' || coalesce((SELECT "
    "string_agg(' | ' || quote_literal(c.word), '') FROM (SELECT d.word FROM (SELECT s.word, "
    "levenshtein_less_equal(s.word, w.w, 3) AS edits FROM search_words s WHERE "
    "char_length(w.w) >= 3 AND s.word % w.w AND s.word <> w.w) d "
    "WHERE $3::int IS NULL OR d.edits <= $3::int OR (d.edits = 2 AND d.word = ANY (ARRAY("
    "SELECT overlay(w.w PLACING substr(w.w, i + 1, 1) || substr(w.w, i, 1) FROM i FOR 2) "
    "FROM generate_series(1, char_length(w.w) - 1) i))) "
    "ORDER BY d.edits, similarity(d.word, w.w) DESC, d.word LIMIT 5) c), '') || ')' END AS g "
    "FROM unnest($1::text[], $2::bool[]) WITH ORDINALITY AS p(word, exact, n) "
    "CROSS JOIN LATERAL regexp_split_to_table(regexp_replace(lower(p.word), '[^[:alnum:]]+', ' ', 'g'), ' ') "
    "WITH ORDINALITY AS w(w, sub) WHERE w.w <> '') v GROUP BY v.n"};

// Words of the dictionary that no name or title holds any more (a deleted artist, a renamed
// release). A word counts as used while any search vector still has it, which also covers bios and
// post bodies: a superset, never a word still in a name. Probes the GIN indexes once per word.
constexpr Query kPruneWords{
    "search_prune_words",
    "DELETE FROM search_words s WHERE "
    "NOT EXISTS (SELECT 1 FROM artist_profiles a WHERE a.search @@ to_tsquery('simple', "
    "quote_literal(s.word))) "
    "AND NOT EXISTS (SELECT 1 FROM releases r WHERE r.search @@ to_tsquery('simple', quote_literal(s.word))) "
    "AND NOT EXISTS (SELECT 1 FROM tracks x WHERE x.search @@ to_tsquery('simple', quote_literal(s.word))) "
    "AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.search @@ to_tsquery('simple', quote_literal(s.word)))"};

// The words' groups (one of their texts) joined by AND, leaving out the word at `skip` (none when
// it is past the end).
std::string all_of(const std::vector<Expansion::Word>& words, std::string Expansion::Word::*text,
                   std::size_t skip) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i == skip) continue;
    if (!out.empty()) out += " & ";
    out += "(" + words[i].*text + ")";
  }
  return out;
}

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

awaitable<std::optional<Expansion>> expand(db::Cluster& db, const std::vector<std::string>& words) {
  // The words by tolerance, each group in query order.
  struct Group {
    Tolerance tolerance;
    std::vector<std::string> words, exact;  // exact: "t" or "f" per word (a bool[] parameter)
    std::vector<std::size_t> places;        // in `words`
  };
  std::vector<Group> groups;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::size_t letters = letters_in(words[i]);
    const Tolerance tolerance = tolerance_for(letters);
    auto g =
        std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.tolerance == tolerance; });
    if (g == groups.end()) g = groups.insert(groups.end(), Group{tolerance, {}, {}, {}});
    g->words.push_back(words[i]);
    g->exact.emplace_back(letters < 4 && i + 1 < words.size() ? "t" : "f");
    g->places.push_back(i);
  }
  std::vector<db::Statement> statements{{&kPlanSettings, {}}};
  for (const Group& g : groups) {
    statements.push_back({&kThresholds.at(static_cast<std::size_t>(g.tolerance.similarity_tenths - 2)), {}});
    statements.push_back({&kExpandWords, params(g.words, g.exact, g.tolerance.mistakes)});
  }
  if (groups.empty()) co_return std::nullopt;
  db::ReadLease conn = co_await db.reader();
  const std::vector<db::Result> results = co_await conn->pipeline(statements);
  std::vector<std::optional<std::pair<std::string, std::string>>> by_place(words.size());
  for (std::size_t k = 0; k < groups.size(); ++k) {
    const db::Result& r = results.at(2 * k + 2);
    for (int row = 0; row < r.rows(); ++row) {
      const auto n = static_cast<std::size_t>(r.int64(row, 0));
      if (n == 0 || n > groups[k].places.size() || r.is_null(row, 1) || r.view(row, 1).empty()) continue;
      by_place.at(groups[k].places[n - 1]) = std::pair{r.str(row, 1), r.str(row, 2)};
    }
  }
  Expansion out;
  for (const auto& word : by_place)
    if (word) out.words.push_back({word->first, word->second});
  if (out.words.empty()) co_return std::nullopt;
  out.corrected = all_of(out.words, &Expansion::Word::corrected, out.words.size());
  out.typed = all_of(out.words, &Expansion::Word::typed, out.words.size());
  co_return out;
}

std::optional<Expansion> all_but_one(const Expansion& e) {
  // Fewer than two words leaves nothing to match; more than six makes too wide a query.
  if (e.words.size() < 2 || e.words.size() > 6) return std::nullopt;
  Expansion out{e.words, {}, {}};
  for (std::size_t skip = 0; skip < e.words.size(); ++skip) {
    const char* sep = skip == 0 ? "" : " | ";
    out.corrected += sep + ("(" + all_of(e.words, &Expansion::Word::corrected, skip) + ")");
    out.typed += sep + ("(" + all_of(e.words, &Expansion::Word::typed, skip) + ")");
  }
  return out;
}

awaitable<std::vector<Hit>> candidates(db::Cluster& db, const std::string& q,
                                       const std::optional<Expansion>& expansion,
                                       const std::optional<std::string>& genre,
                                       const std::optional<std::string>& viewer, bool naive) {
  static constexpr std::array<Kind, 4> kKinds{Kind::artist, Kind::release, Kind::track, Kind::post};
  static constexpr std::array<const Query*, 4> kSearch{&kArtists, &kReleases, &kTracks, &kPosts};
  static constexpr std::array<const Query*, 4> kGenre{&kGenreArtists, &kGenreReleases, &kGenreTracks,
                                                      &kGenrePosts};
  static constexpr std::array<const Query*, 4> kNaive{&kNaiveArtists, &kNaiveReleases, &kNaiveTracks,
                                                      &kNaivePosts};
  const bool browsing = q.empty();
  if (!browsing && !naive && !expansion) co_return std::vector<Hit>{};  // no words to look for
  const auto& queries = naive ? kNaive : browsing ? kGenre : kSearch;
  db::Params args;
  if (naive) {
    args = params(q, genre, viewer);
  } else if (browsing) {
    args = params(genre, viewer);
  } else {
    args = params(q, viewer, expansion->corrected, expansion->typed);
  }
  // The four kinds in one round trip, ours each on its reused plan. The naive baseline keeps
  // PostgreSQL's default: a generic plan of its `$2 IS NULL OR …` filters would handicap it.
  std::vector<db::Statement> statements;
  if (!naive) statements.push_back({&kPlanSettings, {}});
  for (const Query* query : queries) statements.push_back({query, args});
  db::ReadLease conn = co_await db.reader();
  const std::vector<db::Result> results = co_await conn->pipeline(statements);
  std::vector<Hit> out;
  const std::size_t first = naive ? 0 : 1;
  for (std::size_t k = 0; k < kKinds.size(); ++k) {
    const db::Result& r = results.at(first + k);
    for (int i = 0; i < r.rows(); ++i) {
      Hit h;
      h.kind = kKinds[k];
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
  }
  co_return out;
}

awaitable<int64_t> prune_words(db::Cluster& db) {
  auto conn = co_await db.writer();
  co_return (co_await conn->exec(kPruneWords)).affected();
}

}  // namespace mc::search::store
