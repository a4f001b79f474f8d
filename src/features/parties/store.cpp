#include "features/parties/store.hpp"

#include "db/sql_time.hpp"

namespace mc::parties::store {
namespace {

using db::params;
using db::Query;

#define MC_PARTY_COLUMNS \
  "p.id, p.artist_id, ap.stage_name, p.title, p.min_tier, p.capacity, array_to_string(p.queue, ','), "      \
  "p.status, " MC_ISO("p.scheduled_at") ", " MC_ISO("p.started_at") ", " MC_ISO("p.ended_at") ", "          \
  "p.queue_index, p.position_ms, p.playing, extract(epoch FROM p.state_at) * 1000, p.state_version, "       \
  "p.peak_listeners, p.message_count, p.reaction_count, " MC_ISO("p.created_at") " "
#define MC_PARTY_FROM "FROM parties p JOIN artist_profiles ap ON ap.user_id = p.artist_id "

constexpr Query kInsert{
    "parties_insert",
    "WITH p AS (INSERT INTO parties (artist_id, title, min_tier, capacity, queue, scheduled_at) "
    "VALUES ($1, $2, $3, $4, $5::uuid[], $6::timestamptz) RETURNING *) "
    "SELECT " MC_PARTY_COLUMNS "FROM p JOIN artist_profiles ap ON ap.user_id = p.artist_id"};
constexpr Query kGet{"parties_get", "SELECT " MC_PARTY_COLUMNS MC_PARTY_FROM "WHERE p.id = $1::uuid"};
constexpr Query kLock{"parties_lock",
                      "SELECT " MC_PARTY_COLUMNS MC_PARTY_FROM "WHERE p.id = $1::uuid FOR UPDATE OF p"};
constexpr Query kList{
    "parties_list",
    "SELECT " MC_PARTY_COLUMNS MC_PARTY_FROM
    "WHERE ($1::uuid IS NULL OR p.artist_id = $1::uuid) AND ($2 OR p.status <> 'ended') "
    "ORDER BY (p.status = 'live') DESC, coalesce(p.started_at, p.scheduled_at, p.created_at) DESC, "
    "p.id LIMIT $3 OFFSET $4"};
constexpr Query kTracks{
    "parties_tracks",
    "SELECT t.id, t.title, t.min_tier, t.status, t.duration_s FROM unnest($2::uuid[]) "
    "WITH ORDINALITY AS q(id, n) JOIN tracks t ON t.id = q.id AND t.artist_id = $1 ORDER BY q.n"};
constexpr Query kSetStatus{
    "parties_set_status",
    "UPDATE parties SET status = $2, started_at = CASE WHEN $2 = 'live' THEN now() ELSE started_at END, "
    "ended_at = CASE WHEN $2 = 'ended' THEN now() ELSE ended_at END, "
    "playing = CASE WHEN $2 = 'ended' THEN false ELSE playing END WHERE id = $1"};
constexpr Query kSetState{
    "parties_set_state",
    "UPDATE parties SET queue_index = $2, position_ms = $3, playing = $4, "
    "state_at = to_timestamp($5::double precision / 1000), state_version = state_version + 1 "
    "WHERE id = $1 RETURNING state_version"};
constexpr Query kIsCohost{"parties_is_cohost",
                          "SELECT 1 FROM party_cohosts WHERE party_id = $1 AND user_id = $2"};
constexpr Query kCohosts{"parties_cohosts",
                         "SELECT user_id FROM party_cohosts WHERE party_id = $1 ORDER BY user_id"};
constexpr Query kAddCohost{
    "parties_add_cohost",
    "INSERT INTO party_cohosts (party_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"};
constexpr Query kRemoveCohost{"parties_remove_cohost",
                              "DELETE FROM party_cohosts WHERE party_id = $1 AND user_id = $2"};
constexpr Query kIsMuted{"parties_is_muted",
                         "SELECT 1 FROM party_mutes WHERE party_id = $1 AND user_id = $2"};
constexpr Query kMute{"parties_mute",
                      "INSERT INTO party_mutes (party_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"};
constexpr Query kUnmute{"parties_unmute", "DELETE FROM party_mutes WHERE party_id = $1 AND user_id = $2"};
constexpr Query kInsertMessage{
    "parties_insert_message",
    "WITH m AS (INSERT INTO party_messages (party_id, user_id, body) VALUES ($1, $2, $3) RETURNING *) "
    "SELECT m.id, m.party_id, m.user_id, u.username, m.body, " MC_ISO_MS(
        "m.created_at") " FROM m JOIN users u ON u.id = m.user_id"};
// Separate from the insert (a row updated by the same statement fails its foreign-key check).
constexpr Query kCountMessage{"parties_count_message",
                              "UPDATE parties SET message_count = message_count + 1 WHERE id = $1"};
constexpr Query kDeleteMessage{"parties_delete_message",
                               "UPDATE party_messages SET deleted_at = now() WHERE party_id = $1 AND id = $2 "
                               "AND deleted_at IS NULL RETURNING user_id"};
constexpr Query kMessages{"parties_messages",
                          "SELECT m.id, m.party_id, m.user_id, u.username, m.body, " MC_ISO_MS("m.created_at")
                          " FROM party_messages m JOIN users u ON u.id = m.user_id WHERE m.party_id = $1 "
                          "AND m.deleted_at IS NULL AND ($2::bigint IS NULL OR m.id < $2) ORDER BY m.id DESC LIMIT $3"};
constexpr Query kCountReaction{"parties_count_reaction",
                               "UPDATE parties SET reaction_count = reaction_count + 1 WHERE id = $1"};
constexpr Query kRecordListeners{
    "parties_record_listeners",
    "UPDATE parties SET peak_listeners = $2 WHERE id = $1 AND peak_listeners < $2 "
    "AND status = 'live'"};

std::vector<std::string> split(std::string_view csv) {
  std::vector<std::string> out;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    out.emplace_back(csv.substr(0, comma));
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out;
}

Party party_from(const db::Result& r, int i) {
  Party p;
  p.id = r.str(i, 0);
  p.artist_id = r.str(i, 1);
  p.artist_name = r.str(i, 2);
  p.title = r.str(i, 3);
  p.min_tier = r.str(i, 4);
  p.capacity = static_cast<int>(r.int64(i, 5));
  p.queue = split(r.view(i, 6));
  p.status = r.str(i, 7);
  p.scheduled_at = r.opt_str(i, 8);
  p.started_at = r.opt_str(i, 9);
  p.ended_at = r.opt_str(i, 10);
  p.queue_index = static_cast<int>(r.int64(i, 11));
  p.position_ms = r.int64(i, 12);
  p.playing = r.boolean(i, 13);
  p.state_at_ms = std::stod(r.str(i, 14));
  p.state_version = static_cast<int>(r.int64(i, 15));
  p.peak_listeners = static_cast<int>(r.int64(i, 16));
  p.message_count = static_cast<int>(r.int64(i, 17));
  p.reaction_count = static_cast<int>(r.int64(i, 18));
  p.created_at = r.str(i, 19);
  return p;
}

ChatMessage message_from(const db::Result& r, int i) {
  return ChatMessage{r.int64(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4), r.str(i, 5)};
}

}  // namespace

awaitable<Party> insert(db::Transaction& tx, const std::string& artist_id, const NewParty& p) {
  const auto r =
      co_await tx.exec(kInsert, params(artist_id, p.title, p.min_tier, p.capacity, p.queue, p.scheduled_at));
  co_return party_from(r, 0);
}

awaitable<std::optional<Party>> get(db::Cluster& db, const std::string& id, std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kGet, params(id), token);
  if (r.empty()) co_return std::nullopt;
  co_return party_from(r, 0);
}

