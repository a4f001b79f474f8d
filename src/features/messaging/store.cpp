#include "features/messaging/store.hpp"

#include "db/sql_time.hpp"

namespace mc::messaging::store {
namespace {

using db::params;
using db::Query;

#define MC_MESSAGE_COLUMNS \
  "m.seq, m.id, m.conversation_id, m.sender_id, m.body, m.attachment::text, " MC_ISO_MS("m.created_at")

constexpr Query kIsArtist{"messaging_is_artist", "SELECT 1 FROM artist_profiles WHERE user_id = $1"};
constexpr Query kFind{"messaging_find",
                      "SELECT id, artist_id, fan_id FROM conversations WHERE artist_id = $1 AND fan_id = $2"};
constexpr Query kOpen{"messaging_open",
                      "WITH c AS (INSERT INTO conversations (artist_id, fan_id) VALUES ($1, $2) "
                      "ON CONFLICT (artist_id, fan_id) DO NOTHING RETURNING id), "
                      "m AS (INSERT INTO conversation_members (conversation_id, user_id) "
                      "SELECT c.id, u FROM c, unnest(ARRAY[$1::uuid, $2::uuid]) u) "
                      "SELECT id FROM c"};
constexpr Query kForMember{
    "messaging_for_member",
    "SELECT c.id, c.artist_id, c.fan_id, m.last_read_seq, m.muted FROM conversations c "
    "JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $2 WHERE c.id = $1::uuid"};
constexpr Query kBlocks{
    "messaging_blocks",
    "SELECT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2), "
    "EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = $2 AND blocked_id = $1)"};
constexpr Query kTakeQuota{"messaging_take_quota",
                           "INSERT INTO dm_quota (fan_id, artist_id, month, used) "
                           "VALUES ($1, $2, date_trunc('month', now() AT TIME ZONE 'UTC')::date, 1) "
                           "ON CONFLICT (fan_id, artist_id, month) DO UPDATE SET used = dm_quota.used + 1 "
                           "WHERE dm_quota.used < $3 RETURNING used"};
constexpr Query kInsertMessage{
    "messaging_insert_message",
    "WITH m AS (INSERT INTO messages (conversation_id, sender_id, body, attachment) "
    "VALUES ($1, $2, $3, $4::jsonb) RETURNING *), "
    "r AS (UPDATE conversation_members SET last_read_seq = (SELECT seq FROM m) "
    "WHERE conversation_id = $1 AND user_id = $2) "
    "SELECT " MC_MESSAGE_COLUMNS " FROM m"};
// Separate from the insert: a row the same statement updates is invisible to that statement's
// foreign-key check of the new message.
constexpr Query kTouch{"messaging_touch", "UPDATE conversations SET last_message_at = now() WHERE id = $1"};
constexpr Query kConversations{
    "messaging_conversations",
    "SELECT c.id, c.artist_id, c.fan_id, o.user_id, "
    "coalesce(ap.stage_name, u.username), me.muted, me.last_read_seq, o.last_read_seq, "
    "(SELECT count(*) FROM messages x WHERE x.conversation_id = c.id AND x.seq > me.last_read_seq "
    "AND x.hidden_at IS NULL "
    "AND x.sender_id <> $1), " MC_ISO_MS("c.last_message_at") ", "
    "l.seq, l.id, l.conversation_id, l.sender_id, l.body, l.attachment::text, " MC_ISO_MS("l.created_at") " "
    "FROM conversation_members me JOIN conversations c ON c.id = me.conversation_id "
    "JOIN conversation_members o ON o.conversation_id = c.id AND o.user_id <> me.user_id "
    "JOIN users u ON u.id = o.user_id LEFT JOIN artist_profiles ap ON ap.user_id = o.user_id "
    "LEFT JOIN LATERAL (SELECT * FROM messages m WHERE m.conversation_id = c.id AND m.hidden_at IS NULL "
    "ORDER BY seq DESC LIMIT 1) l "
    "ON true WHERE me.user_id = $1 ORDER BY c.last_message_at DESC, c.id LIMIT $2 OFFSET $3"};
constexpr Query kHistory{"messaging_history",
                         "SELECT " MC_MESSAGE_COLUMNS
                         " FROM messages m WHERE m.conversation_id = $1 AND m.hidden_at IS NULL "
                         "AND ($2::bigint IS NULL OR m.seq < $2) ORDER BY m.seq DESC LIMIT $3"};
constexpr Query kMarkRead{"messaging_mark_read",
                          "UPDATE conversation_members SET last_read_seq = greatest(last_read_seq, $3) "
                          "WHERE conversation_id = $1 AND user_id = $2 RETURNING last_read_seq"};
constexpr Query kNewestSeq{"messaging_newest_seq",
                           "SELECT coalesce(max(seq), 0) FROM messages WHERE conversation_id = $1"};
constexpr Query kSetMuted{
    "messaging_set_muted",
    "UPDATE conversation_members SET muted = $3 WHERE conversation_id = $1 AND user_id = $2"};
constexpr Query kBlock{
    "messaging_block",
    "INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"};
constexpr Query kUnblock{"messaging_unblock",
                         "DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2"};
constexpr Query kBlockedBy{
    "messaging_blocked_by",
    "SELECT blocked_id FROM user_blocks WHERE blocker_id = $1 ORDER BY created_at DESC"};
constexpr Query kSearch{
    "messaging_search",
    "SELECT " MC_MESSAGE_COLUMNS
    " FROM messages m "
    "JOIN conversation_members me ON me.conversation_id = m.conversation_id AND me.user_id = $1 "
    "WHERE m.search @@ websearch_to_tsquery('simple', $2) AND m.hidden_at IS NULL "
    "ORDER BY ts_rank(m.search, websearch_to_tsquery('simple', $2)) DESC, m.seq DESC LIMIT $3"};

Message message_from(const db::Result& r, int i, int c = 0) {
  return Message{r.int64(i, c),   r.str(i, c + 1),     r.str(i, c + 2), r.str(i, c + 3),
                 r.str(i, c + 4), r.opt_str(i, c + 5), r.str(i, c + 6)};
}

std::vector<Message> messages_from(const db::Result& r) {
  std::vector<Message> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(message_from(r, i));
  return out;
}

MemberView member_from(const db::Result& r) {
  return MemberView{Conversation{r.str(0, 0), r.str(0, 1), r.str(0, 2)}, r.int64(0, 3), r.boolean(0, 4)};
}

}  // namespace

awaitable<bool> is_artist(db::Cluster& db, const std::string& user_id) {
  co_return !(co_await db.read(kIsArtist, params(user_id))).empty();
}

awaitable<std::optional<Conversation>> find(db::Transaction& tx, const std::string& artist_id,
                                            const std::string& fan_id) {
  const auto r = co_await tx.exec(kFind, params(artist_id, fan_id));
  if (r.empty()) co_return std::nullopt;
  co_return Conversation{r.str(0, 0), r.str(0, 1), r.str(0, 2)};
}

awaitable<Conversation> open(db::Transaction& tx, const std::string& artist_id, const std::string& fan_id) {
  const auto r = co_await tx.exec(kOpen, params(artist_id, fan_id));
  if (!r.empty()) co_return Conversation{r.str(0, 0), artist_id, fan_id};
  // Opened by a concurrent first message: the insert waited for it and did nothing.
  co_return *co_await find(tx, artist_id, fan_id);
}

awaitable<std::optional<MemberView>> for_member(db::Cluster& db, const std::string& conversation_id,
                                                const std::string& user_id, std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kForMember, params(conversation_id, user_id), token);
  if (r.empty()) co_return std::nullopt;
  co_return member_from(r);
}

