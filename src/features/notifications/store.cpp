#include "features/notifications/store.hpp"

#include "db/sql_time.hpp"

namespace mc::notifications::store {
namespace {

using db::params;
using db::Query;

#define MC_NOTIFICATION_COLUMNS \
  "n.id, n.type, n.data::text, " MC_ISO_MS("n.created_at") ", " MC_ISO_MS("n.read_at")

constexpr Query kPage{"notifications_page",
                      "SELECT " MC_NOTIFICATION_COLUMNS
                      " FROM notifications n WHERE n.user_id = $1 "
                      "AND ($2::bigint IS NULL OR n.id < $2) AND (NOT $4 OR n.read_at IS NULL) "
                      "ORDER BY n.id DESC LIMIT $3"};
constexpr Query kUnread{"notifications_unread",
                        "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL"};
constexpr Query kMarkAll{"notifications_mark_all",
                         "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL"};
constexpr Query kMarkSome{"notifications_mark_some",
                          "UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL "
                          "AND id = ANY($2::bigint[])"};
constexpr Query kPreferences{"notifications_preferences",
                             "SELECT type, delivery FROM notification_preferences WHERE user_id = $1"};
constexpr Query kSetPreference{
    "notifications_set_preference",
    "INSERT INTO notification_preferences (user_id, type, delivery) VALUES ($1, $2, $3) "
    "ON CONFLICT (user_id, type) DO UPDATE SET delivery = excluded.delivery"};
constexpr Query kLockPosition{
    "notifications_lock_position",
    "SELECT xid::text, id FROM outbox_consumers WHERE name = $1 FOR UPDATE SKIP LOCKED"};
constexpr Query kSavePosition{"notifications_save_position",
                              "UPDATE outbox_consumers SET xid = $2::xid8, id = $3 WHERE name = $1"};
// Only events whose transaction is older than every one still running: one that commits late
// with a lower position is never skipped (the relay's rule, events/relay.cpp; ORDER BY names
// outbox.xid for the reason given there).
constexpr Query kEventsAfter{
    "notifications_events_after",
    "SELECT id, xid::text, topic, key, payload::text FROM outbox "
    "WHERE xid < pg_snapshot_xmin(pg_current_snapshot()) "
    "AND (xid, id) > ($1::xid8, $2::bigint) ORDER BY outbox.xid, outbox.id LIMIT $3"};

// The one statement that notifies: the recipients (a subquery per kind, yielding `uid`), each
// one's preference (`off` skips them; `email` queues the digest), names added to the data for
// display, and the live message on each recipient's user channel, in the same transaction.
#define MC_NOTIFY(name, recipients)                                                                          \
  Query {                                                                                                    \
    name,                                                                                                  \
        "WITH r AS (" recipients "), "                                                                     \
        "d AS (SELECT $3::jsonb || jsonb_strip_nulls(jsonb_build_object("                                  \
        "'artistName', (SELECT stage_name FROM artist_profiles WHERE user_id::text = $3::jsonb ->> 'artistId'), " \
        "'fanName', (SELECT username FROM users WHERE id::text = $3::jsonb ->> 'fanId'), "                 \
        "'senderName', (SELECT coalesce(ap.stage_name, u.username) FROM users u LEFT JOIN artist_profiles ap " \
        "ON ap.user_id = u.id WHERE u.id::text = $3::jsonb ->> 'senderId'), "                              \
        "'releaseTitle', (SELECT title FROM releases WHERE id::text = $3::jsonb ->> 'releaseId'), "        \
        "'trackTitle', (SELECT title FROM tracks WHERE id::text = $3::jsonb ->> 'trackId'))) AS data), "   \
        "n AS (INSERT INTO notifications (user_id, type, data, event_id, email) "                          \
        "SELECT r.uid, $2, d.data, $4, coalesce(p.delivery, 'in_app') = 'email' FROM r CROSS JOIN d "     \
        "LEFT JOIN notification_preferences p ON p.user_id = r.uid AND p.type = $2 "                       \
        "WHERE coalesce(p.delivery, 'in_app') <> 'off' AND r.uid IS DISTINCT FROM $5::uuid "                \
        "ON CONFLICT (user_id, event_id, type) DO NOTHING RETURNING id, user_id, type, data, created_at), " \
        "o AS (INSERT INTO outbox (topic, key, payload, channel, traceparent) "                            \
        "SELECT 'notification.created', n.user_id::text, jsonb_build_object('id', n.id::text, 'type', n.type, " \
        "'data', n.data, 'createdAt', " MC_ISO_MS("n.created_at") ", 'readAt', null), 'user:' || n.user_id, " \
        "(SELECT s.traceparent FROM outbox s WHERE s.id = $4) "                                           \
        "FROM n) SELECT count(*) FROM n" \
  }

constexpr Query kNotifyKeyUser = MC_NOTIFY("notifications_notify_user", "SELECT $1::uuid AS uid");
constexpr Query kNotifyFollowers = MC_NOTIFY("notifications_notify_followers",
                                             "SELECT fan_id AS uid FROM follows WHERE artist_id = $1::uuid");
constexpr Query kNotifyCommentParent =
    MC_NOTIFY("notifications_notify_comment_parent",
              "SELECT p.user_id AS uid FROM comments c JOIN comments p ON p.id = c.parent_id "
              "WHERE c.id = $1::uuid AND p.user_id <> c.user_id");
constexpr Query kNotifyUnmutedMember =
    MC_NOTIFY("notifications_notify_member",
              "SELECT user_id AS uid FROM conversation_members WHERE user_id = $1::uuid "
              "AND conversation_id = ($3::jsonb ->> 'conversationId')::uuid AND NOT muted");

constexpr Query kUsersWithPending{
    "notifications_users_with_pending",
    "SELECT DISTINCT user_id FROM notifications WHERE email AND emailed_at IS NULL "
    "LIMIT $1"};
constexpr Query kLockPending{"notifications_lock_pending",
                             "SELECT u.email, u.username, " MC_NOTIFICATION_COLUMNS
                             " FROM users u "
                             "JOIN notifications n ON n.user_id = u.id AND n.email AND n.emailed_at IS NULL "
                             "WHERE u.id = $1 ORDER BY n.id LIMIT 200 FOR UPDATE OF n SKIP LOCKED"};
constexpr Query kMarkEmailed{"notifications_mark_emailed",
                             "UPDATE notifications SET emailed_at = now() WHERE user_id = $1 AND email "
                             "AND emailed_at IS NULL AND id <= $2"};

Notification notification_from(const db::Result& r, int i, int c = 0) {
  return Notification{r.int64(i, c), r.str(i, c + 1), r.str(i, c + 2), r.str(i, c + 3), r.opt_str(i, c + 4)};
}

}  // namespace

awaitable<std::vector<Notification>> page(db::Cluster& db, const std::string& user_id,
                                          std::optional<int64_t> before_id, int limit, bool unread_only,
                                          std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kPage, params(user_id, before_id, limit, unread_only), token);
  std::vector<Notification> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(notification_from(r, i));
  co_return out;
}

