#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/jwt.hpp"
#include "db/cluster.hpp"

namespace mc::search {

// GET /api/search (SPEC §4.6, docs/search.md): artists, releases, tracks and posts matching a
// query by full text (word prefixes, typos corrected by trigram similarity), ranked together, with
// facets by type and genre; or, without a query, a genre's page. Locked items are teasers.
struct Request {
  std::string q;                     // may be empty when genre is set
  std::optional<std::string> type;   // artist | release | track | post
  std::optional<std::string> genre;  // a known genre
  int page = 1, limit = 20;
};

class SearchService {
 public:
  // naive: answer with the ILIKE baseline of bench/search (SEARCH_BASELINE; refused in production).
  explicit SearchService(bool naive = false) : naive_(naive) {}

  boost::asio::awaitable<boost::json::object> search(db::Cluster& db,
                                                     const std::optional<AccessClaims>& viewer,
                                                     const Request& r);

 private:
  bool naive_;
};

}  // namespace mc::search
