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

awaitable<std::vector<AuditRow>> audit_page(db::Cluster& db, std::optional<int64_t> before_id, int limit,
                                            const std::optional<std::string>& actor_id,
                                            const std::optional<std::string>& target_id,
                                            const std::optional<std::string>& action,
                                            std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kAuditPage, params(before_id, limit, actor_id, target_id, action), token);
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

}  // namespace mc::admin::store
