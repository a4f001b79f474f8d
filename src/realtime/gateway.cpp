#include "realtime/gateway.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "cache/redis_pubsub.hpp"
#include "core/log.hpp"
#include "core/timestamp.hpp"
#include "http/response.hpp"
#include "realtime/protocol.hpp"
#include "realtime/store.hpp"

namespace mc::realtime {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace bj = boost::json;
using Clock = std::chrono::steady_clock;
using Frame = std::shared_ptr<const std::string>;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kCloseGrace = std::chrono::seconds(5);  // a close handshake that takes longer is cut
constexpr int kMaxInvalidMessages = 20;
constexpr std::size_t kMaxBatchOut = 64;

// RFC 6455 §7.4.2 leaves 4000-4999 to applications (docs/realtime.md lists ours).
enum CloseCode : std::uint16_t {
  kAuthTimeout = 4001,
  kTokenExpired = 4002,
  kSessionEnded = 4003,
  kSlowConsumer = 4008,
  kRateLimited = 4009,
  kTooManyConnections = 4010,
};

constexpr std::chrono::milliseconds kPresenceTtl{6000};  // three presence ticks

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_node_id() {
  std::random_device rd;
  return std::to_string(rd()) + "-" + std::to_string(rd());
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339(int64_t unix_s) {
  return format_rfc3339_utc(unix_s * 1000000);
}

Frame frame_of(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

struct ChannelMessage {
  std::string channel;
  Offset offset;
  Frame frame;
};
using SharedMessage = std::shared_ptr<const ChannelMessage>;

struct Subscription {
  // Which subscription of this socket to the channel this is: a coroutine that awaited (a recovery,
  // a catch-up) goes on only if the channel was not left and subscribed again meanwhile.
  std::uint64_t id = 0;
  Offset last;
  bool recovering = true;
  std::vector<SharedMessage> pending;  // live messages that arrive while the channel is recovered
  std::optional<Offset> overflowed;    // pending filled up: the newest message that did not fit
};

struct Socket;

// The event loop's own executor type, not any_io_executor: Beast keeps the socket inside each
// websocket's state, and the 48 bytes more of any_io_executor put that state past a size class of
// the allocator (3 KiB a socket instead of 2.5).
using TcpSocket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;

// The connection the HTTP server read the upgrade request on, moved onto a TcpSocket. Closed when
// that fails, so that the handshake fails and the connection ends.
TcpSocket adopt(asio::ip::tcp::socket from, const asio::any_io_executor& ex) {
  const auto* io = ex.target<asio::io_context::executor_type>();
  if (!io) throw std::logic_error("the gateway's event loops must be io_context executors");
  TcpSocket to(*io);
  boost::system::error_code ec;
  const auto protocol = from.local_endpoint(ec).protocol();
  if (ec) return to;
  const auto handle = from.release(ec);
  if (ec) return to;
  to.assign(protocol, handle, ec);
  if (ec) ::close(handle);
  return to;
}

// A socket listening to a channel, with its subscription (a node of the socket's `subs`: its
// address holds until unsubscribe removes both), so that a fan-out does not look the channel up
// again in each socket's map.
struct ChannelListener {
  Socket* socket;
  Subscription* sub;
};

// One per event loop, touched only from it: the loop's sockets and who listens to which channel.
struct LoopHub {
  explicit LoopHub(asio::any_io_executor executor) : ex(std::move(executor)), sweeper(ex) {}
  asio::any_io_executor ex;
  std::unordered_map<std::string, std::vector<ChannelListener>> channels;
  std::unordered_set<Socket*> sockets;
  asio::steady_timer sweeper;
  bool draining = false;
};

}  // namespace

struct Gateway::Impl {
  Impl(GatewayOptions o, const JwtCodec& j, http::SessionGate* s, ChannelAuthorizer& a)
      : options(std::move(o)), jwt(j), sessions(s), authorizer(a) {}

  GatewayOptions options;
  const JwtCodec& jwt;
  http::SessionGate* sessions;
  ChannelAuthorizer& authorizer;
  std::vector<std::unique_ptr<LoopHub>> hubs;
  std::mutex users_mutex;
  std::unordered_map<std::string, unsigned> users;  // open authenticated sockets per user
  std::atomic<std::size_t> sockets{0};
  std::atomic<std::size_t> subscriptions{0};
  cache::RedisPubSub* bus = nullptr;  // set: channel messages and session ends travel through Redis

  // Presence: sockets per party channel on this node, and the last total reported (every node's,
  // with Redis).
  mutable std::mutex presence_mutex;
  std::unordered_map<std::string, int> presence;
  std::unordered_map<std::string, int> presence_total;
  std::string node_id = random_node_id();
  std::function<void(const std::string&, int)> presence_observer;

  void deliver_local(const std::string& channel, const Offset& offset, const Frame& frame);
  void deliver_ephemeral_local(const std::string& channel, const Frame& frame);
  void session_event_local(std::string_view topic, std::string_view payload_json);
  void access_changed_local(const std::string& user);
  void count_presence(const std::string& channel, int delta) {
    if (!channel.starts_with("party:")) return;
    std::lock_guard lock(presence_mutex);
    presence[channel] += delta;  // a channel at 0 stays until the next tick reports it
  }
  void presence_tick();
  void report_presence(const std::string& channel, int total);

  bool add_user(const std::string& user) {
    std::lock_guard lock(users_mutex);
    unsigned& n = users[user];
    if (n >= options.max_connections_per_user) {
      if (n == 0) users.erase(user);
      return false;
    }
    ++n;
    return true;
  }
  void remove_user(const std::string& user) {
    std::lock_guard lock(users_mutex);
    const auto it = users.find(user);
    if (it != users.end() && --it->second == 0) users.erase(it);
  }
  bool origin_allowed(const http::Request& req) const;
};

namespace {

// Redis channel names: one per real-time channel, and one for the session ends every node hears.
std::string redis_channel(std::string_view channel) {
  return "mc:ch:" + std::string(channel);
}
constexpr std::string_view kRedisSessions = "mc:sessions";

// Until Redis confirms the subscription, or 5 s: with Redis down the socket still gets what the
// database holds, and the rest when Redis is back (catch_up).
asio::awaitable<void> redis_active(cache::RedisPubSub& bus, const std::string& channel) {
  auto ex = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(ex, std::chrono::seconds(5));
  bus.subscribe(channel, [timer, ex](const std::string&) { asio::post(ex, [timer] { timer->cancel(); }); });
  co_await timer->async_wait(nothrow);
}

struct Socket : std::enable_shared_from_this<Socket> {
  Socket(TcpSocket socket, LoopHub& h, Gateway::Impl& g, const http::Loop& l)
      : ws(std::move(socket)), hub(h), gw(g), loop(l) {}

  // On the bare socket: the websocket has timeouts of its own, and beast::tcp_stream's would cost
  // every socket its state and an operation of its own under each pending read.
  websocket::stream<TcpSocket> ws;
  LoopHub& hub;
  Gateway::Impl& gw;
  const http::Loop& loop;

  std::vector<Frame> out;  // frames waiting to be written: out[out_head..]
  std::size_t out_head = 0;
  std::size_t out_bytes = 0;
  Frame in_flight;  // the frame being written (its bytes must live until the write completes)
  bool writing = false;

  std::optional<AccessClaims> claims;
  bool counted = false;  // holds a place in the user's connection limit
  Clock::time_point auth_deadline;
  bool expiry_warned = false;
  bool batch = false;  // the client accepts several messages per frame
  std::unordered_map<std::string, Subscription> subs;
  std::uint64_t subscriptions_made = 0;
  // The subscription to `name` numbered `id`, or null once it was left (or replaced).
  Subscription* subscription(const std::string& name, std::uint64_t id) {
    const auto it = subs.find(name);
    return it != subs.end() && it->second.id == id ? &it->second : nullptr;
  }

  double tokens = 0;
  Clock::time_point refilled;
  int invalid = 0;

  // The heartbeat, kept by the loop's sweeper: when the peer was last heard from (a message or a
  // control frame), when it was last pinged, and whether that ping is still being written.
  Clock::time_point heard;
  Clock::time_point pinged;
  bool pinging = false;

  std::optional<std::uint16_t> closing;  // the close code, once the socket is closing
  std::string closing_reason;
  Clock::time_point closing_since;
  bool close_sent = false;
  bool ended = false;

  void send(Frame frame) {
    if (ended || close_sent || (closing && *closing == kSlowConsumer)) return;
    if (out_bytes + frame->size() > gw.options.send_queue_bytes) {
      // A slow consumer: what it has not read is dropped, and it is told why it is closed.
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(out_head), out.end());
      out_bytes = 0;
      close(kSlowConsumer, "slow consumer: messages were not read in time");
      return;
    }
    out_bytes += frame->size();
    out.push_back(std::move(frame));
    start_writer();
  }
  void send(std::string text) { send(frame_of(std::move(text))); }

  void close(std::uint16_t code, std::string reason) {
    if (closing || ended) return;
    closing = code;
    closing_reason = std::move(reason);
    closing_since = Clock::now();
    start_writer();
  }

  // Ends the connection now, without a close handshake (a peer that does not read).
  void cut() {
    boost::system::error_code ignored;
    ws.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    ws.next_layer().cancel(ignored);
  }

  void ping() {
    pinging = true;
    pinged = Clock::now();
    ws.async_ping({}, [self = shared_from_this()](boost::system::error_code ec) {
      self->pinging = false;
      if (ec) self->cut();
    });
  }

  void start_writer() {
    if (writing || ended) return;
    writing = true;
    write_next();
  }

  // One write at a time, each started from the previous one's completion (never inline, so this
  // does not recurse): the frames waiting, then the close frame once closing. A completion handler
  // rather than a coroutine per burst: at 10,000 listeners a message is 10,000 writes, and a
  // coroutine frame, its spawn and its awaitable machinery per write cost more than the rest of
  // our user-space work per delivery (bench/ws/README.md).
  void write_next() {
    if (out_head >= out.size() || ended) {
      write_close_or_stop();
      return;
    }
    const std::size_t waiting = out.size() - out_head;
    if (batch && waiting > 1) {
      const std::size_t n = std::min(waiting, kMaxBatchOut);
      std::vector<std::string_view> views;
      views.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        const Frame& f = out[out_head + i];
        views.emplace_back(*f);
        out_bytes -= f->size();
      }
      in_flight = frame_of(batch_frame(views));
      out_head += n;
    } else {
      in_flight = std::move(out[out_head++]);
      out_bytes -= in_flight->size();
    }
    if (out_head == out.size()) {
      out.clear();
      out_head = 0;
    } else if (out_head > 64 && out_head * 2 > out.size()) {
      out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(out_head));
      out_head = 0;
    }
    ws.async_write(asio::buffer(in_flight->data(), in_flight->size()),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     self->in_flight.reset();
                     if (ec) {
                       self->cut();
                       self->close_sent = true;  // the socket is cut: nothing more is written
                       self->writing = false;
                       return;
                     }
                     self->write_next();
                   });
  }

  void write_close_or_stop() {
    if (!closing || close_sent || ended) {
      writing = false;
      return;
    }
    close_sent = true;
    const websocket::close_reason reason(static_cast<websocket::close_code>(*closing), closing_reason);
    ws.async_close(reason, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) self->cut();
      self->writing = false;
    });
  }

  // A message on a channel this socket is subscribed to (`sub`).
  void deliver(Subscription& sub, const SharedMessage& m) {
    if (sub.recovering) {
      if (sub.pending.size() < static_cast<std::size_t>(gw.options.recovery_limit)) {
        sub.pending.push_back(m);
      } else {
        sub.overflowed = m->offset;
      }
      return;
    }
    if (m->offset <= sub.last) return;  // already sent by the recovery
    sub.last = m->offset;
    send(m->frame);
  }

  // A message without an offset (typing, presence): only to sockets past their recovery.
  void deliver_ephemeral(const Subscription& sub, const Frame& frame) {
    if (sub.recovering) return;
    send(frame);
  }

  bool take_token() {
    const auto now = Clock::now();
    const double rate = gw.options.messages_per_second;
    tokens = std::min(2 * rate, tokens + rate * std::chrono::duration<double>(now - refilled).count());
    refilled = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  void unsubscribe(const std::string& name) {
    if (subs.erase(name) == 0) return;
    --gw.subscriptions;
    gw.count_presence(name, -1);
    if (gw.bus) gw.bus->unsubscribe(redis_channel(name));
    const auto it = hub.channels.find(name);
    if (it == hub.channels.end()) return;
    auto& list = it->second;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].socket == this) {
        list[i] = list.back();
        list.pop_back();
        break;
      }
    }
    if (list.empty()) hub.channels.erase(it);
  }

  void end() {
    ended = true;
    while (!subs.empty()) {
      const std::string name = subs.begin()->first;  // a copy: unsubscribe erases the key
      unsubscribe(name);
    }
    hub.sockets.erase(this);
    --gw.sockets;
    if (counted) gw.remove_user(claims->user_id);
    out.clear();
    out_head = 0;
    out_bytes = 0;
  }

  asio::awaitable<void> handle(ClientMessage& m);
  asio::awaitable<void> authenticate(ClientMessage& m);
  asio::awaitable<void> subscribe(ClientMessage& m);
  void typing(ClientMessage& m);
  // The socket's one long-lived coroutine: the websocket handshake, then reading until the end.
  static asio::awaitable<void> serve(std::shared_ptr<Socket> self, http::Request request);
  void configure();
  void opened();
  std::vector<ClientMessage> read_frame(const beast::flat_buffer& in);
  asio::awaitable<void> dispatch(std::vector<ClientMessage> messages);
  // The user's access changed: each channel but their own is checked again, and left when refused.
  static asio::awaitable<void> recheck(std::shared_ptr<Socket> self);
  // Sends what a recovery read and then the live messages held meanwhile, each once and in order
  // after `last`; returns the newest offset sent (or `last`).
  Offset replay(const std::string& name, Subscription& sub, const store::Recovery& recovery, Offset last) {
    for (const auto& stored : recovery.messages) {
      if (stored.offset <= last) continue;
      send(event_frame(name, stored.offset, stored.type, stored.payload));
      last = stored.offset;
    }
    for (const auto& p : sub.pending) {
      if (p->offset <= last) continue;
      send(p->frame);
      last = p->offset;
    }
    sub.pending.clear();
    return last;
  }
  // After Redis came back: what the channel carried meanwhile, from the database.
  static asio::awaitable<void> catch_up(std::shared_ptr<Socket> self, std::string name);
};

