#include "features/parties/service.hpp"

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>

#include "core/error.hpp"
#include "events/outbox.hpp"
#include "features/accounts/store.hpp"
#include "features/memberships/tiers.hpp"
#include "realtime/channel.hpp"

namespace mc::parties {
namespace bj = boost::json;
using memberships::Tier;

namespace {

constexpr std::array<std::string_view, 6> kReactions{"🔥", "❤️", "👏", "😮", "😂", "🎉"};
const cache::RateRule kChatRule{5, std::chrono::seconds(10)};
const cache::RateRule kReactionRule{30, std::chrono::seconds(10)};

double now_ms() {
  using namespace std::chrono;
  return static_cast<double>(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()) /
         1000.0;
}

// Where the playback is at instant `t` (unix ms): the state's position, moved on while playing.
int64_t position_at(const store::Party& p, double t) {
  if (!p.playing) return p.position_ms;
  return p.position_ms + static_cast<int64_t>(std::llround(std::max(0.0, t - p.state_at_ms)));
}

bj::object state_json(const store::Party& p) {
  const std::string track = p.queue_index >= 0 && p.queue_index < static_cast<int>(p.queue.size())
                                ? p.queue[static_cast<std::size_t>(p.queue_index)]
                                : std::string();
  return bj::object{{"index", p.queue_index},      {"trackId", track},
                    {"positionMs", p.position_ms}, {"playing", p.playing},
                    {"serverTime", p.state_at_ms}, {"version", p.state_version}};
}

bj::object summary_json(const store::Party& p) {
  return bj::object{{"peakListeners", p.peak_listeners},
                    {"messages", p.message_count},
                    {"reactions", p.reaction_count},
                    {"startedAt", p.started_at ? bj::value(*p.started_at) : bj::value(nullptr)},
                    {"endedAt", p.ended_at ? bj::value(*p.ended_at) : bj::value(nullptr)}};
}

bj::value opt(const std::optional<std::string>& s) {
  return s ? bj::value(*s) : bj::value(nullptr);
}

bj::object party_json(const store::Party& p) {
  return bj::object{{"id", p.id},
                    {"artistId", p.artist_id},
                    {"artistName", p.artist_name},
                    {"title", p.title},
                    {"minTier", p.min_tier},
                    {"capacity", p.capacity},
                    {"status", p.status},
                    {"scheduledAt", opt(p.scheduled_at)},
                    {"startedAt", opt(p.started_at)},
                    {"endedAt", opt(p.ended_at)},
                    {"state", state_json(p)}};
}

bj::object started_event(const store::Party& p) {
  return bj::object{
      {"partyId", p.id}, {"artistId", p.artist_id}, {"title", p.title}, {"state", state_json(p)}};
}

bj::object chat_json(const store::ChatMessage& m, const std::optional<std::string>& badge) {
  return bj::object{{"id", std::to_string(m.id)}, {"userId", m.user_id},
                    {"username", m.username},     {"body", m.body},
                    {"createdAt", m.created_at},  {"badge", opt(badge)}};
}

ApiError no_party() {
  return ApiError::not_found("No such listening party");
}

Tier tier_of(const std::string& s) {
  return memberships::parse_tier(s).value_or(Tier::free);
}

}  // namespace

PartyService::PartyService() : limiter_(cache::make_in_process_rate_limiter()) {}

bool PartyService::is_reaction(std::string_view emoji) {
  for (const auto r : kReactions) {
    if (r == emoji) return true;
  }
  return false;
}

int PartyService::listeners(const std::string& party_id) const {
  return listeners_ ? listeners_(realtime::party_channel(party_id)) : 0;
}

awaitable<store::Party> PartyService::hosted(db::Transaction& tx, const AccessClaims& who,
                                             const std::string& id) {
  auto p = co_await store::lock(tx, id);
  if (!p) throw no_party();
  if (p->artist_id != who.user_id && who.role != "admin" && !co_await store::is_cohost(tx, id, who.user_id)) {
    throw ApiError(403, "forbidden", "Only the party's host and co-hosts may do this");
  }
  co_return *p;
}

awaitable<void> PartyService::audit_admin(db::Transaction& tx, const AccessClaims& who, const store::Party& p,
                                          std::string action, bj::object details,
                                          const audit::Origin& origin) {
  if (who.role != "admin" || who.user_id == p.artist_id) co_return;
  details["artistId"] = p.artist_id;
  const audit::Entry entry{who.user_id, who.role,  std::move(action), "party",
                           p.id,        origin.ip, origin.user_agent, std::move(details)};
  co_await audit::record(tx, entry);
}

awaitable<memberships::Access> PartyService::require_listener(db::Cluster& db, const AccessClaims& who,
                                                              const store::Party& p) {
  // The viewer is named first: GCC 12 destroys a braced temporary inside a co_await expression twice
  // (a double free: the server crashed soon after).
  const memberships::Viewer viewer{who.user_id, who.role};
  const auto access = co_await memberships::access_for(db, viewer, p.artist_id);
  if (access.sees_everything || co_await store::is_cohost(db, p.id, who.user_id)) co_return access;
  if (!access.allows(tier_of(p.min_tier))) {
    throw ApiError(403, "tier_required",
                   "This listening party is for " + p.min_tier + "s of " + p.artist_name,
                   {{"tier", p.min_tier}, {"artistId", p.artist_id}});
  }
  co_return access;
}

awaitable<Written<bj::object>> PartyService::create(db::Cluster& db, const AccessClaims& who,
                                                    const NewPartyRequest& req) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists host listening parties");
  const auto tracks = co_await store::tracks(db, who.user_id, req.track_ids, std::nullopt);
  bj::object errors;
  if (tracks.size() != req.track_ids.size()) {
    errors["trackIds"] = "must be tracks of yours; one or more are not";
  } else {
    for (const auto& t : tracks) {
      if (t.status != "ready") {
        errors["trackIds"] =
            "\"" + t.title + "\" is not ready to play yet; wait for its processing or remove it";
        break;
      }
      if (static_cast<int>(tier_of(t.min_tier)) > static_cast<int>(tier_of(req.min_tier))) {
        errors["trackIds"] = "\"" + t.title + "\" is for " + t.min_tier +
                             "s only; raise the party's minimum tier or remove the track";
        break;
      }
    }
  }
  if (!errors.empty()) throw ApiError::validation(std::move(errors));
  store::NewParty np{req.title, req.min_tier, req.capacity, req.track_ids, req.scheduled_at};
  auto tx = co_await db.begin();
  store::Party p = co_await store::insert(tx, who.user_id, np);
  if (req.start_now) {
    co_await store::set_status(tx, p.id, "live");
    store::State s{0, 0, true, now_ms()};
    co_await store::set_state(tx, p.id, s);
    p = *co_await store::lock(tx, p.id);
    const bj::object event = started_event(p);
    co_await events::append(tx, "party.started", p.id, event, realtime::party_channel(p.id));
  }
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{party_json(p), lsn};
}

