#include "cache/redis_pubsub.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <unordered_map>
#include <vector>

#include "core/log.hpp"

namespace mc::cache {
namespace asio = boost::asio;

std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string& error) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) {
    error = url.starts_with("rediss://")
                ? "rediss:// (TLS) is not supported by this build's hiredis; use a TLS sidecar"
                : "REDIS_URL must start with redis://";
    return std::nullopt;
  }
  url.remove_prefix(scheme.size());
  RedisEndpoint ep;
  if (const auto at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = url.substr(0, at);
    if (const auto colon = auth.find(':'); colon != std::string_view::npos) auth = auth.substr(colon + 1);
    ep.password = std::string(auth);
    url.remove_prefix(at + 1);
  }
  std::string_view hostport = url.substr(0, url.find('/'));
  if (const auto slash = url.find('/'); slash != std::string_view::npos) {
    const std::string_view db = url.substr(slash + 1);
    if (!db.empty()) {
      const auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), ep.db);
      if (ec != std::errc{} || p != db.data() + db.size() || ep.db < 0) {
        error = "REDIS_URL: the database must be a number";
        return std::nullopt;
      }
    }
  }
  if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = hostport.substr(colon + 1);
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), ep.port);
    if (ec != std::errc{} || p != port.data() + port.size() || ep.port < 1 || ep.port > 65535) {
      error = "REDIS_URL: the port must be 1-65535";
      return std::nullopt;
    }
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) {
    error = "REDIS_URL: a host is required";
    return std::nullopt;
  }
  ep.host = std::string(hostport);
  return ep;
}

namespace {
constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(5);
}  // namespace

// One hiredis asynchronous connection, its socket watched by Asio on the owner's executor.
struct Conn {
  RedisPubSub::Impl* owner = nullptr;
  bool subscriber = false;
  redisAsyncContext* ac = nullptr;
  std::unique_ptr<asio::posix::stream_descriptor> socket;
  std::shared_ptr<bool> live;  // cleared when hiredis frees the context: stale completions stop
  bool want_read = false, want_write = false, read_armed = false, write_armed = false;
  bool ready = false;
  std::chrono::milliseconds backoff = kMinBackoff;
  std::unique_ptr<asio::steady_timer> retry;

  void arm_read() {
    if (!want_read || read_armed || !socket) return;
    read_armed = true;
    socket->async_wait(asio::posix::stream_descriptor::wait_read,
                       [this, live = live](boost::system::error_code ec) {
                         if (!*live) return;
                         read_armed = false;
                         if (ec) return;
                         redisAsyncHandleRead(ac);
                         if (*live) arm_read();
                       });
  }
  void arm_write() {
    if (!want_write || write_armed || !socket) return;
    write_armed = true;
    socket->async_wait(asio::posix::stream_descriptor::wait_write,
                       [this, live = live](boost::system::error_code ec) {
                         if (!*live) return;
                         write_armed = false;
                         if (ec) return;
                         redisAsyncHandleWrite(ac);
                         if (*live) arm_write();
                       });
  }
  // hiredis frees the context (and closes its socket): forget both without closing the descriptor.
  void detach() {
    if (live) *live = false;
    if (socket) {
      boost::system::error_code ignored;
      socket->cancel(ignored);
      socket->release();
      socket.reset();
    }
    ac = nullptr;
    ready = false;
    want_read = want_write = read_armed = write_armed = false;
  }
};

struct RedisPubSub::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor e, RedisEndpoint ep, OnMessage m)
      : ex(std::move(e)), endpoint(std::move(ep)), on_message(std::move(m)) {}

  struct Wanted {
    unsigned refs = 0;
    bool active = false;
    bool confirmed_once = false;  // a later confirmation follows a reconnect
    std::vector<OnSubscribed> waiting;
  };

  asio::any_io_executor ex;
  RedisEndpoint endpoint;
  OnMessage on_message;
  OnSubscribed resubscribed;
  Conn pub, sub;
  std::unordered_map<std::string, Wanted> channels;
  bool stopping = false;
  bool ever_subscribed = false;
  std::atomic<bool> up{false};
  std::atomic<std::uint64_t> dropped{0};

  void connect(Conn& c);
  void schedule_reconnect(Conn& c);
  void on_connected(Conn& c);
  void send_subscribe(const std::string& channel);
  void handle_sub_reply(redisReply* r);
};