awaitable<std::optional<MemberView>> for_member(db::Transaction& tx, const std::string& conversation_id,
                                                const std::string& user_id) {
  const auto r = co_await tx.exec(kForMember, params(conversation_id, user_id));
  if (r.empty()) co_return std::nullopt;
  co_return member_from(r);
}

awaitable<Blocks> blocks(db::Transaction& tx, const std::string& sender_id, const std::string& recipient_id) {
  const auto r = co_await tx.exec(kBlocks, params(sender_id, recipient_id));
  co_return Blocks{r.boolean(0, 0), r.boolean(0, 1)};
}

awaitable<std::optional<int>> take_quota(db::Transaction& tx, const std::string& fan_id,
                                         const std::string& artist_id, int allowance) {
  const auto r = co_await tx.exec(kTakeQuota, params(fan_id, artist_id, allowance));
  if (r.empty()) co_return std::nullopt;
  co_return static_cast<int>(r.int64(0, 0));
}

awaitable<Message> insert_message(db::Transaction& tx, const std::string& conversation_id,
                                  const std::string& sender_id, const std::string& body,
                                  const std::optional<std::string>& attachment_json) {
  const auto r = co_await tx.exec(kInsertMessage, params(conversation_id, sender_id, body, attachment_json));
  co_await tx.exec(kTouch, params(conversation_id));
  co_return message_from(r, 0);
}