ApiError field_error(std::string_view field, std::string_view reason) {
  return ApiError(400, "invalid_message", "Message is invalid", bj::object{{std::string(field), reason}});
}

asio::awaitable<void> Socket::authenticate(ClientMessage& m) {
  std::string token;
  for (const auto& kv : m.data) {
    if (kv.key() == "token" && kv.value().is_string()) {
      token = std::string(kv.value().get_string());
    } else if (kv.key() == "batch" && kv.value().is_bool()) {
      batch = kv.value().get_bool();
    } else {
      throw field_error(kv.key(), kv.key() == "token"   ? "must be the access token"
                                  : kv.key() == "batch" ? "must be true or false"
                                                        : "is not a known field");
    }
  }
  if (token.empty()) throw field_error("token", "is required");
  const auto verified = gw.jwt.verify(token, unix_seconds());
  if (!verified.claims) {
    throw ApiError(401, "invalid_token", std::string("Access token refused: ") + to_string(verified.error));
  }
  const AccessClaims& next = *verified.claims;
  if (claims && claims->user_id != next.user_id) {
    throw ApiError(403, "forbidden", "A socket stays with the user who opened it; open a new one");
  }
  if (gw.sessions && !co_await gw.sessions->session_live(*loop.cluster, next)) {
    throw ApiError(401, "session_revoked", "This session has ended; sign in again");
  }
  if (ended || closing) co_return;
  if (!counted) {
    if (!gw.add_user(next.user_id)) {
      close(kTooManyConnections, "too many open connections for this user");
      co_return;
    }
    counted = true;
  }
  claims = next;
  expiry_warned = false;
  send(reply_frame(
      "ok", m.id, "",
      bj::object{{"op", "auth"}, {"userId", next.user_id}, {"expiresAt", rfc3339(next.expires_at)}}));
}