namespace {

Conn* conn_of(const redisAsyncContext* ac) {
  return static_cast<Conn*>(ac->data);
}

void add_read(void* p) {
  auto* c = static_cast<Conn*>(p);
  c->want_read = true;
  c->arm_read();
}
void del_read(void* p) {
  static_cast<Conn*>(p)->want_read = false;
}
void add_write(void* p) {
  auto* c = static_cast<Conn*>(p);
  c->want_write = true;
  c->arm_write();
}
void del_write(void* p) {
  static_cast<Conn*>(p)->want_write = false;
}
void cleanup(void* p) {
  static_cast<Conn*>(p)->detach();
}

void on_connect(const redisAsyncContext* ac, int status) {
  Conn* c = conn_of(ac);
  if (status != REDIS_OK) {
    log::warn("redis connection failed", {{"error", ac->errstr}});
    // hiredis frees the context after this callback (cleanup detaches it).
    c->owner->schedule_reconnect(*c);
    return;
  }
  c->owner->on_connected(*c);
}

void on_disconnect(const redisAsyncContext* ac, int status) {
  Conn* c = conn_of(ac);
  if (status != REDIS_OK) log::warn("redis connection lost", {{"error", ac->errstr}});
  c->ready = false;
  if (c->subscriber) {
    c->owner->up = false;
    for (auto& [name, w] : c->owner->channels) w.active = false;
  }
  c->owner->schedule_reconnect(*c);
}

void on_sub_reply(redisAsyncContext* ac, void* reply, void*) {
  if (!reply) return;  // the connection is going away
  conn_of(ac)->owner->handle_sub_reply(static_cast<redisReply*>(reply));
}

void on_auth_reply(redisAsyncContext* ac, void* reply, void*) {
  auto* r = static_cast<redisReply*>(reply);
  if (r && r->type == REDIS_REPLY_ERROR) {
    log::error("redis refused the password or database", {{"error", std::string(r->str, r->len)}});
    redisAsyncDisconnect(ac);
  }
}

void on_command_reply(redisAsyncContext*, void* reply, void* privdata) {
  // Owned here: hiredis calls back exactly once, with no reply when the connection goes away.
  std::unique_ptr<RedisPubSub::OnReply> done(static_cast<RedisPubSub::OnReply*>(privdata));
  auto* r = static_cast<redisReply*>(reply);
  std::vector<std::string> items;
  auto add = [&items](const redisReply* e) {
    if (e->type == REDIS_REPLY_STRING || e->type == REDIS_REPLY_STATUS) items.emplace_back(e->str, e->len);
    if (e->type == REDIS_REPLY_INTEGER) items.push_back(std::to_string(e->integer));
  };
  const bool ok = r && r->type != REDIS_REPLY_ERROR;
  if (ok && r->type == REDIS_REPLY_ARRAY) {
    for (std::size_t i = 0; i < r->elements; ++i) add(r->element[i]);
  } else if (ok) {
    add(r);
  }
  if (*done) (*done)(ok, std::move(items));
}

}  // namespace

void RedisPubSub::Impl::connect(Conn& c) {
  if (stopping) return;
  redisAsyncContext* ac = redisAsyncConnect(endpoint.host.c_str(), endpoint.port);
  if (!ac || ac->err) {
    log::warn("redis connect failed", {{"error", ac ? ac->errstr : "out of memory"}});
    if (ac) redisAsyncFree(ac);
    schedule_reconnect(c);
    return;
  }
  c.ac = ac;
  c.live = std::make_shared<bool>(true);
  c.socket = std::make_unique<asio::posix::stream_descriptor>(ex, ac->c.fd);
  ac->data = &c;
  ac->ev.data = &c;
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
  redisAsyncSetConnectCallback(ac, on_connect);  // arms the first write wait: the connect's end
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

void RedisPubSub::Impl::schedule_reconnect(Conn& c) {
  if (stopping) return;
  if (!c.retry) c.retry = std::make_unique<asio::steady_timer>(ex);
  c.retry->expires_after(c.backoff);
  c.backoff = std::min<std::chrono::milliseconds>(c.backoff * 2, kMaxBackoff);
  c.retry->async_wait([self = shared_from_this(), &c](boost::system::error_code ec) {
    if (!ec && !c.ac) self->connect(c);
  });
}

void RedisPubSub::Impl::on_connected(Conn& c) {
  c.backoff = kMinBackoff;
  if (!endpoint.password.empty()) {
    const char* argv[] = {"AUTH", endpoint.password.c_str()};
    redisAsyncCommandArgv(c.ac, on_auth_reply, nullptr, 2, argv, nullptr);
  }
  if (endpoint.db != 0 && !c.subscriber) {
    const std::string db = std::to_string(endpoint.db);
    const char* argv[] = {"SELECT", db.c_str()};
    redisAsyncCommandArgv(c.ac, on_auth_reply, nullptr, 2, argv, nullptr);
  }
  c.ready = true;
  if (!c.subscriber) return;
  up = true;
  for (const auto& [name, w] : channels) send_subscribe(name);
}

void RedisPubSub::Impl::send_subscribe(const std::string& channel) {
  if (!sub.ready) return;
  const char* argv[] = {"SUBSCRIBE", channel.c_str()};
  const size_t lens[] = {9, channel.size()};
  redisAsyncCommandArgv(sub.ac, on_sub_reply, nullptr, 2, argv, lens);
}

void RedisPubSub::Impl::handle_sub_reply(redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  const std::string_view kind(r->element[0]->str, r->element[0]->len);
  const std::string channel(r->element[1]->str, r->element[1]->len);
  if (kind == "message") {
    if (on_message) on_message(channel, std::string_view(r->element[2]->str, r->element[2]->len));
    return;
  }
  if (kind != "subscribe") return;
  const auto it = channels.find(channel);
  if (it == channels.end()) return;
  const bool again = it->second.confirmed_once;
  it->second.confirmed_once = true;
  it->second.active = true;
  auto waiting = std::move(it->second.waiting);
  it->second.waiting.clear();
  for (auto& fn : waiting) fn(channel);
  if (again && resubscribed) resubscribed(channel);
}

RedisPubSub::RedisPubSub(asio::any_io_executor executor, RedisEndpoint endpoint, OnMessage on_message)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(endpoint), std::move(on_message))) {
  impl_->pub.owner = impl_.get();
  impl_->sub.owner = impl_.get();
  impl_->sub.subscriber = true;
}

