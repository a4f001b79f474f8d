#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The moderation feature's SQL (docs/admin.md "Moderation"): reports, the queue, hidden content.
namespace mc::moderation::store {

using boost::asio::awaitable;

// The account that owns a target the reporter can see (nullopt: no such target, or not theirs to
// see: hidden, unpublished, a message of someone else's conversation, a deleted account).
awaitable<std::optional<std::string>> visible_target_owner(db::Transaction& tx, const std::string& type,
                                                           const std::string& id,
                                                           const std::string& reporter);
// Reports the reporter filed in the last hour.
awaitable<int64_t> recent_reports(db::Transaction& tx, const std::string& reporter);
// False when the reporter already has an open report on the target (the same report).
awaitable<bool> insert_report(db::Transaction& tx, const std::string& type, const std::string& id,
                              const std::string& reporter, const std::string& reason,
                              const std::optional<std::string>& note);

struct QueueItem {
  int64_t first_id = 0, count = 0;
  std::string target_type, target_id, first_at, last_at, reasons_json, reports_json;
  std::optional<std::string> preview, owner_id, owner_username, context_id;
  bool exists = false, hidden = false, suspended = false;
};
// Targets with open reports, oldest first report first, after the group whose first report is `after`.
awaitable<std::vector<QueueItem>> queue(db::Transaction& tx, const std::optional<std::string>& type,
                                        std::optional<int64_t> after, int limit);

// Closes the target's open reports as resolved or dismissed; returns how many.
awaitable<int64_t> close_reports(db::Transaction& tx, const std::string& type, const std::string& id,
                                 const std::string& status, const std::optional<std::string>& resolution,
                                 const std::string& admin_id);

// Hideable content (track, post, comment, message): locks it; nullopt when there is none, else
// whether it is hidden now.
awaitable<std::optional<bool>> lock_content(db::Transaction& tx, const std::string& type,
                                            const std::string& id);
awaitable<void> set_hidden(db::Transaction& tx, const std::string& type, const std::string& id, bool hidden);

}  // namespace mc::moderation::store