awaitable<std::vector<ConversationSummary>> conversations(db::Cluster& db, const std::string& user_id,
                                                          int limit, int offset,
                                                          std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kConversations, params(user_id, limit, offset), token);
  std::vector<ConversationSummary> out;
  for (int i = 0; i < r.rows(); ++i) {
    ConversationSummary s{r.str(i, 0),   r.str(i, 1),     r.str(i, 2),   r.str(i, 3),
                          r.str(i, 4),   r.boolean(i, 5), r.int64(i, 8), r.int64(i, 6),
                          r.int64(i, 7), std::nullopt,    r.str(i, 9)};
    if (!r.is_null(i, 10)) s.last = message_from(r, i, 10);
    out.push_back(std::move(s));
  }
  co_return out;
}

awaitable<std::vector<Message>> history(db::Cluster& db, const std::string& conversation_id,
                                        std::optional<int64_t> before_seq, int limit,
                                        std::optional<db::Lsn> token) {
  co_return messages_from(co_await db.read(kHistory, params(conversation_id, before_seq, limit), token));
}

awaitable<int64_t> mark_read(db::Transaction& tx, const std::string& conversation_id,
                             const std::string& user_id, int64_t seq) {
  const auto r = co_await tx.exec(kMarkRead, params(conversation_id, user_id, seq));
  co_return r.empty() ? 0 : r.int64(0, 0);
}

awaitable<int64_t> newest_seq(db::Transaction& tx, const std::string& conversation_id) {
  co_return (co_await tx.exec(kNewestSeq, params(conversation_id))).int64(0, 0);
}

awaitable<void> set_muted(db::Transaction& tx, const std::string& conversation_id, const std::string& user_id,
                          bool muted) {
  co_await tx.exec(kSetMuted, params(conversation_id, user_id, muted));
}

awaitable<void> block(db::Transaction& tx, const std::string& blocker_id, const std::string& blocked_id) {
  co_await tx.exec(kBlock, params(blocker_id, blocked_id));
}

awaitable<bool> unblock(db::Transaction& tx, const std::string& blocker_id, const std::string& blocked_id) {
  co_return (co_await tx.exec(kUnblock, params(blocker_id, blocked_id))).affected() > 0;
}

awaitable<std::vector<std::string>> blocked_by(db::Cluster& db, const std::string& blocker_id,
                                               std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kBlockedBy, params(blocker_id), token);
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
  co_return out;
}

awaitable<std::vector<Message>> search(db::Cluster& db, const std::string& user_id, const std::string& query,
                                       int limit, std::optional<db::Lsn> token) {
  co_return messages_from(co_await db.read(kSearch, params(user_id, query, limit), token));
}

}  // namespace mc::messaging::store
