#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/jwt.hpp"
#include "db/cluster.hpp"

namespace mc::messaging {

using boost::asio::awaitable;
using db::Written;

// SPEC §2: a superfan's messages to one artist per calendar month (UTC); the artist replies freely.
inline constexpr int kMonthlyFanMessages = 5;
inline constexpr std::size_t kMaxMessageChars = 2000;

struct SendRequest {
  std::optional<std::string> recipient_id;     // opens the conversation on a superfan's first message
  std::optional<std::string> conversation_id;  // or an existing one; exactly one of the two
  std::string body;                            // may be empty when there is an attachment
  std::optional<std::string> attachment_id;    // an upload of the sender's (POST /api/messaging/attachments)
};

// Direct messages between an artist and their superfans (SPEC §4.8, docs/messaging.md). Every
// change is one transaction with its outbox event on the conversation's channel, so members
// connected to any node see it live and a reconnecting one gets what it missed.
class MessagingService {
 public:
  awaitable<Written<boost::json::object>> send(db::Cluster& db, const AccessClaims& who,
                                               const SendRequest& req);
  awaitable<boost::json::object> conversations(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                               std::optional<db::Lsn> token);
  awaitable<boost::json::object> history(db::Cluster& db, const AccessClaims& who,
                                         const std::string& conversation_id, std::optional<int64_t> before,
                                         int limit, std::optional<db::Lsn> token);
  // Up to `seq` (nullopt: everything so far); tells the other member (read receipt).
  awaitable<Written<boost::json::object>> mark_read(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& conversation_id,
                                                    std::optional<int64_t> seq);
  awaitable<Written<boost::json::object>> set_muted(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& conversation_id, bool muted);
  awaitable<Written<boost::json::object>> set_blocked(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& user_id, bool blocked);
  awaitable<boost::json::object> blocked(db::Cluster& db, const AccessClaims& who,
                                         std::optional<db::Lsn> token);
  awaitable<boost::json::object> search(db::Cluster& db, const AccessClaims& who, const std::string& query,
                                        int limit, std::optional<db::Lsn> token);
  // For the real-time gateway: whether the user is a member of the conversation.
  awaitable<bool> is_member(db::Cluster& db, const std::string& user_id, const std::string& conversation_id);
};

}  // namespace mc::messaging