asio::awaitable<void> Socket::subscribe(ClientMessage& m) {
  if (m.ch.empty()) throw field_error("ch", "is required");
  const auto channel = parse_channel(m.ch);
  if (!channel) {
    throw ApiError(400, "invalid_channel", "No such channel",
                   bj::object{{"ch", "must be user:, artist:, conversation: or party: and a UUID"}});
  }
  const std::string name = channel->name();
  std::optional<Offset> from;
  for (const auto& kv : m.data) {
    if (kv.key() != "offset") throw field_error(kv.key(), "is not a known field");
    if (!kv.value().is_string() || !(from = parse_offset(kv.value().get_string()))) {
      throw field_error("offset", "must be an offset this server sent (\"<xid>-<id>\")");
    }
  }
  if (const auto it = subs.find(name); it != subs.end()) {
    if (it->second.recovering) {
      throw ApiError(409, "subscription_pending", "This channel's subscription is still being set up");
    }
    send(reply_frame("ok", m.id, name, bj::object{{"op", "sub"}, {"offset", it->second.last.str()}}));
    co_return;
  }
  if (subs.size() >= gw.options.max_subscriptions) {
    throw ApiError(400, "too_many_subscriptions",
                   "This socket has " + std::to_string(subs.size()) + " subscriptions, the most it may have");
  }
  co_await gw.authorizer.authorize(*loop.cluster, *claims, *channel, Check::subscribe);
  if (ended || closing || subs.contains(name)) co_return;
  // Listen first, then read what was missed: live messages that arrive meanwhile wait in `pending`
  // and are sent after the recovered ones, skipping any the recovery already covered.
  Subscription& made = subs.emplace(name, Subscription{}).first->second;
  const std::uint64_t mine = made.id = ++subscriptions_made;
  hub.channels[name].push_back({this, &made});
  ++gw.subscriptions;
  gw.count_presence(name, +1);
  if (gw.bus) {
    // Recovery reads the database only once Redis delivers the channel's live messages here, so
    // nothing published in between is missed (duplicates are dropped by offset).
    co_await redis_active(*gw.bus, redis_channel(name));
    if (ended || !subscription(name, mine)) co_return;
  }
  store::Recovery recovery;
  Offset start;
  try {
    if (from) {
      recovery = co_await store::recover(*loop.cluster, name, *from, gw.options.recovery_limit);
      start = *from;
    }
    if (!from || recovery.reload) start = co_await store::head(*loop.cluster, name);
  } catch (...) {
    if (!ended && subscription(name, mine)) unsubscribe(name);
    throw;
  }
  Subscription* const current = subscription(name, mine);
  if (ended || !current) co_return;
  Subscription& sub = *current;
  if (recovery.reload) send(reply_frame("reload", nullptr, name, bj::object{{"offset", start.str()}}));
  Offset last = replay(name, sub, recovery, start);
  sub.pending.shrink_to_fit();
  if (sub.overflowed && *sub.overflowed > last) {
    // More arrived during the recovery than it may hold: the client reloads from the newest.
    last = *sub.overflowed;
    send(reply_frame("reload", nullptr, name, bj::object{{"offset", last.str()}}));
  }
  sub.overflowed.reset();
  sub.recovering = false;
  sub.last = last;
  send(reply_frame("ok", m.id, name, bj::object{{"op", "sub"}, {"offset", last.str()}}));
}