awaitable<bj::object> PartyService::get(db::Cluster& db, const std::optional<AccessClaims>& who,
                                        const std::string& id, std::optional<db::Lsn> token) {
  const auto p = co_await store::get(db, id, token);
  if (!p) throw no_party();
  bj::object body = party_json(*p);
  const auto tracks = co_await store::tracks(db, p->artist_id, p->queue, token);
  bj::array queue;
  for (const auto& t : tracks) {
    queue.push_back(bj::object{{"id", t.id},
                               {"title", t.title},
                               {"durationS", t.duration_s ? bj::value(*t.duration_s) : bj::value(nullptr)}});
  }
  body["queue"] = std::move(queue);
  body["listeners"] = listeners(p->id);
  body["serverTime"] = now_ms();
  bj::object you{{"host", false}, {"canControl", false}, {"canListen", false}};
  if (who) {
    const bool host = who->user_id == p->artist_id || who->role == "admin";
    const bool cohost = !host && co_await store::is_cohost(db, p->id, who->user_id);
    you["host"] = host;
    you["canControl"] = host || cohost;
    bool can_listen = true;
    try {
      co_await require_listener(db, *who, *p);
    } catch (const ApiError&) {
      can_listen = false;
    }
    you["canListen"] = can_listen;
    if (host || cohost) {
      bj::array list;
      for (auto& c : co_await store::cohosts(db, p->id, token)) list.emplace_back(c);
      body["cohosts"] = std::move(list);
      body["summary"] = summary_json(*p);
    }
  }
  body["you"] = std::move(you);
  co_return body;
}

