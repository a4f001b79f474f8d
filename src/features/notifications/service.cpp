#include "features/notifications/service.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "events/outbox.hpp"
#include "features/notifications/store.hpp"
#include "features/notifications/types.hpp"
#include "jobs/queue.hpp"
#include "realtime/channel.hpp"

namespace mc::notifications {
namespace bj = boost::json;
namespace asio = boost::asio;
using store::Recipients;

namespace {

constexpr const char* kConsumer = "notifications";
constexpr int kBatch = 200;
constexpr std::size_t kPreviewChars = 140;

bj::object notification_json(const store::Notification& n) {
  return bj::object{{"id", std::to_string(n.id)},
                    {"type", n.type},
                    {"data", bj::parse(n.data_json)},
                    {"createdAt", n.created_at},
                    {"readAt", n.read_at ? bj::value(*n.read_at) : bj::value(nullptr)}};
}

std::string text(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A message's first characters, cut on a character boundary.
std::string preview(std::string body) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if ((static_cast<unsigned char>(body[i]) & 0xC0) == 0x80) continue;
    if (chars++ == kPreviewChars) {
      body.resize(i);
      body += "…";
      break;
    }
  }
  return body;
}

// Which notification an event makes, for whom (docs/notifications.md); nullopt for none.
struct Plan {
  std::string type;
  Recipients recipients;
  std::string subject;
  bj::object data;
};

std::optional<Plan> plan_for(const store::OutboxEvent& e) {
  boost::system::error_code ec;
  bj::value parsed = bj::parse(e.payload_json, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  bj::object p = std::move(parsed.as_object());
  const std::string& t = e.topic;
  if (t == "release.published") return Plan{"new_release", Recipients::followers, text(p, "artistId"), p};
  if (t == "post.published") return Plan{"new_post", Recipients::followers, text(p, "artistId"), p};
  if (t == "party.started") return Plan{"party_starting", Recipients::followers, text(p, "artistId"), p};
  if (t == "artist.followed") return Plan{"new_follower", Recipients::key_user, text(p, "artistId"), p};
  if (t == "tip.received") return Plan{"tip_received", Recipients::key_user, text(p, "artistId"), p};
  if (t == "payout.sent") return Plan{"payout_sent", Recipients::key_user, text(p, "artistId"), p};
  if (t == "payment.failed") return Plan{"payment_failed", Recipients::key_user, text(p, "fanId"), p};
  if (t == "comment.created")
    return Plan{"comment_reply", Recipients::comment_parent, text(p, "commentId"), p};
  if (t == "subscription.changed" && text(p, "status") == "active") {
    return Plan{"new_subscriber", Recipients::key_user, text(p, "artistId"), p};
  }
  if (t == "message.created") {
    // A message may be only an attachment (docs/messaging.md): the preview says what it is.
    std::string body = text(p, "body");
    const bj::value* attachment = p.if_contains("attachment");
    if (body.empty() && attachment && attachment->is_object()) {
      body = text(attachment->get_object(), "kind") == "image" ? "Sent a picture" : "Sent an audio clip";
    }
    bj::object data{{"conversationId", text(p, "conversationId")},
                    {"messageId", text(p, "id")},
                    {"senderId", text(p, "senderId")},
                    {"preview", preview(body)}};
    return Plan{"direct_message", Recipients::unmuted_member, text(p, "recipientId"), std::move(data)};
  }
  if (t == "track.processing") {
    const std::string status = text(p, "status");
    if (status != "ready" && status != "failed") return std::nullopt;
    bj::object data{{"trackId", text(p, "trackId")}, {"status", status}};
    if (p.contains("error")) data["error"] = p["error"];
    return Plan{"processing_finished", Recipients::key_user, text(p, "artistId"), std::move(data)};
  }
  return std::nullopt;
}

// One line of the digest email, in words.
std::string summary(const store::Notification& n) {
  boost::system::error_code ec;
  const bj::value v = bj::parse(n.data_json, ec);
  const bj::object empty;
  const bj::object& d = !ec && v.is_object() ? v.get_object() : empty;
  const std::string artist = text(d, "artistName");
  if (n.type == "new_release") return artist + " published \"" + text(d, "releaseTitle") + "\"";
  if (n.type == "new_post") return artist + " posted something new";
  if (n.type == "party_starting") return artist + " started a listening party";
  if (n.type == "new_follower") return text(d, "fanName") + " follows you";
  if (n.type == "new_subscriber") return text(d, "fanName") + " became a " + text(d, "tier");
  if (n.type == "tip_received") return text(d, "fanName") + " sent you a tip";
  if (n.type == "comment_reply")
    return "Someone replied to your comment on \"" + text(d, "trackTitle") + "\"";
  if (n.type == "direct_message") return text(d, "senderName") + " wrote: " + text(d, "preview");
  if (n.type == "payment_failed") return "A payment for your membership of " + artist + " failed";
  if (n.type == "payout_sent") return "A payout is on its way to your account";
  if (n.type == "processing_finished") {
    return "\"" + text(d, "trackTitle") +
           (text(d, "status") == "ready" ? "\" is ready to play" : "\" could not be processed");
  }
  return n.type;
}

}  // namespace

awaitable<bj::object> NotificationService::list(db::Cluster& db, const AccessClaims& who,
                                                std::optional<int64_t> before, int limit, bool unread_only,
                                                std::optional<db::Lsn> token) {
  const auto rows = co_await store::page(db, who.user_id, before, limit, unread_only, token);
  bj::array items;
  for (const auto& n : rows) items.push_back(notification_json(n));
  const int64_t unread = co_await store::unread(db, who.user_id, token);
  bj::object body{{"notifications", std::move(items)}, {"unread", unread}, {"limit", limit}};
  body["nextCursor"] =
      static_cast<int>(rows.size()) == limit ? bj::value(std::to_string(rows.back().id)) : bj::value(nullptr);
  co_return body;
}

awaitable<bj::object> NotificationService::unread(db::Cluster& db, const AccessClaims& who,
                                                  std::optional<db::Lsn> token) {
  const int64_t n = co_await store::unread(db, who.user_id, token);
  co_return bj::object{{"unread", n}};
}

awaitable<Written<bj::object>> NotificationService::mark_read(
    db::Cluster& db, const AccessClaims& who, const std::optional<std::vector<std::string>>& ids) {
  auto tx = co_await db.begin();
  const int64_t changed = co_await store::mark_read(tx, who.user_id, ids);
  const int64_t unread = co_await store::unread(tx, who.user_id);
  if (changed > 0) {
    bj::object event{{"unread", unread}};
    if (ids) {
      bj::array list;
      for (const auto& id : *ids) list.emplace_back(id);
      event["ids"] = std::move(list);
    } else {
      event["all"] = true;
    }
    co_await events::append(tx, "notification.read", who.user_id, event, realtime::user_channel(who.user_id));
  }
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{bj::object{{"marked", changed}, {"unread", unread}}, lsn};
}

awaitable<bj::object> NotificationService::preferences(db::Cluster& db, const AccessClaims& who,
                                                       std::optional<db::Lsn> token) {
  bj::object prefs;
  for (const auto t : kTypes) prefs[t] = "in_app";
  for (const auto& [type, delivery] : co_await store::preferences(db, who.user_id, token)) {
    if (is_type(type)) prefs[type] = delivery;
  }
  co_return bj::object{{"preferences", std::move(prefs)}};
}

awaitable<Written<bj::object>> NotificationService::set_preferences(
    db::Cluster& db, const AccessClaims& who, const std::vector<std::pair<std::string, std::string>>& prefs) {
  auto tx = co_await db.begin();
  for (const auto& [type, delivery] : prefs) co_await store::set_preference(tx, who.user_id, type, delivery);
  const db::Lsn lsn = co_await tx.commit();
  // Awaited into a variable first: GCC 12 destroys the result of a co_await inside a braced
  // initialiser twice (the answer was {} and the heap corrupt; the next requests crashed).
  bj::object body = co_await preferences(db, who, lsn);
  co_return Written<bj::object>{std::move(body), lsn};
}

awaitable<std::size_t> NotificationService::consume_once(db::Cluster& db) {
  auto tx = co_await db.begin();
  const auto position = co_await store::lock_position(tx, kConsumer);
  if (!position) co_return 0;  // another node is consuming
  const auto events = co_await store::events_after(tx, position->first, position->second, kBatch);
  if (events.empty()) co_return 0;
  for (const auto& e : events) {
    auto plan = plan_for(e);
    if (!plan || plan->subject.empty()) continue;
    std::optional<std::string> except;
    // Whoever caused it is not told about it (an artist following themself cannot happen; a
    // fan replying to their own comment is filtered by the recipients query).
    if (const auto* actor = plan->data.if_contains("fanId");
        actor && actor->is_string() && plan->recipients == Recipients::followers) {
      except = std::string(actor->get_string());
    }
    co_await store::notify(tx, plan->recipients, plan->subject, plan->type, json::serialize(plan->data), e.id,
                           except);
  }
  co_await store::save_position(tx, kConsumer, events.back().xid, events.back().id);
  co_await tx.commit();
  co_return events.size();
}

awaitable<void> NotificationService::run_consumer(db::Cluster& db, std::chrono::milliseconds interval,
                                                  std::shared_ptr<std::atomic<bool>> stopping) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!*stopping) {
    std::size_t read = 0;
    try {
      read = co_await consume_once(db);
    } catch (const std::exception& e) {
      log::warn("notifications consumer failed; retrying", {{"error", e.what()}});
    }
    if (read == static_cast<std::size_t>(kBatch)) continue;  // more are waiting
    timer.expires_after(interval);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

awaitable<int> NotificationService::send_digests(db::Cluster& db, mail::Mailer& mailer,
                                                 const std::string& public_url) {
  int sent = 0;
  for (const auto& user : co_await store::users_with_pending_email(db, 500)) {
    auto tx = co_await db.begin();
    const auto pending = co_await store::lock_pending(tx, user);
    if (!pending) continue;  // another worker has it
    mail::Email email;
    email.to = pending->email;
    email.subject = std::to_string(pending->items.size()) + " new on MusicConnect";
    email.body = "Hello " + pending->username + ",\n\nHere is what happened since our last email:\n\n";
    for (const auto& n : pending->items) email.body += "• " + summary(n) + "\n";
    email.body += "\nSee everything: " + public_url +
                  "/notifications\n"
                  "Choose what we email you: " +
                  public_url + "/settings#notifications\n";
    // Sent before the rows are marked: a crash in between sends it again rather than never.
    co_await offload([&mailer, &email] { mailer.send(email); });
    co_await store::mark_emailed(tx, user, pending->items.back().id);
    co_await tx.commit();
    ++sent;
  }
  co_return sent;
}

void register_jobs(jobs::Worker& worker, NotificationService& service, db::Cluster& db, mail::Mailer& mailer,
                   std::string public_url) {
  worker.handle(kDigestJob,
                [&service, &db, &mailer, url = std::move(public_url)](jobs::JobContext&) -> awaitable<void> {
                  const int sent = co_await service.send_digests(db, mailer, url);
                  if (sent > 0) log::info("notification digests sent", {{"emails", sent}});
                });
}

awaitable<void> schedule_digest(db::Cluster& db) {
  co_await jobs::enqueue_hourly(db, "maintenance", kDigestJob);
}

}  // namespace mc::notifications
