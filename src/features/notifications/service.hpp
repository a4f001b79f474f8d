#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "jobs/worker.hpp"
#include "mail/mailer.hpp"

namespace mc::notifications {

using boost::asio::awaitable;
using db::Written;

inline constexpr const char* kDigestJob = "notifications.digest";

// In-app notifications (SPEC §4.9, docs/notifications.md). Producers do not call this feature: it
// reads their outbox events (new release, follower, subscriber, tip, comment reply, DM, party
// starting, payment failed, payout sent, processing finished) through a durable consumer, so a
// notification exists exactly when its cause committed, once, whichever node runs the consumer.
class NotificationService {
 public:
  awaitable<boost::json::object> list(db::Cluster& db, const AccessClaims& who, std::optional<int64_t> before,
                                      int limit, bool unread_only, std::optional<db::Lsn> token);
  awaitable<boost::json::object> unread(db::Cluster& db, const AccessClaims& who,
                                        std::optional<db::Lsn> token);
  // nullopt ids: all. Tells the user's other sockets (the bell on every open tab).
  awaitable<Written<boost::json::object>> mark_read(db::Cluster& db, const AccessClaims& who,
                                                    const std::optional<std::vector<std::string>>& ids);
  awaitable<boost::json::object> preferences(db::Cluster& db, const AccessClaims& who,
                                             std::optional<db::Lsn> token);
  awaitable<Written<boost::json::object>> set_preferences(
      db::Cluster& db, const AccessClaims& who,
      const std::vector<std::pair<std::string, std::string>>& prefs);

  // One batch of the consumer: turns the next outbox events into notifications; returns how many
  // events it read (0 when none were waiting or another node holds the consumer).
  awaitable<std::size_t> consume_once(db::Cluster& db);
  // Consumes until `stopping`, waking every `interval`.
  awaitable<void> run_consumer(db::Cluster& db, std::chrono::milliseconds interval,
                               std::shared_ptr<std::atomic<bool>> stopping);
  // The email digest of everything waiting, one email per user; returns how many were sent.
  awaitable<int> send_digests(db::Cluster& db, mail::Mailer& mailer, const std::string& public_url);
};

void register_jobs(jobs::Worker& worker, NotificationService& service, db::Cluster& db, mail::Mailer& mailer,
                   std::string public_url);
// Enqueues this hour's digest (a no-op if it exists).
awaitable<void> schedule_digest(db::Cluster& db);

}  // namespace mc::notifications