awaitable<bj::object> PartyService::list(db::Cluster& db, const std::optional<std::string>& artist_id,
                                         bool include_ended, int page, int limit,
                                         std::optional<db::Lsn> token) {
  const auto rows = co_await store::list(db, artist_id, include_ended, limit, (page - 1) * limit, token);
  bj::array items;
  for (const auto& p : rows) {
    bj::object o = party_json(p);
    if (p.status == "live") o["listeners"] = listeners(p.id);
    items.push_back(std::move(o));
  }
  co_return bj::object{{"parties", std::move(items)}, {"page", page}, {"limit", limit}};
}

awaitable<Written<bj::object>> PartyService::start(db::Cluster& db, const AccessClaims& who,
                                                   const std::string& id, const audit::Origin& origin) {
  auto tx = co_await db.begin();
  store::Party p = co_await hosted(tx, who, id);
  if (p.status == "ended") throw ApiError(409, "party_ended", "This party has ended; schedule a new one");
  if (p.status == "scheduled") {
    co_await store::set_status(tx, id, "live");
    store::State s{0, 0, true, now_ms()};
    co_await store::set_state(tx, id, s);
    p = *co_await store::lock(tx, id);
    const bj::object event = started_event(p);
    co_await events::append(tx, "party.started", id, event, realtime::party_channel(id));
    const bj::object audited;
    co_await audit_admin(tx, who, p, "party.started", audited, origin);
  }
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{party_json(p), lsn};
}

awaitable<Written<bj::object>> PartyService::end(db::Cluster& db, const AccessClaims& who,
                                                 const std::string& id, const audit::Origin& origin) {
  auto tx = co_await db.begin();
  store::Party p = co_await hosted(tx, who, id);
  if (p.status != "ended") {
    co_await store::set_status(tx, id, "ended");
    p = *co_await store::lock(tx, id);
    const bj::object event{{"partyId", id}, {"artistId", p.artist_id}, {"summary", summary_json(p)}};
    co_await events::append(tx, "party.ended", id, event, realtime::party_channel(id));
    const bj::object audited;
    co_await audit_admin(tx, who, p, "party.ended", audited, origin);
  }
  const db::Lsn lsn = co_await tx.commit();
  bj::object body = party_json(p);
  body["summary"] = summary_json(p);
  co_return Written<bj::object>{std::move(body), lsn};
}

awaitable<Written<bj::object>> PartyService::control(db::Cluster& db, const AccessClaims& who,
                                                     const std::string& id, const Control& c,
                                                     const audit::Origin& origin) {
  auto tx = co_await db.begin();
  const store::Party p = co_await hosted(tx, who, id);
  if (p.status != "live") {
    throw ApiError(409, p.status == "ended" ? "party_ended" : "party_not_started",
                   p.status == "ended" ? "This party has ended" : "Start the party first");
  }
  const double now = now_ms();
  store::State s{p.queue_index, position_at(p, now), p.playing, now};
  const int last = static_cast<int>(p.queue.size()) - 1;
  if (c.action == "play") {
    s.playing = true;
  } else if (c.action == "pause") {
    s.playing = false;
  } else if (c.action == "seek") {
    s.position_ms = std::max<int64_t>(0, *c.position_ms);
  } else if (c.action == "skip" || c.action == "previous") {
    const int to = c.index.value_or(c.action == "skip" ? p.queue_index + 1 : p.queue_index - 1);
    if (to < 0 || to > last) {
      throw ApiError(400, "validation_failed", "There is no track there in the queue",
                     {{c.index ? "index" : "action",
                       "must stay within the queue's " + std::to_string(last + 1) + " tracks"}});
    }
    s.queue_index = to;
    s.position_ms = 0;
  }
  const int version = co_await store::set_state(tx, id, s);
  store::Party next = p;
  next.queue_index = s.queue_index;
  next.position_ms = s.position_ms;
  next.playing = s.playing;
  next.state_at_ms = s.state_at_ms;
  next.state_version = version;
  bj::object state = state_json(next);
  const bj::object event{{"partyId", id}, {"action", c.action}, {"by", who.user_id}, {"state", state}};
  co_await events::append(tx, "party.state", id, event, realtime::party_channel(id));
  const bj::object audited{{"action", c.action}};
  co_await audit_admin(tx, who, p, "party.controlled", audited, origin);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{bj::object{{"state", std::move(state)}}, lsn};
}

