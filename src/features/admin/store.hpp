#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The admin feature's SQL: suspending accounts and reading the audit log.
namespace mc::admin::store {

using boost::asio::awaitable;

struct Target {
  std::string role;
  bool suspended = false;
};
// The live (not deleted) account, locked; nullopt when there is none.
awaitable<std::optional<Target>> lock_user(db::Transaction& tx, const std::string& user_id);
awaitable<void> set_suspended(db::Transaction& tx, const std::string& user_id,
                              const std::optional<std::string>& reason);
awaitable<void> clear_suspended(db::Transaction& tx, const std::string& user_id);
// Revokes every live session; returns their ids (for the session.revoked events).
awaitable<std::vector<std::string>> revoke_sessions(db::Transaction& tx, const std::string& user_id,
                                                    std::string_view reason);

struct AuditRow {
  int64_t id = 0;
  std::optional<std::string> actor_id, actor_role, target_type, target_id, ip, user_agent;
  std::string action, details_json, created_at;
};
// Newest first, before `before_id` when given; optionally only one actor's or one target's.
awaitable<std::vector<AuditRow>> audit_page(db::Transaction& tx, std::optional<int64_t> before_id, int limit,
                                            const std::optional<std::string>& actor_id,
                                            const std::optional<std::string>& target_id,
                                            const std::optional<std::string>& action);

// Platform numbers for the admin console, as one JSON object (docs/admin.md "Platform stats").
awaitable<std::string> stats_json(db::Transaction& tx);

struct UserRow {
  std::string id, username, email, role, created_at;
  bool suspended = false;
  int64_t open_reports = 0;
};
// Live accounts, newest first; `prefix` (lowercase) matches the start of the username or email.
awaitable<std::pair<std::vector<UserRow>, int64_t>> users_page(db::Transaction& tx,
                                                               const std::optional<std::string>& prefix,
                                                               int limit, int64_t offset);

}  // namespace mc::admin::store
