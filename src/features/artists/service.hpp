#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "core/json.hpp"
#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/artists/store.hpp"

namespace mc::artists {

using boost::asio::awaitable;

using db::Written;

// Rules for artist profiles and the follow graph (SPEC §4.2).
class ArtistsService {
 public:
  // Field rules for a profile edit; failures go into the reader.
  static void check_update(const store::ProfileUpdate& u, json::FieldReader& errors);

  awaitable<boost::json::object> get(db::Cluster& db, const std::string& id_or_slug,
                                     std::optional<db::Lsn> token);
  awaitable<boost::json::object> list(db::Cluster& db, const store::ListQuery& q);
  awaitable<Written<boost::json::object>> update_profile(db::Cluster& db, const AccessClaims& who,
                                                         const store::ProfileUpdate& u);
  awaitable<Written<bool>> follow(db::Cluster& db, const AccessClaims& who, const std::string& id_or_slug,
                                  bool on);
  awaitable<boost::json::object> followers(db::Cluster& db, const std::string& id_or_slug, int page,
                                           int limit, std::optional<db::Lsn> token);
  awaitable<boost::json::object> fans_also_follow(db::Cluster& db, const std::string& id_or_slug);
  // Whether the caller follows the artist (404 for an unknown artist).
  awaitable<bool> is_following(db::Cluster& db, const AccessClaims& who, const std::string& id_or_slug,
                               std::optional<db::Lsn> token);
  // The caller's follows, as artist profiles, most recent first.
  awaitable<boost::json::object> following(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                           std::optional<db::Lsn> token);
  // The artist's id for an id or slug; 404 when there is no such artist.
  awaitable<std::string> resolve_id(db::Cluster& db, const std::string& id_or_slug,
                                    std::optional<db::Lsn> token);

 private:
  awaitable<store::Profile> require(db::Cluster& db, const std::string& id_or_slug,
                                    std::optional<db::Lsn> token);
};

boost::json::object to_json(const store::Profile& p);

}  // namespace mc::artists
