#include "features/messaging/service.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "events/outbox.hpp"
#include "features/accounts/store.hpp"
#include "features/memberships/tiers.hpp"
#include "features/messaging/attachments.hpp"
#include "features/messaging/store.hpp"
#include "realtime/channel.hpp"

namespace mc::messaging {
namespace bj = boost::json;

namespace {

bj::object message_json(const store::Message& m) {
  bj::object o{{"id", m.id},
               {"seq", m.seq},
               {"conversationId", m.conversation_id},
               {"senderId", m.sender_id},
               {"body", m.body},
               {"createdAt", m.created_at}};
  if (m.attachment_json) o["attachment"] = bj::parse(*m.attachment_json);
  return o;
}

bj::array messages_json(const std::vector<store::Message>& list) {
  bj::array out;
  for (const auto& m : list) out.push_back(message_json(m));
  return out;
}

ApiError not_member() {
  return ApiError::not_found("No such conversation of yours");
}

}  // namespace

awaitable<Written<bj::object>> MessagingService::send(db::Cluster& db, const AccessClaims& who,
                                                      const SendRequest& req) {
  // Reads that need no lock come first: statements on other connections do not mix with an open
  // transaction on this one.
  const bool to_artist = req.recipient_id && co_await store::is_artist(db, *req.recipient_id);
  if (req.recipient_id && *req.recipient_id == who.user_id) {
    throw ApiError(400, "validation_failed", "You cannot message yourself",
                   {{"recipientId", "is you; choose an artist you are a superfan of"}});
  }
  auto tx = co_await db.begin();
  store::Conversation conversation;
  if (req.conversation_id) {
    const auto member = co_await store::for_member(tx, *req.conversation_id, who.user_id);
    if (!member) throw not_member();
    conversation = member->conversation;
  } else if (to_artist) {
    conversation = co_await store::open(tx, *req.recipient_id, who.user_id);
  } else {
    const auto existing = co_await store::find(tx, who.user_id, *req.recipient_id);
    if (!existing) {
      throw ApiError(404, "not_found",
                     "Artists reply to superfans who wrote first; there is no conversation with this user",
                     {{"recipientId", "has no conversation with you"}});
    }
    conversation = *existing;
  }
  const bool from_fan = conversation.fan_id == who.user_id;
  const std::string recipient = from_fan ? conversation.artist_id : conversation.fan_id;
  const auto blocks = co_await store::blocks(tx, who.user_id, recipient);
  if (blocks.recipient_blocked_sender) {
    throw ApiError(403, "blocked", "This person does not accept your messages");
  }
  if (blocks.sender_blocked_recipient) {
    throw ApiError(409, "blocked_by_you", "You blocked this person; unblock them to send a message");
  }
  std::optional<int> used;
  if (from_fan) {
    if (co_await memberships::tier_in(tx, who.user_id, conversation.artist_id) !=
        memberships::Tier::superfan) {
      throw ApiError(403, "tier_required", "Direct messages to an artist are a superfan perk",
                     {{"tier", "superfan"}, {"artistId", conversation.artist_id}});
    }
    used = co_await store::take_quota(tx, who.user_id, conversation.artist_id, kMonthlyFanMessages);
    if (!used) {
      throw ApiError(429, "message_quota_exhausted",
                     "You have sent all " + std::to_string(kMonthlyFanMessages) +
                         " of this month's messages to this artist; more are available next month",
                     {{"limit", kMonthlyFanMessages}});
    }
  }
  // The attachment is the sender's own upload, not expired and never sent before; locked until the
  // message that carries it commits, so two sends cannot both take it.
  std::optional<std::string> attachment;
  std::optional<std::string> attachment_id;
  if (req.attachment_id) {
    const auto a = co_await store::lock_attachment(tx, *req.attachment_id, who.user_id, kAttachmentKeepHours);
    if (!a) {
      throw ApiError(
          404, "not_found", "No such attachment of yours (uploads expire after 24 hours)",
          {{"attachmentId", "is not an upload of yours, or it has expired; upload the file again"}});
    }
    if (a->attached) {
      throw ApiError(409, "attachment_already_sent", "This attachment was already sent with another message",
                     {{"attachmentId", "was already sent; upload the file again to send it again"}});
    }
    const bj::object json =
        attachment_json(a->id, a->kind, a->content_type, a->size, a->width, a->height, a->duration_ms);
    attachment = bj::serialize(json);
    attachment_id = a->id;
  }
  const store::Message m =
      co_await store::insert_message(tx, conversation.id, who.user_id, req.body, attachment);
  if (attachment_id) co_await store::attach(tx, *attachment_id, m.id);
  bj::object json = message_json(m);
  bj::object event = json;
  event["recipientId"] = recipient;
  co_await events::append(tx, "message.created", conversation.id, event,
                          realtime::conversation_channel(conversation.id));
  const db::Lsn lsn = co_await tx.commit();
  bj::object body{{"message", json},
                  {"conversation", bj::object{{"id", conversation.id},
                                              {"artistId", conversation.artist_id},
                                              {"fanId", conversation.fan_id}}}};
  if (used) {
    body["quota"] =
        bj::object{{"limit", kMonthlyFanMessages}, {"remaining", std::max(0, kMonthlyFanMessages - *used)}};
  }
  co_return Written<bj::object>{std::move(body), lsn};
}

awaitable<bj::object> MessagingService::conversations(db::Cluster& db, const AccessClaims& who, int page,
                                                      int limit, std::optional<db::Lsn> token) {
  const auto rows = co_await store::conversations(db, who.user_id, limit, (page - 1) * limit, token);
  bj::array list;
  for (const auto& c : rows) {
    bj::object o{{"id", c.id},
                 {"artistId", c.artist_id},
                 {"fanId", c.fan_id},
                 {"with", bj::object{{"id", c.other_id}, {"name", c.other_name}}},
                 {"muted", c.muted},
                 {"unread", c.unread},
                 {"lastReadSeq", c.last_read_seq},
                 {"otherLastReadSeq", c.other_last_read_seq},
                 {"lastMessageAt", c.last_message_at},
                 {"lastMessage", c.last ? bj::value(message_json(*c.last)) : bj::value(nullptr)}};
    list.push_back(std::move(o));
  }
  co_return bj::object{{"conversations", std::move(list)}, {"page", page}, {"limit", limit}};
}

awaitable<bj::object> MessagingService::history(db::Cluster& db, const AccessClaims& who,
                                                const std::string& conversation_id,
                                                std::optional<int64_t> before, int limit,
                                                std::optional<db::Lsn> token) {
  const auto member = co_await store::for_member(db, conversation_id, who.user_id, token);
  if (!member) throw not_member();
  const auto rows = co_await store::history(db, conversation_id, before, limit, token);
  bj::object body{{"messages", messages_json(rows)}, {"limit", limit}};
  // The cursor for the next (older) page; null at the start of the conversation.
  body["nextCursor"] = static_cast<int>(rows.size()) == limit ? bj::value(std::to_string(rows.back().seq))
                                                              : bj::value(nullptr);
  co_return body;
}

awaitable<Written<bj::object>> MessagingService::mark_read(db::Cluster& db, const AccessClaims& who,
                                                           const std::string& conversation_id,
                                                           std::optional<int64_t> seq) {
  auto tx = co_await db.begin();
  const auto member = co_await store::for_member(tx, conversation_id, who.user_id);
  if (!member) throw not_member();
  const int64_t newest = co_await store::newest_seq(tx, conversation_id);
  const int64_t upto = std::min(seq.value_or(newest), newest);
  const int64_t held = co_await store::mark_read(tx, conversation_id, who.user_id, upto);
  if (held > member->last_read_seq) {
    const bj::object event{{"conversationId", conversation_id}, {"userId", who.user_id}, {"seq", held}};
    co_await events::append(tx, "message.read", conversation_id, event,
                            realtime::conversation_channel(conversation_id));
  }
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{bj::object{{"conversationId", conversation_id}, {"lastReadSeq", held}}, lsn};
}

awaitable<Written<bj::object>> MessagingService::set_muted(db::Cluster& db, const AccessClaims& who,
                                                           const std::string& conversation_id, bool muted) {
  auto tx = co_await db.begin();
  if (!co_await store::for_member(tx, conversation_id, who.user_id)) throw not_member();
  co_await store::set_muted(tx, conversation_id, who.user_id, muted);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{bj::object{{"conversationId", conversation_id}, {"muted", muted}}, lsn};
}

awaitable<Written<bj::object>> MessagingService::set_blocked(db::Cluster& db, const AccessClaims& who,
                                                             const std::string& user_id, bool blocked) {
  if (user_id == who.user_id) {
    throw ApiError(400, "validation_failed", "You cannot block yourself", {{"userId", "is you"}});
  }
  auto tx = co_await db.begin();
  if (!co_await accounts::store::find_user_tx(tx, user_id)) throw ApiError::not_found("No such user");
  if (blocked) {
    co_await store::block(tx, who.user_id, user_id);
  } else {
    co_await store::unblock(tx, who.user_id, user_id);
  }
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{bj::object{{"userId", user_id}, {"blocked", blocked}}, lsn};
}

awaitable<bj::object> MessagingService::blocked(db::Cluster& db, const AccessClaims& who,
                                                std::optional<db::Lsn> token) {
  bj::array ids;
  for (auto& id : co_await store::blocked_by(db, who.user_id, token)) ids.emplace_back(id);
  co_return bj::object{{"blocked", std::move(ids)}};
}

awaitable<bj::object> MessagingService::search(db::Cluster& db, const AccessClaims& who,
                                               const std::string& query, int limit,
                                               std::optional<db::Lsn> token) {
  const auto rows = co_await store::search(db, who.user_id, query, limit, token);
  co_return bj::object{{"messages", messages_json(rows)}, {"query", query}};
}

awaitable<bool> MessagingService::is_member(db::Cluster& db, const std::string& user_id,
                                            const std::string& conversation_id) {
  co_return (co_await store::for_member(db, conversation_id, user_id, std::nullopt)).has_value();
}

}  // namespace mc::messaging