asio::awaitable<void> Socket::catch_up(std::shared_ptr<Socket> self, std::string name) {
  const auto it = self->subs.find(name);
  if (self->ended || it == self->subs.end() || it->second.recovering) co_return;
  it->second.recovering = true;
  const std::uint64_t id = it->second.id;
  const Offset from = it->second.last;
  store::Recovery recovery;
  try {
    recovery = co_await store::recover(*self->loop.cluster, name, from, self->gw.options.recovery_limit);
  } catch (const std::exception& e) {
    log::warn("realtime catch-up failed", {{"channel", name}, {"error", e.what()}});
    recovery.reload = true;
  }
  Subscription* const again = self->subscription(name, id);
  if (self->ended || !again) co_return;
  Subscription& sub = *again;
  Offset last = sub.last;
  if (recovery.reload) {
    self->send(reply_frame("reload", nullptr, name, bj::object{{"offset", last.str()}}));
  }
  last = self->replay(name, sub, recovery, last);
  sub.overflowed.reset();
  sub.recovering = false;
  sub.last = last;
}

void Socket::typing(ClientMessage& m) {
  const auto channel = parse_channel(m.ch);
  if (!channel || channel->kind != ChannelKind::conversation) {
    throw field_error("ch", "must be a conversation channel this socket is subscribed to");
  }
  const std::string name = channel->name();
  if (!subs.contains(name)) throw ApiError(409, "not_subscribed", "Subscribe to the conversation first");
  bool on = true;
  for (const auto& kv : m.data) {
    if (kv.key() != "typing" || !kv.value().is_bool())
      throw field_error(kv.key(), "must be typing: true or false");
    on = kv.value().get_bool();
  }
  std::string frame =
      ephemeral_frame(name, "typing", bj::object{{"userId", claims->user_id}, {"typing", on}});
  if (gw.bus) {
    gw.bus->publish(redis_channel(name), "-\n" + frame);
  } else {
    gw.deliver_ephemeral_local(name, frame_of(std::move(frame)));
  }
  // Typing is sent often; only a client that asks (an id) gets an answer.
  if (!m.id.is_null()) send(reply_frame("ok", m.id, name, bj::object{{"op", "typing"}}));
}