awaitable<std::optional<Party>> lock(db::Transaction& tx, const std::string& id) {
  const auto r = co_await tx.exec(kLock, params(id));
  if (r.empty()) co_return std::nullopt;
  co_return party_from(r, 0);
}

awaitable<std::vector<Party>> list(db::Cluster& db, const std::optional<std::string>& artist_id,
                                   bool include_ended, int limit, int offset, std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kList, params(artist_id, include_ended, limit, offset), token);
  std::vector<Party> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(party_from(r, i));
  co_return out;
}

awaitable<std::vector<QueuedTrack>> tracks(db::Cluster& db, const std::string& artist_id,
                                           const std::vector<std::string>& ids,
                                           std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kTracks, params(artist_id, ids), token);
  std::vector<QueuedTrack> out;
  for (int i = 0; i < r.rows(); ++i) {
    std::optional<double> d;
    if (!r.is_null(i, 4)) d = std::stod(r.str(i, 4));
    out.push_back(QueuedTrack{r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), d});
  }
  co_return out;
}

awaitable<void> set_status(db::Transaction& tx, const std::string& id, const std::string& status) {
  co_await tx.exec(kSetStatus, params(id, status));
}

awaitable<int> set_state(db::Transaction& tx, const std::string& id, const State& s) {
  const auto r = co_await tx.exec(
      kSetState, params(id, s.queue_index, s.position_ms, s.playing, std::to_string(s.state_at_ms)));
  co_return static_cast<int>(r.int64(0, 0));
}

