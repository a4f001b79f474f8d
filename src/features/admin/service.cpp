#include "features/admin/service.hpp"

#include "core/error.hpp"
#include "events/outbox.hpp"
#include "features/admin/audit.hpp"
#include "features/admin/store.hpp"

namespace mc::admin {
namespace {

namespace bj = boost::json;

void require_admin(const AccessClaims& who) {
  if (who.role != "admin") throw ApiError(403, "forbidden", "Only admins can do this");
}

bj::value opt(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

}  // namespace

awaitable<db::Written<bj::object>> AdminService::suspend(db::Cluster& db, const AccessClaims& who,
                                                         const std::string& user_id,
                                                         const std::optional<std::string>& reason,
                                                         const Origin& origin) {
  require_admin(who);
  if (user_id == who.user_id) {
    throw ApiError(409, "cannot_suspend_self", "Admins cannot suspend their own account",
                   {{"id", "is your own account: ask another admin"}});
  }
  auto tx = co_await db.begin();
  const auto target = co_await store::lock_user(tx, user_id);
  if (!target) throw ApiError::not_found("No such user");
  std::vector<std::string> ended;
  if (!target->suspended) {
    co_await store::set_suspended(tx, user_id, reason);
    ended = co_await store::revoke_sessions(tx, user_id, "suspended");
    for (const auto& session_id : ended) {
      const bj::object event{{"userId", user_id}, {"sessionId", session_id}, {"reason", "suspended"}};
      co_await events::append(tx, "session.revoked", user_id, event);
    }
    bj::object details{{"reason", opt(reason)}, {"sessionsEnded", static_cast<int64_t>(ended.size())}};
    audit::Entry entry{who.user_id, who.role,  "user.suspended",  "user",
                       user_id,     origin.ip, origin.user_agent, std::move(details)};
    co_await audit::record(tx, entry);
  }
  const db::Lsn lsn = co_await tx.commit();
  accounts_.forget_user_sessions(user_id);
  co_return db::Written<bj::object>{bj::object{{"id", user_id}, {"suspended", true}}, lsn};
}

awaitable<db::Written<bj::object>> AdminService::restore(db::Cluster& db, const AccessClaims& who,
                                                         const std::string& user_id, const Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  const auto target = co_await store::lock_user(tx, user_id);
  if (!target) throw ApiError::not_found("No such user");
  if (target->suspended) {
    co_await store::clear_suspended(tx, user_id);
    audit::Entry entry{who.user_id, who.role,  "user.restored",   "user",
                       user_id,     origin.ip, origin.user_agent, {}};
    co_await audit::record(tx, entry);
  }
  const db::Lsn lsn = co_await tx.commit();
  co_return db::Written<bj::object>{bj::object{{"id", user_id}, {"suspended", false}}, lsn};
}

awaitable<db::Written<bj::object>> AdminService::audit(db::Cluster& db, const AccessClaims& who,
                                                       const AuditQuery& q, const Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  // The page is read before this view's own entry is written, so it shows what was there.
  const auto rows = co_await store::audit_page(tx, q.cursor, q.limit, q.actor_id, q.target_id, q.action);
  bj::object filters{{"actorId", opt(q.actor_id)}, {"targetId", opt(q.target_id)}, {"action", opt(q.action)}};
  audit::Entry entry{who.user_id,  who.role,  "audit.viewed",    std::nullopt,
                     std::nullopt, origin.ip, origin.user_agent, std::move(filters)};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  bj::array items;
  for (const auto& r : rows) {
    boost::system::error_code ec;
    bj::value details = bj::parse(r.details_json, ec);
    if (ec) details = bj::object{};
    items.push_back(bj::object{{"id", std::to_string(r.id)},
                               {"actorId", opt(r.actor_id)},
                               {"actorRole", opt(r.actor_role)},
                               {"action", r.action},
                               {"targetType", opt(r.target_type)},
                               {"targetId", opt(r.target_id)},
                               {"ip", opt(r.ip)},
                               {"userAgent", opt(r.user_agent)},
                               {"details", std::move(details)},
                               {"createdAt", r.created_at}});
  }
  bj::object body{{"entries", std::move(items)}, {"limit", q.limit}};
  body["nextCursor"] = static_cast<int>(rows.size()) == q.limit ? bj::value(std::to_string(rows.back().id))
                                                                : bj::value(nullptr);
  co_return db::Written<bj::object>{std::move(body), lsn};
}

awaitable<db::Written<bj::object>> AdminService::stats(db::Cluster& db, const AccessClaims& who,
                                                       const Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  const std::string text = co_await store::stats_json(tx);
  audit::Entry entry{who.user_id,  who.role,  "stats.viewed",    std::nullopt,
                     std::nullopt, origin.ip, origin.user_agent, {}};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  co_return db::Written<bj::object>{bj::parse(text).as_object(), lsn};
}

awaitable<db::Written<bj::object>> AdminService::users(db::Cluster& db, const AccessClaims& who,
                                                       const std::optional<std::string>& prefix, int page,
                                                       int limit, const Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  const auto result = co_await store::users_page(tx, prefix, limit, static_cast<int64_t>(page - 1) * limit);
  bj::object details{{"q", opt(prefix)}, {"page", page}};
  audit::Entry entry{who.user_id,  who.role,  "users.viewed",    std::nullopt,
                     std::nullopt, origin.ip, origin.user_agent, std::move(details)};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  bj::array items;
  for (const auto& u : result.first) {
    items.push_back(bj::object{{"id", u.id},
                               {"username", u.username},
                               {"email", u.email},
                               {"role", u.role},
                               {"suspended", u.suspended},
                               {"openReports", u.open_reports},
                               {"createdAt", u.created_at}});
  }
  bj::object body{{"users", std::move(items)}, {"page", page}, {"limit", limit}, {"total", result.second}};
  co_return db::Written<bj::object>{std::move(body), lsn};
}

}  // namespace mc::admin