asio::awaitable<void> Socket::recheck(std::shared_ptr<Socket> self) {
  std::vector<std::string> names;
  for (const auto& [name, sub] : self->subs) {
    if (!name.starts_with("user:")) names.push_back(name);
  }
  for (const auto& name : names) {
    if (self->ended || !self->claims) co_return;
    const auto channel = parse_channel(name);
    try {
      co_await self->gw.authorizer.authorize(*self->loop.cluster, *self->claims, *channel, Check::recheck);
    } catch (const ApiError& e) {
      if (self->ended || !self->subs.contains(name)) continue;
      self->unsubscribe(name);
      bj::object data{{"code", e.code()}, {"message", e.what()}};
      if (!e.details().empty()) data["details"] = e.details();
      self->send(reply_frame("unsubscribed", nullptr, name, data));
    } catch (const std::exception& e) {
      log::warn("realtime access re-check failed", {{"channel", name}, {"error", e.what()}});
    }
  }
}

asio::awaitable<void> Socket::handle(ClientMessage& m) {
  switch (m.op) {
    case ClientOp::ping: {
      bj::object data;
      if (const auto* t = m.data.if_contains("t"); t && t->is_number()) data["t"] = *t;
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      data["serverTime"] =
          static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) / 1000.0;
      send(reply_frame("pong", m.id, "", data));
      co_return;
    }
    case ClientOp::auth:
      co_await authenticate(m);
      co_return;
    case ClientOp::sub:
    case ClientOp::unsub:
    case ClientOp::typing:
      break;
  }
  if (!claims) throw ApiError(401, "unauthorized", "Send auth with an access token first");
  if (m.op == ClientOp::typing) {
    typing(m);
  } else if (m.op == ClientOp::sub) {
    co_await subscribe(m);
  } else {
    if (m.ch.empty()) throw field_error("ch", "is required");
    const auto channel = parse_channel(m.ch);
    if (channel) unsubscribe(channel->name());
    send(reply_frame("ok", m.id, m.ch, bj::object{{"op", "unsub"}}));
  }
}

// A coroutine frame holds every local of its function for as long as it lives, and this one lives
// as long as the socket: what does not wait is in plain functions (configure, opened, read_frame).
asio::awaitable<void> Socket::serve(std::shared_ptr<Socket> self, http::Request request) {
  self->configure();
  {
    auto [ec] = co_await self->ws.async_accept(request, nothrow);
    if (ec) co_return;
  }
  request = {};  // let go of the upgrade's headers
  self->opened();
  beast::flat_buffer in;
  for (;;) {
    auto [ec, n] = co_await self->ws.async_read(in, nothrow);
    if (ec) break;
    self->heard = Clock::now();
    std::vector<ClientMessage> messages = self->read_frame(in);
    // Free the buffer between messages: an idle socket (most of them) then holds none, and a
    // message costs one allocation more.
    in.clear();
    in.shrink_to_fit();
    if (!messages.empty()) co_await self->dispatch(std::move(messages));
  }
  self->end();
}

void Socket::configure() {
  // Beast's own idle pings would keep a timer armed for every socket; the sweeper pings instead.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.control_callback([this](websocket::frame_type, beast::string_view) { heard = Clock::now(); });
  ws.read_message_max(kMaxFrameBytes);
  ws.auto_fragment(false);
  if (gw.options.permessage_deflate) {
    websocket::permessage_deflate deflate;
    deflate.server_enable = true;
    ws.set_option(deflate);
  }
}

void Socket::opened() {
  hub.sockets.insert(this);
  ++gw.sockets;
  auth_deadline = Clock::now() + gw.options.auth_timeout;
  heard = Clock::now();
  tokens = 2 * gw.options.messages_per_second;
  refilled = Clock::now();
  send(reply_frame("hello", nullptr, "",
                   bj::object{{"protocol", 1},
                              {"heartbeatSeconds", gw.options.idle_timeout.count() / 2},
                              {"authTimeoutSeconds", gw.options.auth_timeout.count()},
                              {"maxMessageBytes", kMaxFrameBytes},
                              {"maxBatch", kMaxBatch},
                              {"messagesPerSecond", gw.options.messages_per_second}}));
}