awaitable<bool> is_cohost(db::Cluster& db, const std::string& party_id, const std::string& user_id) {
  co_return !(co_await db.read(kIsCohost, params(party_id, user_id))).empty();
}

awaitable<bool> is_cohost(db::Transaction& tx, const std::string& party_id, const std::string& user_id) {
  co_return !(co_await tx.exec(kIsCohost, params(party_id, user_id))).empty();
}

awaitable<std::vector<std::string>> cohosts(db::Cluster& db, const std::string& party_id,
                                            std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kCohosts, params(party_id), token);
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
  co_return out;
}

awaitable<void> set_cohost(db::Transaction& tx, const std::string& party_id, const std::string& user_id,
                           bool on) {
  co_await tx.exec(on ? kAddCohost : kRemoveCohost, params(party_id, user_id));
}

awaitable<bool> is_muted(db::Transaction& tx, const std::string& party_id, const std::string& user_id) {
  co_return !(co_await tx.exec(kIsMuted, params(party_id, user_id))).empty();
}

awaitable<void> set_muted(db::Transaction& tx, const std::string& party_id, const std::string& user_id,
                          bool on) {
  co_await tx.exec(on ? kMute : kUnmute, params(party_id, user_id));
}

awaitable<ChatMessage> insert_message(db::Transaction& tx, const std::string& party_id,
                                      const std::string& user_id, const std::string& body) {
  const auto r = co_await tx.exec(kInsertMessage, params(party_id, user_id, body));
  co_await tx.exec(kCountMessage, params(party_id));
  co_return message_from(r, 0);
}

awaitable<std::optional<std::string>> delete_message(db::Transaction& tx, const std::string& party_id,
                                                     int64_t message_id) {
  const auto r = co_await tx.exec(kDeleteMessage, params(party_id, message_id));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::vector<ChatMessage>> messages(db::Cluster& db, const std::string& party_id,
                                             std::optional<int64_t> before, int limit,
                                             std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kMessages, params(party_id, before, limit), token);
  std::vector<ChatMessage> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(message_from(r, i));
  co_return out;
}

awaitable<void> count_reaction(db::Transaction& tx, const std::string& party_id) {
  co_await tx.exec(kCountReaction, params(party_id));
}

awaitable<void> record_listeners(db::Cluster& db, const std::string& party_id, int listeners) {
  auto tx = co_await db.begin();
  co_await tx.exec(kRecordListeners, params(party_id, listeners));
  co_await tx.commit();
}

}  // namespace mc::parties::store
