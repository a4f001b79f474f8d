#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The notifications feature's SQL: the rows, the preferences, the consumer's position in the
// outbox, and the email digest's bookkeeping.
namespace mc::notifications::store {

using boost::asio::awaitable;

struct Notification {
  int64_t id = 0;
  std::string type, data_json, created_at;
  std::optional<std::string> read_at;
};

struct OutboxEvent {
  int64_t id = 0;
  std::string xid, topic, key, payload_json;
};

// Who a notification goes to, as each producer's event names them (docs/notifications.md).
enum class Recipients {
  key_user,        // the user whose id is the event key or the given id
  followers,       // the followers of the artist whose id is given
  comment_parent,  // the author of the comment the given reply answers (not themself)
  unmuted_member,  // the given user, unless they muted the conversation in the event's key
};

awaitable<std::vector<Notification>> page(db::Cluster& db, const std::string& user_id,
                                          std::optional<int64_t> before_id, int limit, bool unread_only,
                                          std::optional<db::Lsn> token);
awaitable<int64_t> unread(db::Cluster& db, const std::string& user_id, std::optional<db::Lsn> token);
awaitable<int64_t> unread(db::Transaction& tx, const std::string& user_id);
// Marks the given ones (or all, when ids is nullopt) read; returns how many changed.
awaitable<int64_t> mark_read(db::Transaction& tx, const std::string& user_id,
                             const std::optional<std::vector<std::string>>& ids);
awaitable<std::vector<std::pair<std::string, std::string>>> preferences(db::Cluster& db,
                                                                        const std::string& user_id,
                                                                        std::optional<db::Lsn> token);
awaitable<void> set_preference(db::Transaction& tx, const std::string& user_id, const std::string& type,
                               const std::string& delivery);

// The consumer: its position, locked for the transaction (nullopt: another node holds it).
awaitable<std::optional<std::pair<std::string, int64_t>>> lock_position(db::Transaction& tx,
                                                                        const std::string& name);
awaitable<void> save_position(db::Transaction& tx, const std::string& name, const std::string& xid,
                              int64_t id);
awaitable<std::vector<OutboxEvent>> events_after(db::Transaction& tx, const std::string& xid, int64_t id,
                                                 int limit);
// Creates the notifications of one event, honouring each recipient's preference, each with its
// live message on the recipient's user channel; returns how many were created.
awaitable<int64_t> notify(db::Transaction& tx, Recipients who, const std::string& subject_id,
                          const std::string& type, const std::string& data_json, int64_t event_id,
                          const std::optional<std::string>& except_user = std::nullopt);

// The email digest: users with notifications waiting to be emailed, and those notifications.
struct Pending {
  std::string user_id, email, username;
  std::vector<Notification> items;
};
awaitable<std::vector<std::string>> users_with_pending_email(db::Cluster& db, int limit);
awaitable<std::optional<Pending>> lock_pending(db::Transaction& tx, const std::string& user_id);
awaitable<void> mark_emailed(db::Transaction& tx, const std::string& user_id, int64_t up_to_id);

}  // namespace mc::notifications::store