awaitable<int64_t> unread(db::Cluster& db, const std::string& user_id, std::optional<db::Lsn> token) {
  co_return (co_await db.read(kUnread, params(user_id), token)).int64(0, 0);
}

awaitable<int64_t> unread(db::Transaction& tx, const std::string& user_id) {
  co_return (co_await tx.exec(kUnread, params(user_id))).int64(0, 0);
}

awaitable<int64_t> mark_read(db::Transaction& tx, const std::string& user_id,
                             const std::optional<std::vector<std::string>>& ids) {
  if (!ids) co_return (co_await tx.exec(kMarkAll, params(user_id))).affected();
  co_return (co_await tx.exec(kMarkSome, params(user_id, *ids))).affected();
}

awaitable<std::vector<std::pair<std::string, std::string>>> preferences(db::Cluster& db,
                                                                        const std::string& user_id,
                                                                        std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kPreferences, params(user_id), token);
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.str(i, 0), r.str(i, 1));
  co_return out;
}

awaitable<void> set_preference(db::Transaction& tx, const std::string& user_id, const std::string& type,
                               const std::string& delivery) {
  co_await tx.exec(kSetPreference, params(user_id, type, delivery));
}

awaitable<std::optional<std::pair<std::string, int64_t>>> lock_position(db::Transaction& tx,
                                                                        const std::string& name) {
  const auto r = co_await tx.exec(kLockPosition, params(name));
  if (r.empty()) co_return std::nullopt;
  co_return std::make_pair(r.str(0, 0), r.int64(0, 1));
}

awaitable<void> save_position(db::Transaction& tx, const std::string& name, const std::string& xid,
                              int64_t id) {
  co_await tx.exec(kSavePosition, params(name, xid, id));
}

awaitable<std::vector<OutboxEvent>> events_after(db::Transaction& tx, const std::string& xid, int64_t id,
                                                 int limit) {
  const auto r = co_await tx.exec(kEventsAfter, params(xid, id, limit));
  std::vector<OutboxEvent> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.int64(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4)});
  co_return out;
}

awaitable<int64_t> notify(db::Transaction& tx, Recipients who, const std::string& subject_id,
                          const std::string& type, const std::string& data_json, int64_t event_id,
                          const std::optional<std::string>& except_user) {
  const Query* q = &kNotifyKeyUser;
  switch (who) {
    case Recipients::key_user:
      break;
    case Recipients::followers:
      q = &kNotifyFollowers;
      break;
    case Recipients::comment_parent:
      q = &kNotifyCommentParent;
      break;
    case Recipients::unmuted_member:
      q = &kNotifyUnmutedMember;
      break;
  }
  const auto r = co_await tx.exec(*q, params(subject_id, type, data_json, event_id, except_user));
  co_return r.int64(0, 0);
}

awaitable<std::vector<std::string>> users_with_pending_email(db::Cluster& db, int limit) {
  const auto r = co_await db.read(kUsersWithPending, params(limit));
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
  co_return out;
}

awaitable<std::optional<Pending>> lock_pending(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kLockPending, params(user_id));
  if (r.empty()) co_return std::nullopt;
  Pending p{user_id, r.str(0, 0), r.str(0, 1), {}};
  for (int i = 0; i < r.rows(); ++i) p.items.push_back(notification_from(r, i, 2));
  co_return p;
}

awaitable<void> mark_emailed(db::Transaction& tx, const std::string& user_id, int64_t up_to_id) {
  co_await tx.exec(kMarkEmailed, params(user_id, up_to_id));
}

}  // namespace mc::notifications::store