// The messages of a frame just read, or none when the frame is refused (with an error or a close).
std::vector<ClientMessage> Socket::read_frame(const beast::flat_buffer& in) {
  if (closing) return {};  // ignored: the socket is closing
  if (!ws.got_text()) {
    close(static_cast<std::uint16_t>(websocket::close_code::unknown_data), "binary frames are not accepted");
    return {};
  }
  if (!take_token()) {
    close(kRateLimited, "too many messages: at most " +
                            std::to_string(static_cast<int>(gw.options.messages_per_second)) + " per second");
    return {};
  }
  try {
    return parse_client_frame(
        std::string_view(static_cast<const char*>(in.cdata().data()), in.cdata().size()));
  } catch (const ApiError& e) {
    const bj::value* id = e.details().if_contains("id");
    send(error_frame(id ? *id : bj::value(nullptr), "", e));
    if (++invalid > kMaxInvalidMessages) {
      close(static_cast<std::uint16_t>(websocket::close_code::policy_error), "too many invalid messages");
    }
    return {};
  }
}

// Answers a frame's messages in order. A coroutine of its own, so that its frame exists only
// while there is something to answer, not for every idle socket.
asio::awaitable<void> Socket::dispatch(std::vector<ClientMessage> messages) {
  for (auto& m : messages) {
    try {
      co_await handle(m);
    } catch (const ApiError& e) {
      send(error_frame(m.id, m.ch, e));
    } catch (const std::exception& e) {
      log::warn("realtime request failed", {{"op", std::string(to_string(m.op))}, {"error", e.what()}});
      send(error_frame(m.id, m.ch, ApiError(503, "unavailable", "Try again shortly")));
    }
    if (closing || ended) break;
  }
}

asio::awaitable<void> sweep(LoopHub& hub, Gateway::Impl& gw, bool reports_presence) {
  for (int tick = 0;; ++tick) {
    hub.sweeper.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await hub.sweeper.async_wait(nothrow);
    if (ec) co_return;
    if (reports_presence && tick % 2 == 0) gw.presence_tick();
    const auto now = Clock::now();
    const int64_t unix_now = unix_seconds();
    const int64_t warn_s = gw.options.expiry_warning.count();
    for (Socket* s : hub.sockets) {
      if (s->closing) {
        if (now - s->closing_since > kCloseGrace) s->cut();
        continue;
      }
      // Heartbeat: a ping after half the idle timeout without a word from the peer, cut after all of it.
      const auto quiet = now - s->heard;
      if (quiet >= gw.options.idle_timeout) {
        s->cut();
        continue;
      }
      if (quiet >= gw.options.idle_timeout / 2 && s->pinged < s->heard && !s->pinging) s->ping();
      if (!s->claims) {
        if (now > s->auth_deadline) s->close(kAuthTimeout, "no valid auth in time");
        continue;
      }
      if (unix_now >= s->claims->expires_at) {
        s->close(kTokenExpired, "access token expired: reconnect with a fresh one");
      } else if (!s->expiry_warned && s->claims->expires_at - unix_now <= warn_s) {
        s->expiry_warned = true;
        s->send(reply_frame("auth.expiring", nullptr, "",
                            bj::object{{"expiresAt", rfc3339(s->claims->expires_at)}}));
      }
    }
  }
}