awaitable<Written<bj::object>> PartyService::chat(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& id, const std::string& body) {
  const auto p = co_await store::get(db, id, std::nullopt);
  if (!p) throw no_party();
  const memberships::Access access = co_await require_listener(db, who, *p);
  if (p->status != "live") throw ApiError(409, "party_not_live", "Chat is open while the party is live");
  const auto decision =
      limiter_->consume("chat:" + id + ":" + who.user_id, kChatRule, std::chrono::steady_clock::now());
  if (!decision.allowed) {
    throw ApiError(429, "rate_limited", "You are sending messages too fast; wait a few seconds",
                   {{"retryAfter", decision.retry_after_seconds}});
  }
  std::optional<std::string> badge;
  if (!access.sees_everything && access.tier != Tier::free)
    badge = std::string(memberships::to_string(access.tier));
  if (access.sees_everything && who.user_id == p->artist_id) badge = "artist";
  auto tx = co_await db.begin();
  if (co_await store::is_muted(tx, id, who.user_id)) {
    throw ApiError(403, "muted", "The host muted you in this party; you can still listen");
  }
  const auto m = co_await store::insert_message(tx, id, who.user_id, body);
  bj::object json = chat_json(m, badge);
  co_await events::append(tx, "party.chat", id, json, realtime::party_channel(id));
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{std::move(json), lsn};
}

awaitable<bj::object> PartyService::chat_history(db::Cluster& db, const AccessClaims& who,
                                                 const std::string& id, std::optional<int64_t> before,
                                                 int limit, std::optional<db::Lsn> token) {
  const auto p = co_await store::get(db, id, token);
  if (!p) throw no_party();
  co_await require_listener(db, who, *p);
  const auto rows = co_await store::messages(db, id, before, limit, token);
  bj::array items;
  for (const auto& m : rows) items.push_back(chat_json(m, std::nullopt));
  bj::object body{{"messages", std::move(items)}, {"limit", limit}};
  body["nextCursor"] =
      static_cast<int>(rows.size()) == limit ? bj::value(std::to_string(rows.back().id)) : bj::value(nullptr);
  co_return body;
}

awaitable<db::Lsn> PartyService::delete_chat(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                             int64_t message_id, const audit::Origin& origin) {
  auto tx = co_await db.begin();
  auto p = co_await store::lock(tx, id);
  if (!p) throw no_party();
  const bool moderator =
      p->artist_id == who.user_id || who.role == "admin" || co_await store::is_cohost(tx, id, who.user_id);
  const auto author = co_await store::delete_message(tx, id, message_id);
  if (!author) throw ApiError::not_found("No such message in this party");
  if (!moderator && *author != who.user_id) {
    throw ApiError(403, "forbidden", "Only the author, the host or a co-host may delete a message");
  }
  const bj::object event{{"id", std::to_string(message_id)}, {"by", who.user_id}};
  co_await events::append(tx, "party.chat_deleted", id, event, realtime::party_channel(id));
  if (*author != who.user_id) {
    const bj::object audited{{"messageId", std::to_string(message_id)}, {"authorId", *author}};
    co_await audit_admin(tx, who, *p, "party.chat_deleted", audited, origin);
  }
  co_return co_await tx.commit();
}