RedisPubSub::~RedisPubSub() {
  // stop() ran on the executor (or the executor is gone): free what hiredis still holds.
  for (Conn* c : {&impl_->pub, &impl_->sub}) {
    if (c->ac) redisAsyncFree(c->ac);
  }
}

void RedisPubSub::start() {
  asio::post(impl_->ex, [impl = impl_] {
    impl->connect(impl->pub);
    impl->connect(impl->sub);
  });
}

void RedisPubSub::stop() {
  asio::post(impl_->ex, [impl = impl_] {
    impl->stopping = true;
    for (Conn* c : {&impl->pub, &impl->sub}) {
      if (c->retry) c->retry->cancel();
      if (c->ac) redisAsyncDisconnect(c->ac);
    }
  });
}

void RedisPubSub::publish(std::string channel, std::string payload) {
  asio::post(impl_->ex, [impl = impl_, channel = std::move(channel), payload = std::move(payload)] {
    if (!impl->pub.ready) {
      ++impl->dropped;
      return;
    }
    const char* argv[] = {"PUBLISH", channel.c_str(), payload.data()};
    const size_t lens[] = {7, channel.size(), payload.size()};
    redisAsyncCommandArgv(impl->pub.ac, nullptr, nullptr, 3, argv, lens);
  });
}

void RedisPubSub::command(std::vector<std::string> args, OnReply on_reply) {
  asio::post(impl_->ex, [impl = impl_, args = std::move(args), on_reply = std::move(on_reply)]() mutable {
    if (!impl->pub.ready) {
      if (on_reply) on_reply(false, {});
      return;
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* done = new OnReply(std::move(on_reply));
    if (redisAsyncCommandArgv(impl->pub.ac, on_command_reply, done, static_cast<int>(argv.size()),
                              argv.data(), lens.data()) != REDIS_OK) {
      if (*done) (*done)(false, {});
      delete done;
    }
  });
}

void RedisPubSub::subscribe(const std::string& channel, OnSubscribed on_active) {
  asio::post(impl_->ex, [impl = impl_, channel, on_active = std::move(on_active)]() mutable {
    auto& w = impl->channels[channel];
    if (++w.refs > 1) {
      if (on_active) {
        if (w.active) {
          on_active(channel);
        } else {
          w.waiting.push_back(std::move(on_active));
        }
      }
      return;
    }
    if (on_active) w.waiting.push_back(std::move(on_active));
    impl->send_subscribe(channel);
  });
}

void RedisPubSub::unsubscribe(const std::string& channel) {
  asio::post(impl_->ex, [impl = impl_, channel] {
    const auto it = impl->channels.find(channel);
    if (it == impl->channels.end() || --it->second.refs > 0) return;
    impl->channels.erase(it);
    if (!impl->sub.ready) return;
    const char* argv[] = {"UNSUBSCRIBE", channel.c_str()};
    const size_t lens[] = {11, channel.size()};
    redisAsyncCommandArgv(impl->sub.ac, nullptr, nullptr, 2, argv, lens);
  });
}

void RedisPubSub::on_resubscribed(OnSubscribed fn) {
  asio::post(impl_->ex, [impl = impl_, fn = std::move(fn)]() mutable { impl->resubscribed = std::move(fn); });
}

bool RedisPubSub::connected() const {
  return impl_->up.load();
}
std::uint64_t RedisPubSub::dropped_publishes() const {
  return impl_->dropped.load();
}

}  // namespace mc::cache