asio::awaitable<void> refuse(beast::tcp_stream stream, http::Request req, ApiError error) {
  http::Response res = http::error_response(error);
  res.version(req.version());
  res.keep_alive(false);
  res.prepare_payload();
  stream.expires_after(std::chrono::seconds(5));
  co_await http::bhttp::async_write(stream, res, nothrow);
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace

bool Gateway::Impl::origin_allowed(const http::Request& req) const {
  const auto origin = req[http::bhttp::field::origin];
  if (origin.empty()) return true;  // not a browser: browsers always send it on WebSocket requests
  for (const auto& allowed : options.allowed_origins) {
    if (allowed == "*" || beast::iequals(allowed, origin)) return true;
  }
  const auto scheme_end = origin.find("://");
  const auto host = req[http::bhttp::field::host];
  return scheme_end != beast::string_view::npos && !host.empty() &&
         beast::iequals(origin.substr(scheme_end + 3), host);
}

Gateway::Gateway(GatewayOptions options, const JwtCodec& jwt, http::SessionGate* sessions,
                 ChannelAuthorizer& authorizer, const std::vector<asio::any_io_executor>& loops)
    : impl_(std::make_unique<Impl>(std::move(options), jwt, sessions, authorizer)) {
  for (auto& ex : loops) {
    impl_->hubs.push_back(std::make_unique<LoopHub>(ex));
    asio::co_spawn(ex, sweep(*impl_->hubs.back(), *impl_, impl_->hubs.size() == 1), asio::detached);
  }
}

Gateway::~Gateway() = default;

bool Gateway::wants(const http::Request& head) const {
  const auto target = head.target();
  const auto path = target.substr(0, target.find('?'));
  return path == "/ws" && websocket::is_upgrade(head);
}

// Not a coroutine: it picks the one that serves the connection, so that an open socket holds a
// single coroutine frame (Socket::serve). The HTTP read buffer and the peer's address are freed
// on return: RFC 6455 §4.1 has a client send frames only after the server's answer, so nothing
// past the request's headers can be in `buffer` from a conforming client.
asio::awaitable<void> Gateway::take(beast::tcp_stream stream, beast::flat_buffer buffer,
                                    http::Request request, std::string peer_address, const http::Loop& loop) {
  (void)buffer;
  (void)peer_address;
  LoopHub& hub = *impl_->hubs.at(loop.index);
  if (!impl_->origin_allowed(request)) {
    return refuse(std::move(stream), std::move(request),
                  ApiError(403, "origin_not_allowed", "This origin may not open a socket here"));
  }
  if (hub.draining) {
    return refuse(std::move(stream), std::move(request),
                  ApiError(503, "unavailable", "This node is shutting down; reconnect"));
  }
  return Socket::serve(std::make_shared<Socket>(adopt(stream.release_socket(), hub.ex), hub, *impl_, loop),
                       std::move(request));
}

void Gateway::Impl::deliver_local(const std::string& channel, const Offset& offset, const Frame& frame) {
  for (std::size_t i = 0; i < hubs.size(); ++i) {
    // Each loop gets its own copy of the frame: every socket's queue holds a reference to it, and
    // one reference count shared by loops on different cores would bounce between them 10,000
    // times a message.
    auto message = std::make_shared<const ChannelMessage>(
        ChannelMessage{channel, offset, i + 1 == hubs.size() ? frame : frame_of(std::string(*frame))});
    asio::post(hubs[i]->ex, [h = hubs[i].get(), message = std::move(message)] {
      const auto it = h->channels.find(message->channel);
      if (it == h->channels.end()) return;
      // deliver() never changes the list (a slow consumer's close happens later, on the loop).
      for (const ChannelListener& l : it->second) l.socket->deliver(*l.sub, message);
    });
  }
}

void Gateway::Impl::deliver_ephemeral_local(const std::string& channel, const Frame& frame) {
  for (auto& hub : hubs) {
    asio::post(hub->ex, [h = hub.get(), channel, frame] {
      const auto it = h->channels.find(channel);
      if (it == h->channels.end()) return;
      for (const ChannelListener& l : it->second) l.socket->deliver_ephemeral(*l.sub, frame);
    });
  }
}

void Gateway::Impl::access_changed_local(const std::string& user) {
  for (auto& hub : hubs) {
    asio::post(hub->ex, [h = hub.get(), user] {
      for (Socket* s : h->sockets) {
        if (!s->claims || s->claims->user_id != user || s->ended) continue;
        asio::co_spawn(h->ex, Socket::recheck(s->shared_from_this()), asio::detached);
      }
    });
  }
}

void Gateway::Impl::presence_tick() {
  std::vector<std::pair<std::string, int>> local;
  {
    std::lock_guard lock(presence_mutex);
    for (auto it = presence.begin(); it != presence.end();) {
      local.emplace_back(it->first, it->second);
      it = it->second == 0 ? presence.erase(it) : std::next(it);
    }
  }
  if (!bus) {
    for (const auto& [channel, n] : local) report_presence(channel, n);
    return;
  }
  // Each node keeps its count in the channel's hash with a deadline; a node that stops refreshing
  // (crashed) no longer counts once its deadline passes, and the whole key expires when every node
  // has gone.
  const int64_t now = unix_ms();
  const std::string deadline = std::to_string(now + kPresenceTtl.count());
  for (const auto& [channel, n] : local) {
    std::string key = "mc:presence:" + channel;
    if (n > 0) {
      bus->command({"HSET", key, node_id, std::to_string(n) + ":" + deadline});
    } else {
      bus->command({"HDEL", key, node_id});
    }
    bus->command({"PEXPIRE", key, std::to_string(2 * kPresenceTtl.count())});
    bus->command({"HGETALL", key}, [this, channel = channel, key](bool ok, std::vector<std::string> items) {
      if (!ok) return;
      int total = 0;
      const int64_t at = unix_ms();
      for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        const auto colon = items[i + 1].find(':');
        if (colon == std::string::npos) continue;
        if (std::stoll(items[i + 1].substr(colon + 1)) > at) {
          total += std::stoi(items[i + 1].substr(0, colon));
        } else {
          bus->command({"HDEL", key, items[i]});
        }
      }
      report_presence(channel, total);
    });
  }
}

void Gateway::Impl::report_presence(const std::string& channel, int total) {
  {
    std::lock_guard lock(presence_mutex);
    const bool here = presence.contains(channel);
    auto it = presence_total.find(channel);
    if (it != presence_total.end() && it->second == total) {
      if (!here) presence_total.erase(it);
      return;
    }
    if (here) {
      presence_total[channel] = total;
    } else if (it != presence_total.end()) {
      presence_total.erase(it);
    }
  }
  deliver_ephemeral_local(channel,
                          frame_of(ephemeral_frame(channel, "presence", bj::object{{"listeners", total}})));
  if (presence_observer) presence_observer(channel, total);
}