awaitable<Written<bj::object>> PartyService::react(db::Cluster& db, const AccessClaims& who,
                                                   const std::string& id, const std::string& emoji) {
  const auto p = co_await store::get(db, id, std::nullopt);
  if (!p) throw no_party();
  co_await require_listener(db, who, *p);
  if (p->status != "live")
    throw ApiError(409, "party_not_live", "Reactions are open while the party is live");
  const auto decision =
      limiter_->consume("react:" + id + ":" + who.user_id, kReactionRule, std::chrono::steady_clock::now());
  if (!decision.allowed) {
    throw ApiError(429, "rate_limited", "Too many reactions at once; wait a moment",
                   {{"retryAfter", decision.retry_after_seconds}});
  }
  auto tx = co_await db.begin();
  if (co_await store::is_muted(tx, id, who.user_id)) {
    throw ApiError(403, "muted", "The host muted you in this party; you can still listen");
  }
  co_await store::count_reaction(tx, id);
  bj::object json{{"userId", who.user_id}, {"emoji", emoji}};
  co_await events::append(tx, "party.reaction", id, json, realtime::party_channel(id));
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{std::move(json), lsn};
}

awaitable<Written<bj::object>> PartyService::set_muted(db::Cluster& db, const AccessClaims& who,
                                                       const std::string& id, const std::string& user_id,
                                                       bool muted, const audit::Origin& origin) {
  auto tx = co_await db.begin();
  const store::Party p = co_await hosted(tx, who, id);
  if (user_id == p.artist_id)
    throw ApiError(400, "validation_failed", "The host cannot be muted", {{"userId", "is the host"}});
  if (!co_await accounts::store::find_user_tx(tx, user_id)) throw ApiError::not_found("No such user");
  co_await store::set_muted(tx, id, user_id, muted);
  bj::object json{{"userId", user_id}, {"muted", muted}};
  co_await events::append(tx, "party.muted", id, json, realtime::party_channel(id));
  const bj::object audited{{"userId", user_id}};
  co_await audit_admin(tx, who, p, muted ? "party.user_muted" : "party.user_unmuted", audited, origin);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{std::move(json), lsn};
}

awaitable<Written<bj::object>> PartyService::set_cohost(db::Cluster& db, const AccessClaims& who,
                                                        const std::string& id, const std::string& user_id,
                                                        bool on, const audit::Origin& origin) {
  auto tx = co_await db.begin();
  const auto p = co_await store::lock(tx, id);
  if (!p) throw no_party();
  if (p->artist_id != who.user_id && who.role != "admin") {
    throw ApiError(403, "forbidden", "Only the party's artist chooses co-hosts");
  }
  if (user_id == p->artist_id)
    throw ApiError(400, "validation_failed", "The host is already in charge", {{"userId", "is the host"}});
  if (!co_await accounts::store::find_user_tx(tx, user_id)) throw ApiError::not_found("No such user");
  co_await store::set_cohost(tx, id, user_id, on);
  bj::object json{{"userId", user_id}, {"cohost", on}};
  co_await events::append(tx, "party.cohost", id, json, realtime::party_channel(id));
  const bj::object audited{{"userId", user_id}};
  co_await audit_admin(tx, who, *p, on ? "party.cohost_added" : "party.cohost_removed", audited, origin);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{std::move(json), lsn};
}

awaitable<bj::object> PartyService::summary(db::Cluster& db, const AccessClaims& who, const std::string& id) {
  const auto p = co_await store::get(db, id, std::nullopt);
  if (!p) throw no_party();
  if (p->artist_id != who.user_id && who.role != "admin" && !co_await store::is_cohost(db, id, who.user_id)) {
    throw ApiError(403, "forbidden", "The summary is for the party's host and co-hosts");
  }
  bj::object body = summary_json(*p);
  body["partyId"] = id;
  body["status"] = p->status;
  co_return body;
}

awaitable<void> PartyService::authorize_listener(db::Cluster& db, const AccessClaims& who,
                                                 const std::string& id, bool joining) {
  const auto p = co_await store::get(db, id, std::nullopt);
  if (!p) throw no_party();
  if (p->status == "ended") throw ApiError(410, "party_ended", "This listening party has ended");
  co_await require_listener(db, who, *p);
  const bool host = p->artist_id == who.user_id || who.role == "admin";
  if (joining && !host && listeners(id) >= p->capacity) {
    throw ApiError(409, "party_full", "This party is full (" + std::to_string(p->capacity) + " listeners)",
                   {{"capacity", p->capacity}});
  }
}

awaitable<void> PartyService::record_listeners(db::Cluster& db, std::string id, int n) {
  co_await store::record_listeners(db, id, n);
}

}  // namespace mc::parties
