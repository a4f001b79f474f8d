#include "features/admin/store.hpp"

#include "db/sql_time.hpp"

namespace mc::admin::store {
namespace {

using db::params;
using db::Query;

constexpr Query kLockUser{
    "admin_lock_user",
    "SELECT role, suspended_at IS NOT NULL FROM users WHERE id = $1 AND deleted_at IS NULL "
    "FOR UPDATE"};
constexpr Query kSuspend{"admin_suspend",
                         "UPDATE users SET suspended_at = now(), suspended_reason = $2, updated_at = now() "
                         "WHERE id = $1"};
constexpr Query kRestore{"admin_restore",
                         "UPDATE users SET suspended_at = NULL, suspended_reason = NULL, updated_at = now() "
                         "WHERE id = $1"};
constexpr Query kRevoke{"admin_revoke_sessions",
                        "UPDATE sessions SET revoked_at = now(), revoke_reason = $2 WHERE user_id = $1 "
                        "AND revoked_at IS NULL AND expires_at > now() RETURNING id"};
constexpr Query kAuditPage{
    "admin_audit_page",
    "SELECT id, actor_id, actor_role, action, target_type, target_id, ip, user_agent, details::text, " MC_ISO_MS(
        "created_at") " FROM audit_log WHERE ($1::bigint IS NULL OR id < $1) "
                      "AND ($3::uuid IS NULL OR actor_id = $3) AND ($4::text IS NULL OR target_id = $4) "
                      "AND ($5::text IS NULL OR action = $5) ORDER BY id DESC LIMIT $2"};
constexpr Query kStats{
    "admin_stats",
    "SELECT json_build_object("
    "'users', (SELECT json_build_object('total', count(*), 'fans', count(*) FILTER (WHERE role = 'fan'), "
    "'artists', count(*) FILTER (WHERE role = 'artist'), 'admins', count(*) FILTER (WHERE role = 'admin'), "
    "'suspended', count(*) FILTER (WHERE suspended_at IS NOT NULL), "
    "'newLast7Days', count(*) FILTER (WHERE created_at > now() - interval '7 days')) "
    "FROM users WHERE deleted_at IS NULL), "
    "'activeSubscriptions', (SELECT count(*) FROM subscriptions WHERE status = 'active'), "
    "'content', json_build_object('publishedReleases', (SELECT count(*) FROM releases WHERE published), "
    "'tracks', (SELECT count(*) FROM tracks), 'posts', (SELECT count(*) FROM posts), "
    "'comments', (SELECT count(*) FROM comments WHERE deleted_at IS NULL)), "
    "'revenue', (SELECT coalesce(json_agg(json_build_object('currency', currency, 'grossCents', gross, "
    "'refundedCents', refunded, 'platformFeeCents', platform, 'grossLast30DaysCents', last30) "
    "ORDER BY currency), '[]') FROM (SELECT currency, sum(amount_cents) AS gross, sum(refunded_cents) AS "
    "refunded, "
    "sum(platform_fee_cents) AS platform, coalesce(sum(amount_cents) FILTER (WHERE created_at > now() - "
    "interval '30 days'), 0) AS last30 FROM payments GROUP BY currency) x), "
    "'reports', json_build_object('open', (SELECT count(*) FROM reports WHERE status = 'open'), "
    "'openTargets', (SELECT count(*) FROM (SELECT DISTINCT target_type, target_id FROM reports "
    "WHERE status = 'open') y), "
    "'decidedLast7Days', (SELECT count(*) FROM reports WHERE status <> 'open' "
    "AND resolved_at > now() - interval '7 days')), "
    "'hidden', json_build_object('tracks', (SELECT count(*) FROM tracks WHERE hidden_at IS NOT NULL), "
    "'posts', (SELECT count(*) FROM posts WHERE hidden_at IS NOT NULL), "
    "'comments', (SELECT count(*) FROM comments WHERE hidden_at IS NOT NULL), "
    "'messages', (SELECT count(*) FROM messages WHERE hidden_at IS NOT NULL)))::text"};
constexpr Query kUsersPage{
    "admin_users_page",
    "SELECT u.id, u.username, u.email, u.role, u.suspended_at IS NOT NULL, " MC_ISO("u.created_at") ", "
    "(SELECT count(*) FROM reports r WHERE r.status = 'open' AND r.target_type = 'user' AND r.target_id = u.id), "
    "count(*) OVER () FROM users u WHERE u.deleted_at IS NULL AND ($1::text IS NULL OR "
    "lower(u.username) LIKE $1 || '%' ESCAPE '\\' OR lower(u.email) LIKE $1 || '%' ESCAPE '\\') "
    "ORDER BY u.created_at DESC, u.id LIMIT $2 OFFSET $3"};

}  // namespace

awaitable<std::optional<Target>> lock_user(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kLockUser, params(user_id));
  if (r.empty()) co_return std::nullopt;
  co_return Target{r.str(0, 0), r.boolean(0, 1)};
}

awaitable<void> set_suspended(db::Transaction& tx, const std::string& user_id,
                              const std::optional<std::string>& reason) {
  co_await tx.exec(kSuspend, params(user_id, reason));
}

awaitable<void> clear_suspended(db::Transaction& tx, const std::string& user_id) {
  co_await tx.exec(kRestore, params(user_id));
}

awaitable<std::vector<std::string>> revoke_sessions(db::Transaction& tx, const std::string& user_id,
                                                    std::string_view reason) {
  const auto r = co_await tx.exec(kRevoke, params(user_id, reason));
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
  co_return out;
}

awaitable<std::vector<AuditRow>> audit_page(db::Transaction& tx, std::optional<int64_t> before_id, int limit,
                                            const std::optional<std::string>& actor_id,
                                            const std::optional<std::string>& target_id,
                                            const std::optional<std::string>& action) {
  const auto r = co_await tx.exec(kAuditPage, params(before_id, limit, actor_id, target_id, action));
  std::vector<AuditRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    AuditRow row;
    row.id = r.int64(i, 0);
    row.actor_id = r.opt_str(i, 1);
    row.actor_role = r.opt_str(i, 2);
    row.action = r.str(i, 3);
    row.target_type = r.opt_str(i, 4);
    row.target_id = r.opt_str(i, 5);
    row.ip = r.opt_str(i, 6);
    row.user_agent = r.opt_str(i, 7);
    row.details_json = r.str(i, 8);
    row.created_at = r.str(i, 9);
    out.push_back(std::move(row));
  }
  co_return out;
}

awaitable<std::string> stats_json(db::Transaction& tx) {
  const auto r = co_await tx.exec(kStats);
  co_return r.str(0, 0);
}

awaitable<std::pair<std::vector<UserRow>, int64_t>> users_page(db::Transaction& tx,
                                                               const std::optional<std::string>& prefix,
                                                               int limit, int64_t offset) {
  std::optional<std::string> pattern;
  if (prefix) {
    pattern.emplace();
    for (char c : *prefix) {
      if (c == '%' || c == '_' || c == '\\') *pattern += '\\';
      *pattern += c;
    }
  }
  const auto r = co_await tx.exec(kUsersPage, params(pattern, limit, offset));
  std::vector<UserRow> out;
  int64_t total = 0;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(UserRow{r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 5), r.boolean(i, 4),
                          r.int64(i, 6)});
    total = r.int64(i, 7);
  }
  co_return std::make_pair(std::move(out), total);
}

}  // namespace mc::admin::store