void Gateway::Impl::session_event_local(std::string_view topic, std::string_view payload_json) {
  const bool revoked = topic == "session.revoked";
  boost::system::error_code ec;
  const bj::value payload = bj::parse(payload_json, ec);
  if (ec || !payload.is_object()) return;
  auto text = [&payload](const char* key) {
    const auto* v = payload.get_object().if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (topic == "subscription.changed") {
    if (const std::string fan = text("fanId"); !fan.empty()) access_changed_local(fan);
    return;
  }
  const std::string user = text("userId");
  const std::string session = text(revoked ? "sessionId" : "keptSessionId");
  if (user.empty() || (revoked && session.empty())) return;
  for (auto& hub : hubs) {
    asio::post(hub->ex, [h = hub.get(), user, session, revoked] {
      for (Socket* s : h->sockets) {
        if (!s->claims || s->claims->user_id != user) continue;
        const bool same = s->claims->session_id == session;
        if (revoked ? same : !same) s->close(kSessionEnded, "the session has ended: sign in again");
      }
    });
  }
}

void Gateway::publish(const events::Event& event) {
  if (!event.channel.empty()) {
    auto offset = parse_offset(event.xid + "-" + std::to_string(event.id));
    if (!offset) return;
    std::string frame = event_frame(event.channel, *offset, event.topic, event.payload);
    if (impl_->bus) {
      // "<offset>\n<frame>": receivers deliver the frame as it is, ordered by the offset.
      impl_->bus->publish(redis_channel(event.channel), offset->str() + "\n" + frame);
    } else {
      impl_->deliver_local(event.channel, *offset, frame_of(std::move(frame)));
    }
    return;
  }
  // A membership change: the fan's sockets check their channels again (party tiers).
  if (event.topic == "subscription.changed") {
    if (impl_->bus) {
      impl_->bus->publish(std::string(kRedisSessions), event.topic + "\n" + event.payload);
    } else {
      boost::system::error_code ec;
      const bj::value payload = bj::parse(event.payload, ec);
      const auto* fan = !ec && payload.is_object() ? payload.get_object().if_contains("fanId") : nullptr;
      if (fan && fan->is_string()) impl_->access_changed_local(std::string(fan->get_string()));
    }
    return;
  }
  // The end of a session closes its sockets on every node within the relay's delay.
  if (event.topic != "session.revoked" && event.topic != "user.password_reset" &&
      event.topic != "user.password_changed") {
    return;
  }
  if (impl_->bus) {
    impl_->bus->publish(std::string(kRedisSessions), event.topic + "\n" + event.payload);
  } else {
    impl_->session_event_local(event.topic, event.payload);
  }
}

void Gateway::use_redis(cache::RedisPubSub& bus) {
  impl_->bus = &bus;
  bus.subscribe(std::string(kRedisSessions));
  bus.on_resubscribed([impl = impl_.get()](const std::string& redis_name) {
    if (!redis_name.starts_with("mc:ch:")) return;
    const std::string name = redis_name.substr(6);
    for (auto& hub : impl->hubs) {
      asio::post(hub->ex, [h = hub.get(), name] {
        const auto it = h->channels.find(name);
        if (it == h->channels.end()) return;
        for (const ChannelListener& l : it->second) {
          asio::co_spawn(h->ex, Socket::catch_up(l.socket->shared_from_this(), name), asio::detached);
        }
      });
    }
  });
}

void Gateway::redis_message(std::string_view redis_name, std::string_view payload) {
  Impl& impl = *impl_;
  const auto newline = payload.find('\n');
  if (newline == std::string_view::npos) return;
  if (redis_name == kRedisSessions) {
    impl.session_event_local(payload.substr(0, newline), payload.substr(newline + 1));
    return;
  }
  if (!redis_name.starts_with("mc:ch:")) return;
  if (payload.substr(0, newline) == "-") {
    impl.deliver_ephemeral_local(std::string(redis_name.substr(6)),
                                 frame_of(std::string(payload.substr(newline + 1))));
    return;
  }
  const auto offset = parse_offset(payload.substr(0, newline));
  if (!offset) return;
  impl.deliver_local(std::string(redis_name.substr(6)), *offset,
                     frame_of(std::string(payload.substr(newline + 1))));
}

void Gateway::begin_drain() {
  for (auto& hub : impl_->hubs) {
    asio::post(hub->ex, [h = hub.get()] {
      h->draining = true;
      for (Socket* s : h->sockets) {
        s->send(reply_frame("reconnect", nullptr, "", bj::object{{"reason", "this node is shutting down"}}));
        s->close(static_cast<std::uint16_t>(websocket::close_code::service_restart), "node shutting down");
      }
    });
  }
}

int Gateway::listeners(const std::string& channel) const {
  std::lock_guard lock(impl_->presence_mutex);
  const auto here = impl_->presence.find(channel);
  const int local = here == impl_->presence.end() ? 0 : here->second;
  const auto total = impl_->presence_total.find(channel);
  return total == impl_->presence_total.end() ? local : std::max(local, total->second);
}

void Gateway::on_presence(std::function<void(const std::string&, int)> observer) {
  impl_->presence_observer = std::move(observer);
}

GatewayStats Gateway::stats() const {
  return GatewayStats{impl_->sockets.load(), impl_->subscriptions.load()};
}

}  // namespace mc::realtime
