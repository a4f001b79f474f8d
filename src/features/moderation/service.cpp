#include "features/moderation/service.hpp"

#include <array>

#include "core/error.hpp"
#include "features/admin/audit.hpp"
#include "features/moderation/store.hpp"

namespace mc::moderation {
namespace {

namespace bj = boost::json;

constexpr std::array<std::string_view, 5> kTargetTypes{"track", "post", "comment", "message", "user"};
constexpr std::array<std::string_view, 9> kReasons{
    "spam", "harassment", "hate", "sexual", "violence", "self_harm", "copyright", "impersonation", "other"};

void require_admin(const AccessClaims& who) {
  if (who.role != "admin") throw ApiError(403, "forbidden", "Only admins can do this");
}

bj::value opt(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

bj::value parsed(const std::string& text) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec) return bj::value(nullptr);
  return v;
}

}  // namespace

bool is_target_type(std::string_view type) {
  for (auto t : kTargetTypes) {
    if (t == type) return true;
  }
  return false;
}

bool is_content_type(std::string_view type) {
  return type != "user" && is_target_type(type);
}

bool is_reason(std::string_view reason) {
  for (auto r : kReasons) {
    if (r == reason) return true;
  }
  return false;
}

awaitable<void> file_report(db::Transaction& tx, const std::string& reporter, const std::string& type,
                            const std::string& id, const std::string& reason,
                            const std::optional<std::string>& note) {
  const auto owner = co_await store::visible_target_owner(tx, type, id, reporter);
  if (!owner) throw ApiError::not_found("Nothing to report here: no such " + type);
  if (*owner == reporter) {
    throw ApiError(422, "cannot_report_own", "You cannot report yourself or your own content",
                   {{"targetId", "is you or yours: delete or edit it instead"}});
  }
  const int64_t recent = co_await store::recent_reports(tx, reporter);
  if (recent >= kReportsPerHour) {
    throw ApiError(
        429, "too_many_reports",
        "You have sent " + std::to_string(kReportsPerHour) + " reports in the last hour; try again later",
        {{"targetId", "wait up to an hour before reporting more"}});
  }
  co_await store::insert_report(tx, type, id, reporter, reason, note);
}

awaitable<db::Lsn> ModerationService::report(db::Cluster& db, const AccessClaims& who,
                                             const std::string& type, const std::string& id,
                                             const std::string& reason,
                                             const std::optional<std::string>& note) {
  auto tx = co_await db.begin();
  co_await file_report(tx, who.user_id, type, id, reason, note);
  co_return co_await tx.commit();
}

awaitable<db::Written<bj::object>> ModerationService::queue(db::Cluster& db, const AccessClaims& who,
                                                            const std::optional<std::string>& type,
                                                            std::optional<int64_t> cursor, int limit,
                                                            const admin::Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  const auto rows = co_await store::queue(tx, type, cursor, limit);
  bj::object details{{"type", opt(type)}, {"items", static_cast<int64_t>(rows.size())}};
  audit::Entry entry{who.user_id,  who.role,  "reports.viewed",  std::nullopt,
                     std::nullopt, origin.ip, origin.user_agent, std::move(details)};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  bj::array items;
  for (const auto& r : rows) {
    items.push_back(bj::object{{"targetType", r.target_type},
                               {"targetId", r.target_id},
                               {"reportCount", r.count},
                               {"firstReportedAt", r.first_at},
                               {"lastReportedAt", r.last_at},
                               {"reasons", parsed(r.reasons_json)},
                               {"reports", parsed(r.reports_json)},
                               {"exists", r.exists},
                               {"hidden", r.hidden},
                               {"suspended", r.suspended},
                               {"preview", opt(r.preview)},
                               {"ownerId", opt(r.owner_id)},
                               {"ownerUsername", opt(r.owner_username)},
                               {"contextId", opt(r.context_id)}});
  }
  bj::object body{{"items", std::move(items)}, {"limit", limit}};
  body["nextCursor"] = static_cast<int>(rows.size()) == limit
                           ? bj::value(std::to_string(rows.back().first_id))
                           : bj::value(nullptr);
  co_return db::Written<bj::object>{std::move(body), lsn};
}

awaitable<db::Written<bj::object>> ModerationService::close(db::Cluster& db, const AccessClaims& who,
                                                            const std::string& type, const std::string& id,
                                                            const std::string& status,
                                                            const std::optional<std::string>& note,
                                                            const admin::Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  const int64_t closed = co_await store::close_reports(tx, type, id, status, note, who.user_id);
  if (closed == 0) throw ApiError::not_found("This " + type + " has no open reports");
  bj::object details{{"reports", closed}, {"note", opt(note)}};
  audit::Entry entry{who.user_id, who.role,  "reports." + status, type,
                     id,          origin.ip, origin.user_agent,   std::move(details)};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  bj::object body{{"targetType", type}, {"targetId", id}, {"status", status}, {"reportsClosed", closed}};
  co_return db::Written<bj::object>{std::move(body), lsn};
}

awaitable<db::Written<bj::object>> ModerationService::set_hidden(db::Cluster& db, const AccessClaims& who,
                                                                 const std::string& type,
                                                                 const std::string& id, bool hidden,
                                                                 const std::optional<std::string>& reason,
                                                                 const admin::Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  const auto state = co_await store::lock_content(tx, type, id);
  if (!state) throw ApiError::not_found("No such " + type);
  int64_t closed = 0;
  if (*state != hidden) {
    co_await store::set_hidden(tx, type, id, hidden);
    // Hiding is the decision on the open reports: they are resolved with it.
    if (hidden) {
      const std::optional<std::string> resolution = reason ? reason : std::optional<std::string>("hidden");
      closed = co_await store::close_reports(tx, type, id, "resolved", resolution, who.user_id);
    }
    bj::object details{{"reason", opt(reason)}, {"reportsResolved", closed}};
    audit::Entry entry{who.user_id,
                       who.role,
                       hidden ? "content.hidden" : "content.restored",
                       type,
                       id,
                       origin.ip,
                       origin.user_agent,
                       std::move(details)};
    co_await audit::record(tx, entry);
  }
  const db::Lsn lsn = co_await tx.commit();
  bj::object body{{"targetType", type}, {"targetId", id}, {"hidden", hidden}, {"reportsResolved", closed}};
  co_return db::Written<bj::object>{std::move(body), lsn};
}

}  // namespace mc::moderation
