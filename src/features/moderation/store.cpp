#include "features/moderation/store.hpp"

#include <stdexcept>

#include "db/sql_time.hpp"

namespace mc::moderation::store {
namespace {

using db::params;
using db::Query;

// One branch per target type, each guarded by $1, so one parameterised statement serves them all.
constexpr Query kVisibleTarget{
    "moderation_visible_target",
    "SELECT owner::text FROM ("
    "SELECT t.artist_id AS owner FROM tracks t JOIN releases r ON r.id = t.release_id "
    "WHERE $1 = 'track' AND t.id = $2::uuid AND t.hidden_at IS NULL AND r.published "
    "UNION ALL SELECT p.artist_id FROM posts p WHERE $1 = 'post' AND p.id = $2::uuid "
    "AND p.hidden_at IS NULL AND p.publish_at <= now() "
    "UNION ALL SELECT c.user_id FROM comments c WHERE $1 = 'comment' AND c.id = $2::uuid "
    "AND c.hidden_at IS NULL AND c.deleted_at IS NULL "
    "UNION ALL SELECT m.sender_id FROM messages m JOIN conversation_members cm ON cm.conversation_id = "
    "m.conversation_id AND cm.user_id = $3::uuid WHERE $1 = 'message' AND m.id = $2::uuid AND m.hidden_at IS "
    "NULL "
    "UNION ALL SELECT u.id FROM users u WHERE $1 = 'user' AND u.id = $2::uuid AND u.deleted_at IS NULL"
    ") x LIMIT 1"};
constexpr Query kRecentReports{
    "moderation_recent_reports",
    "SELECT count(*) FROM reports WHERE reporter_id = $1 AND created_at > now() - interval '1 hour'"};
constexpr Query kInsertReport{
    "moderation_insert_report",
    "INSERT INTO reports (target_type, target_id, reporter_id, reason, note) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (target_type, target_id, reporter_id) WHERE status = 'open' DO NOTHING RETURNING id"};

constexpr Query kQueue{
    "moderation_queue",
    "WITH g AS (SELECT target_type, target_id, min(id) AS first_id, count(*) AS n, min(created_at) AS first_at, "
    "max(created_at) AS last_at FROM reports WHERE status = 'open' AND ($1::text IS NULL OR target_type = $1) "
    "GROUP BY target_type, target_id HAVING ($2::bigint IS NULL OR min(id) > $2) ORDER BY min(id) LIMIT $3) "
    "SELECT g.target_type, g.target_id::text, g.first_id, g.n, " MC_ISO("g.first_at") ", " MC_ISO("g.last_at") ", "
    "(SELECT jsonb_object_agg(reason, k)::text FROM (SELECT reason, count(*) AS k FROM reports x "
    "WHERE x.status = 'open' AND x.target_type = g.target_type AND x.target_id = g.target_id GROUP BY reason) y), "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', y.id::text, 'reporterId', y.reporter_id, "
    "'reporterUsername', ru.username, 'reason', y.reason, 'note', y.note, 'createdAt', " MC_ISO("y.created_at") ") "
    "ORDER BY y.id), '[]')::text FROM (SELECT * FROM reports x WHERE x.status = 'open' AND x.target_type = "
    "g.target_type AND x.target_id = g.target_id ORDER BY x.id LIMIT 10) y JOIN users ru ON ru.id = y.reporter_id), "
    "left(CASE g.target_type WHEN 'track' THEN t.title WHEN 'post' THEN p.title || E'\\n' || p.body_text "
    "WHEN 'comment' THEN c.body WHEN 'message' THEN m.body WHEN 'user' THEN tu.username END, 500), "
    "o.id::text, o.username, "
    "CASE g.target_type WHEN 'track' THEN t.release_id::text WHEN 'post' THEN p.artist_id::text "
    "WHEN 'comment' THEN coalesce(c.track_id, c.post_id)::text WHEN 'message' THEN m.conversation_id::text END, "
    "coalesce(t.id, p.id, c.id, m.id, tu.id) IS NOT NULL, "
    "coalesce(t.hidden_at, p.hidden_at, c.hidden_at, m.hidden_at) IS NOT NULL, tu.suspended_at IS NOT NULL "
    "FROM g LEFT JOIN tracks t ON g.target_type = 'track' AND t.id = g.target_id "
    "LEFT JOIN posts p ON g.target_type = 'post' AND p.id = g.target_id "
    "LEFT JOIN comments c ON g.target_type = 'comment' AND c.id = g.target_id "
    "LEFT JOIN messages m ON g.target_type = 'message' AND m.id = g.target_id "
    "LEFT JOIN users tu ON g.target_type = 'user' AND tu.id = g.target_id AND tu.deleted_at IS NULL "
    "LEFT JOIN users o ON o.id = coalesce(t.artist_id, p.artist_id, c.user_id, m.sender_id, tu.id) "
    "ORDER BY g.first_id"};

constexpr Query kCloseReports{
    "moderation_close_reports",
    "UPDATE reports SET status = $3, resolution = $4, resolved_by = $5, resolved_at = now() "
    "WHERE target_type = $1 AND target_id = $2 AND status = 'open'"};

struct Content {
  std::string_view type;
  Query lock, hide, unhide;
};
#define MC_CONTENT(type, table)                                                                         \
  Content {                                                                                             \
    type,                                                                                               \
        Query{"moderation_lock_" type,                                                                  \
              "SELECT hidden_at IS NOT NULL FROM " table " WHERE id = $1 FOR UPDATE"},                  \
        Query{"moderation_hide_" type, "UPDATE " table " SET hidden_at = now() WHERE id = $1"}, Query { \
      "moderation_unhide_" type, "UPDATE " table " SET hidden_at = NULL WHERE id = $1"                  \
    }                                                                                                   \
  }
const Content kContent[] = {MC_CONTENT("track", "tracks"), MC_CONTENT("post", "posts"),
                            MC_CONTENT("comment", "comments"), MC_CONTENT("message", "messages")};
#undef MC_CONTENT

const Content& content(const std::string& type) {
  for (const auto& c : kContent) {
    if (c.type == type) return c;
  }
  throw std::logic_error("not a hideable content type: " + type);
}

}  // namespace

awaitable<std::optional<std::string>> visible_target_owner(db::Transaction& tx, const std::string& type,
                                                           const std::string& id,
                                                           const std::string& reporter) {
  const auto r = co_await tx.exec(kVisibleTarget, params(type, id, reporter));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<int64_t> recent_reports(db::Transaction& tx, const std::string& reporter) {
  const auto r = co_await tx.exec(kRecentReports, params(reporter));
  co_return r.int64(0, 0);
}

awaitable<bool> insert_report(db::Transaction& tx, const std::string& type, const std::string& id,
                              const std::string& reporter, const std::string& reason,
                              const std::optional<std::string>& note) {
  const auto r = co_await tx.exec(kInsertReport, params(type, id, reporter, reason, note));
  co_return !r.empty();
}

awaitable<std::vector<QueueItem>> queue(db::Transaction& tx, const std::optional<std::string>& type,
                                        std::optional<int64_t> after, int limit) {
  const auto r = co_await tx.exec(kQueue, params(type, after, limit));
  std::vector<QueueItem> out;
  for (int i = 0; i < r.rows(); ++i) {
    QueueItem q;
    q.target_type = r.str(i, 0);
    q.target_id = r.str(i, 1);
    q.first_id = r.int64(i, 2);
    q.count = r.int64(i, 3);
    q.first_at = r.str(i, 4);
    q.last_at = r.str(i, 5);
    q.reasons_json = r.is_null(i, 6) ? "{}" : r.str(i, 6);
    q.reports_json = r.is_null(i, 7) ? "[]" : r.str(i, 7);
    q.preview = r.opt_str(i, 8);
    q.owner_id = r.opt_str(i, 9);
    q.owner_username = r.opt_str(i, 10);
    q.context_id = r.opt_str(i, 11);
    q.exists = r.boolean(i, 12);
    q.hidden = r.boolean(i, 13);
    q.suspended = r.boolean(i, 14);
    out.push_back(std::move(q));
  }
  co_return out;
}

awaitable<int64_t> close_reports(db::Transaction& tx, const std::string& type, const std::string& id,
                                 const std::string& status, const std::optional<std::string>& resolution,
                                 const std::string& admin_id) {
  const auto r = co_await tx.exec(kCloseReports, params(type, id, status, resolution, admin_id));
  co_return static_cast<int64_t>(r.affected());
}

awaitable<std::optional<bool>> lock_content(db::Transaction& tx, const std::string& type,
                                            const std::string& id) {
  const auto& c = content(type);
  const auto r = co_await tx.exec(c.lock, params(id));
  if (r.empty()) co_return std::nullopt;
  co_return r.boolean(0, 0);
}

awaitable<void> set_hidden(db::Transaction& tx, const std::string& type, const std::string& id, bool hidden) {
  const auto& c = content(type);
  const Query& q = hidden ? c.hide : c.unhide;
  co_await tx.exec(q, params(id));
}

}  // namespace mc::moderation::store
