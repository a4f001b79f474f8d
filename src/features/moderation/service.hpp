#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/admin/service.hpp"

// Moderation (SPEC §4.12, docs/admin.md "Moderation"): anyone signed in reports a track, post,
// comment, message or user; admins work the queue, hide and restore content. Every admin action is
// audited in its own transaction.
namespace mc::moderation {

using boost::asio::awaitable;

inline constexpr int kReportsPerHour = 20;

bool is_target_type(std::string_view type);   // track, post, comment, message, user
bool is_content_type(std::string_view type);  // the hideable ones: all but user
bool is_reason(std::string_view reason);

// Files a report inside `tx` (the rules every report path shares): the target must exist and be
// visible to the reporter, nobody reports themself or their own content, at most kReportsPerHour
// per reporter, one open report per reporter and target (a repeat changes nothing).
awaitable<void> file_report(db::Transaction& tx, const std::string& reporter, const std::string& type,
                            const std::string& id, const std::string& reason,
                            const std::optional<std::string>& note);

class ModerationService {
 public:
  awaitable<db::Lsn> report(db::Cluster& db, const AccessClaims& who, const std::string& type,
                            const std::string& id, const std::string& reason,
                            const std::optional<std::string>& note);

  awaitable<db::Written<boost::json::object>> queue(db::Cluster& db, const AccessClaims& who,
                                                    const std::optional<std::string>& type,
                                                    std::optional<int64_t> cursor, int limit,
                                                    const admin::Origin& origin);
  // status: "resolved" or "dismissed".
  awaitable<db::Written<boost::json::object>> close(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& type, const std::string& id,
                                                    const std::string& status,
                                                    const std::optional<std::string>& note,
                                                    const admin::Origin& origin);
  awaitable<db::Written<boost::json::object>> set_hidden(db::Cluster& db, const AccessClaims& who,
                                                         const std::string& type, const std::string& id,
                                                         bool hidden,
                                                         const std::optional<std::string>& reason,
                                                         const admin::Origin& origin);
};

}  // namespace mc::moderation
