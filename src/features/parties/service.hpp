#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/rate_limiter.hpp"
#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/admin/audit.hpp"
#include "features/memberships/tiers.hpp"
#include "features/parties/store.hpp"

namespace mc::parties {

using boost::asio::awaitable;
using db::Written;

inline constexpr std::size_t kMaxChatChars = 500;
inline constexpr std::size_t kMaxQueue = 200;

struct NewPartyRequest {
  std::string title;
  std::vector<std::string> track_ids;
  std::string min_tier = "free";
  int capacity = 1000;
  std::optional<std::string> scheduled_at;  // RFC 3339; absent: created to be started now
  bool start_now = false;
};

// What the host (or a co-host) does to the playback (SPEC §4.10).
struct Control {
  std::string action;                  // play | pause | seek | skip | previous
  std::optional<int64_t> position_ms;  // seek
  std::optional<int> index;            // skip to a queue position
};

// Listening parties (SPEC §4.10, docs/parties.md). The database holds the authoritative playback
// state: the track, the position at a server instant, and whether it plays on. Every change is an
// outbox event on the party's channel, so clients anywhere follow it, and a late joiner computes the
// live position from the state and its estimate of the server clock.
class PartyService {
 public:
  // How many sockets listen to a channel now (the gateway's presence; 0 without one).
  using ListenerCount = std::function<int(const std::string& channel)>;
  PartyService();
  void set_listener_count(ListenerCount count) { listeners_ = std::move(count); }

  awaitable<Written<boost::json::object>> create(db::Cluster& db, const AccessClaims& who,
                                                 const NewPartyRequest& req);
  awaitable<boost::json::object> get(db::Cluster& db, const std::optional<AccessClaims>& who,
                                     const std::string& id, std::optional<db::Lsn> token);
  awaitable<boost::json::object> list(db::Cluster& db, const std::optional<std::string>& artist_id,
                                      bool include_ended, int page, int limit, std::optional<db::Lsn> token);
  // The host's actions (start, end, control, delete_chat of another's message, set_muted,
  // set_cohost) are open to admins too; an admin acting on another artist's party is audited
  // (docs/admin.md), so each takes the request's origin.
  awaitable<Written<boost::json::object>> start(db::Cluster& db, const AccessClaims& who,
                                                const std::string& id, const audit::Origin& origin);
  awaitable<Written<boost::json::object>> end(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                              const audit::Origin& origin);
  awaitable<Written<boost::json::object>> control(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& id, const Control& c,
                                                  const audit::Origin& origin);
  awaitable<Written<boost::json::object>> chat(db::Cluster& db, const AccessClaims& who,
                                               const std::string& id, const std::string& body);
  awaitable<boost::json::object> chat_history(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                              std::optional<int64_t> before, int limit,
                                              std::optional<db::Lsn> token);
  awaitable<db::Lsn> delete_chat(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                 int64_t message_id, const audit::Origin& origin);
  awaitable<Written<boost::json::object>> react(db::Cluster& db, const AccessClaims& who,
                                                const std::string& id, const std::string& emoji);
  awaitable<Written<boost::json::object>> set_muted(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& id, const std::string& user_id,
                                                    bool muted, const audit::Origin& origin);
  awaitable<Written<boost::json::object>> set_cohost(db::Cluster& db, const AccessClaims& who,
                                                     const std::string& id, const std::string& user_id,
                                                     bool on, const audit::Origin& origin);
  awaitable<boost::json::object> summary(db::Cluster& db, const AccessClaims& who, const std::string& id);

  // For the gateway: may this user listen to the party's channel now? Throws ApiError when not
  // (404, 403 tier_required, 409 party_full, 410 party_ended). `joining`: a new listener, who
  // also needs a free place (one already in is re-checked on access changes without it).
  awaitable<void> authorize_listener(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                     bool joining);
  // The gateway's presence for the summary's peak (and the party page's count).
  awaitable<void> record_listeners(db::Cluster& db, std::string id, int listeners);  // spawned: owns its id

  static bool is_reaction(std::string_view emoji);

 private:
  int listeners(const std::string& party_id) const;
  awaitable<store::Party> hosted(db::Transaction& tx, const AccessClaims& who, const std::string& id);
  // Records `action` on party `p` when an admin, not its artist, did it (in the action's transaction).
  static awaitable<void> audit_admin(db::Transaction& tx, const AccessClaims& who, const store::Party& p,
                                     std::string action, boost::json::object details,
                                     const audit::Origin& origin);
  // The viewer's access to the party's artist, or ApiError tier_required.
  awaitable<memberships::Access> require_listener(db::Cluster& db, const AccessClaims& who,
                                                  const store::Party& p);

  ListenerCount listeners_;
  std::unique_ptr<cache::RateLimiter> limiter_;
};

}  // namespace mc::parties
