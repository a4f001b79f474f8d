#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The SQL of search (docs/search.md): per kind, the candidates a query can match (full-text prefix
// matches of the query with its typos corrected against the word dictionary, or a genre's items
// when there is no query), with what ranking needs.
namespace mc::search::store {

using boost::asio::awaitable;

enum class Kind { artist, release, track, post };

struct Hit {
  Kind kind = Kind::artist;
  std::string id, title;  // title: the stage name of an artist
  std::string artist_id, artist_name, artist_slug;
  std::vector<std::string> genres;
  std::optional<std::string> image_key;  // avatar, cover or artwork prefix
  std::string min_tier, visibility;      // visibility: posts only
  std::optional<double> release_at;      // unix seconds (releases, tracks)
  bool published = true;
  std::optional<std::string> release_id;  // tracks
  std::string release_kind;               // releases
  std::optional<std::string> at;          // posts: publish time (RFC 3339)
  int64_t popularity = 0;                 // followers, plays, likes
  bool follows = false;                   // the viewer follows the artist
  double text_rank = 0, similarity = 0;
  bool prefix = false, text_match = false;
};

// The query's words (query_words) as tsquery text: with each word's corrections from the word
// dictionary (what candidates are found by), and as typed (what ranks as a full-text match), in one
// round trip. Nothing when it has no words.
struct Expansion {
  struct Word {
    std::string corrected, typed;
  };
  std::vector<Word> words;
  std::string corrected, typed;  // every word required
};

// The same words with any one of them allowed to be missing: for a query that found nothing
// ("aurora bleu band" for "Aurora Bleu"). Nothing for fewer than two words or more than six (six
// alternatives of five at most).
std::optional<Expansion> all_but_one(const Expansion& e);
awaitable<std::optional<Expansion>> expand(db::Cluster& db, const std::vector<std::string>& words);

// The candidates of every kind (up to ~300 each) for `q` (lowercased by the database; may be empty
// when `genre` is given: the genre's items) and its expansion, in one round trip. `naive`: the ILIKE
// baseline of bench/search (never in production; needs a non-empty q).
awaitable<std::vector<Hit>> candidates(db::Cluster& db, const std::string& q,
                                       const std::optional<Expansion>& expansion,
                                       const std::optional<std::string>& genre,
                                       const std::optional<std::string>& viewer, bool naive);

// Removes dictionary words no name or title uses any more (the hourly retention job); how many.
awaitable<int64_t> prune_words(db::Cluster& db);

}  // namespace mc::search::store
