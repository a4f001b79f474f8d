#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The messaging feature's SQL: conversations, their members' read positions and mutes, messages,
// blocks and the superfans' monthly allowance.
namespace mc::messaging::store {

using boost::asio::awaitable;

struct Conversation {
  std::string id, artist_id, fan_id;
};

// A conversation as one of its members sees it.
struct MemberView {
  Conversation conversation;
  int64_t last_read_seq = 0;
  bool muted = false;
};

struct Message {
  int64_t seq = 0;
  std::string id, conversation_id, sender_id, body;
  std::optional<std::string> attachment_json;
  std::string created_at;
};

struct ConversationSummary {
  std::string id, artist_id, fan_id;
  std::string other_id, other_name;  // the member who is not the viewer
  bool muted = false;
  int64_t unread = 0;
  int64_t last_read_seq = 0;        // the viewer's
  int64_t other_last_read_seq = 0;  // the other member's (read receipts)
  std::optional<Message> last;
  std::string last_message_at;
};

struct Blocks {
  bool sender_blocked_recipient = false;
  bool recipient_blocked_sender = false;
};

// A direct-message attachment (migrations/0022_dm_attachments.sql).
struct Attachment {
  std::string id, uploader_id, kind, storage_key, content_type;
  int64_t size = 0;
  std::optional<int64_t> width, height, duration_ms;
  bool attached = false;
  std::string expires_at;  // when an unsent upload expires
};

// Records a stored upload unless the uploader already has `max_pending` unsent, unexpired ones
// (then nullopt).
awaitable<std::optional<Attachment>> insert_attachment(db::Transaction& tx, const Attachment& a,
                                                       int max_pending, int keep_hours);
awaitable<int64_t> pending_attachments(db::Cluster& db, const std::string& uploader_id, int keep_hours);
// The uploader's own unexpired upload, locked for the send that attaches it; nullopt when it is
// not theirs, does not exist or has expired.
awaitable<std::optional<Attachment>> lock_attachment(db::Transaction& tx, const std::string& id,
                                                     const std::string& uploader_id, int keep_hours);
awaitable<void> attach(db::Transaction& tx, const std::string& attachment_id, const std::string& message_id);
// The attachment when `user_id` may read it: its uploader, or a member of the conversation of the
// message it was sent with.
awaitable<std::optional<Attachment>> readable_attachment(db::Cluster& db, const std::string& id,
                                                         const std::string& user_id,
                                                         std::optional<db::Lsn> token);
struct Expired {
  std::string id, storage_key;
};
// Unsent uploads older than keep_hours, and sent ones whose message is gone.
awaitable<std::vector<Expired>> expired_attachments(db::Cluster& db, int keep_hours, int limit);
awaitable<void> delete_attachments(db::Transaction& tx, const std::vector<std::string>& ids);

awaitable<bool> is_artist(db::Cluster& db, const std::string& user_id);
awaitable<std::optional<Conversation>> find(db::Transaction& tx, const std::string& artist_id,
                                            const std::string& fan_id);
// Creates the conversation and its two members unless it exists; returns it either way.
awaitable<Conversation> open(db::Transaction& tx, const std::string& artist_id, const std::string& fan_id);
awaitable<std::optional<MemberView>> for_member(db::Cluster& db, const std::string& conversation_id,
                                                const std::string& user_id, std::optional<db::Lsn> token);
awaitable<std::optional<MemberView>> for_member(db::Transaction& tx, const std::string& conversation_id,
                                                const std::string& user_id);
awaitable<Blocks> blocks(db::Transaction& tx, const std::string& sender_id, const std::string& recipient_id);
// Takes one message of the fan's allowance for this calendar month (UTC); false when none is left.
// Concurrent callers queue on the row, so with one message left exactly one succeeds.
// Returns the messages used this month including this one; nullopt when none was left.
awaitable<std::optional<int>> take_quota(db::Transaction& tx, const std::string& fan_id,
                                         const std::string& artist_id, int allowance);
awaitable<Message> insert_message(db::Transaction& tx, const std::string& conversation_id,
                                  const std::string& sender_id, const std::string& body,
                                  const std::optional<std::string>& attachment_json);
awaitable<std::vector<ConversationSummary>> conversations(db::Cluster& db, const std::string& user_id,
                                                          int limit, int offset,
                                                          std::optional<db::Lsn> token);
// Newest first, older than `before_seq` when given.
awaitable<std::vector<Message>> history(db::Cluster& db, const std::string& conversation_id,
                                        std::optional<int64_t> before_seq, int limit,
                                        std::optional<db::Lsn> token);
// Moves the member's read position forward (never back); returns the position now held.
awaitable<int64_t> mark_read(db::Transaction& tx, const std::string& conversation_id,
                             const std::string& user_id, int64_t seq);
awaitable<int64_t> newest_seq(db::Transaction& tx, const std::string& conversation_id);
awaitable<void> set_muted(db::Transaction& tx, const std::string& conversation_id, const std::string& user_id,
                          bool muted);
awaitable<void> block(db::Transaction& tx, const std::string& blocker_id, const std::string& blocked_id);
awaitable<bool> unblock(db::Transaction& tx, const std::string& blocker_id, const std::string& blocked_id);
awaitable<std::vector<std::string>> blocked_by(db::Cluster& db, const std::string& blocker_id,
                                               std::optional<db::Lsn> token);
// Full-text search in the messages of the user's conversations, best match first.
awaitable<std::vector<Message>> search(db::Cluster& db, const std::string& user_id, const std::string& query,
                                       int limit, std::optional<db::Lsn> token);

}  // namespace mc::messaging::store
