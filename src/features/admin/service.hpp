#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/accounts/service.hpp"
#include "features/admin/audit.hpp"

// Admin basics (SPEC §4.12, docs/admin.md): suspend and restore accounts, read the audit log.
namespace mc::admin {

using boost::asio::awaitable;

using Origin = audit::Origin;

struct AuditQuery {
  std::optional<int64_t> cursor;
  int limit = 50;
  std::optional<std::string> actor_id, target_id, action;
};

class AdminService {
 public:
  explicit AdminService(accounts::AccountsService& accounts) : accounts_(accounts) {}

  // Suspended accounts cannot sign in; their sessions are revoked (sockets close). Audited.
  awaitable<db::Written<boost::json::object>> suspend(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& user_id,
                                                      const std::optional<std::string>& reason,
                                                      const Origin& origin);
  awaitable<db::Written<boost::json::object>> restore(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& user_id, const Origin& origin);
  // Reads are audited too (`audit.viewed`, `stats.viewed`, `users.viewed`): every admin endpoint
  // writes an entry, in the transaction that reads.
  awaitable<db::Written<boost::json::object>> audit(db::Cluster& db, const AccessClaims& who,
                                                    const AuditQuery& q, const Origin& origin);
  awaitable<db::Written<boost::json::object>> stats(db::Cluster& db, const AccessClaims& who,
                                                    const Origin& origin);
  awaitable<db::Written<boost::json::object>> users(db::Cluster& db, const AccessClaims& who,
                                                    const std::optional<std::string>& prefix, int page,
                                                    int limit, const Origin& origin);

 private:
  accounts::AccountsService& accounts_;
};

}  // namespace mc::admin
