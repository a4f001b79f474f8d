// The /ws benchmark's load generator (bench/ws/run.sh). One thread, one process: run several of
// them to go past one process's 20,000 open files.
//
//   ws_load listen  [options]   open --count authenticated sockets, subscribe each to a channel,
//                               hold them, and record the delivery latency of every message that
//                               carries a timestamp ("mcb:<unix µs>") in its payload.
//   ws_load publish [options]   send --rate messages per second for --duration seconds, each
//                               stamped with the time it was due (open loop, up to --in-flight calls
//                               at once): an HTTP POST (as --count signed-in senders in turn,
//                               "{token}" in --header) or an SQL statement.
//
// Both print one JSON object on stdout (and to --out). Two wire protocols:
//   --proto mc   this server's /ws: hello, {"op":"auth"...}, {"op":"sub","ch":...} (docs/realtime.md)
//   --proto raw  bench/ws/ws_floor's bare TCP connections: connect, then only read (no handshake,
//                no sign-in); every "mcb:" stamp in the byte stream is one delivery.
//   --proto sio  Socket.IO 4 over its websocket transport (Engine.IO v4 framing): the peer under
//                bench/peers/node-socketio; the same token in the handshake's auth, a "sub" event
//                with an acknowledgement, "event" broadcasts.
// The client measures only what it sees (never the server's memory): sockets up, refusals and
// drops with their reasons, the time to connect them all, and the latency histogram.
#include <netinet/in.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <libpq-fe.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace bhttp = beast::http;
namespace bj = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kMarker = "mcb:";

int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- options ---------------------------------------------------------------------------------

struct Options {
  std::map<std::string, std::string> values;
  std::vector<std::string> headers;  // --header may repeat

  std::string str(const std::string& name, const std::string& fallback = "") const {
    const auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
  long num(const std::string& name, long fallback) const {
    const auto it = values.find(name);
    return it == values.end() ? fallback : std::stol(it->second);
  }
  double real(const std::string& name, double fallback) const {
    const auto it = values.find(name);
    return it == values.end() ? fallback : std::stod(it->second);
  }
};

Options parse_options(int argc, char** argv, int first) {
  Options o;
  for (int i = first; i < argc; ++i) {
    std::string key = argv[i];
    if (!key.starts_with("--") || i + 1 >= argc) throw std::invalid_argument("bad argument: " + key);
    key = key.substr(2);
    if (key == "header") {
      o.headers.emplace_back(argv[++i]);
    } else {
      o.values[key] = argv[++i];
    }
  }
  return o;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto end = s.find(sep, start);
    std::string item = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!item.empty()) out.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// ---- access tokens ---------------------------------------------------------------------------

std::string base64url(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

// The server's access token (src/core/jwt.cpp): HS256, kid = first 12 hex digits of SHA-256 of the
// secret (as the server derives it when JWT_KID is unset), claims sub/sid/role/iat/exp/iss.
struct TokenMinter {
  std::string secret;
  std::string kid;
  int64_t ttl_s = 7200;

  explicit TokenMinter(std::string s) : secret(std::move(s)) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 6; ++i) {
      kid += kHex[digest[i] >> 4];
      kid += kHex[digest[i] & 15];
    }
  }

  std::string mint(const std::string& user, const std::string& session) const {
    const int64_t now = unix_us() / 1000000;
    const bj::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", kid}};
    const bj::object payload{{"sub", user}, {"sid", session},     {"role", "fan"},
                             {"iat", now},  {"exp", now + ttl_s}, {"iss", "musicconnect"}};
    const std::string input = base64url(bj::serialize(header)) + "." + base64url(bj::serialize(payload));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
    return input + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
  }
};

struct Identity {
  std::string user;
  std::string session;
};

// "<user uuid> <session uuid>" per line (bench/ws/users.sql writes it).
std::vector<Identity> read_identities(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Identity> out;
  std::string user, session;
  while (in >> user >> session) out.push_back({user, session});
  if (out.empty()) throw std::runtime_error(path + " has no identities");
  return out;
}

// ---- latency histogram -----------------------------------------------------------------------

// Log-linear buckets: 1 µs wide below 1 ms, then about 1 % wide; mergeable across processes.
struct Histogram {
  std::map<int64_t, int64_t> buckets;  // bucket's upper bound (µs) -> count
  int64_t count = 0;
  int64_t max = 0;
  double sum = 0;

  static int64_t bound(int64_t v) {
    if (v < 1000) return std::max<int64_t>(v, 0);
    const double k = std::ceil(std::log(static_cast<double>(v)) / std::log(1.01));
    return static_cast<int64_t>(std::ceil(std::pow(1.01, k)));
  }
  void add(int64_t us) {
    ++buckets[bound(us)];
    ++count;
    max = std::max(max, us);
    sum += static_cast<double>(us);
  }
  int64_t percentile(double p) const {
    if (count == 0) return 0;
    const auto rank = static_cast<int64_t>(std::ceil(p / 100.0 * static_cast<double>(count)));
    int64_t seen = 0;
    for (const auto& [b, n] : buckets) {
      seen += n;
      if (seen >= rank) return std::min(b, max);
    }
    return max;
  }
  bj::object json() const {
    bj::array raw;
    for (const auto& [b, n] : buckets) raw.push_back(bj::array{b, n});
    return bj::object{{"count", count},
                      {"mean_us", count ? sum / static_cast<double>(count) : 0.0},
                      {"p50_us", percentile(50)},
                      {"p90_us", percentile(90)},
                      {"p99_us", percentile(99)},
                      {"p999_us", percentile(99.9)},
                      {"max_us", max},
                      {"buckets", std::move(raw)}};
  }
};

// The timestamp a message carries ("mcb:<unix µs>"), or -1.
int64_t stamp_of(std::string_view frame) {
  const auto at = frame.find(kMarker);
  if (at == std::string_view::npos) return -1;
  int64_t v = 0;
  std::size_t i = at + kMarker.size();
  bool digits = false;
  for (; i < frame.size() && frame[i] >= '0' && frame[i] <= '9'; ++i) {
    v = v * 10 + (frame[i] - '0');
    digits = true;
  }
  return digits ? v : -1;
}

// ---- listen ----------------------------------------------------------------------------------

struct ListenStats {
  int64_t requested = 0, connected = 0, ready = 0, dropped = 0;
  std::map<std::string, int64_t> failures;  // stage: reason -> count
  std::map<std::string, int64_t> drops;     // reason -> count
  Histogram latency;
  int64_t frames = 0;         // every frame received after ready (events, pings answered, ...)
  int64_t stamped_bytes = 0;  // bytes of the frames that carried a stamp (raw: of the stamps)
  double connect_seconds = 0;
  int64_t first_delivery_us = 0, last_delivery_us = 0;

  void fail(const std::string& stage, const std::string& reason) { ++failures[stage + ": " + reason]; }
};

struct Listener {
  Options opt;
  std::string proto;  // mc | sio
  std::string host;
  std::string port;
  std::vector<asio::ip::address> sources;
  std::vector<Identity> ids;
  std::unique_ptr<TokenMinter> minter;
  std::string channel_template;
  ListenStats stats;
  Clock::time_point started;
  std::size_t next = 0;
  std::size_t first = 0;
  std::size_t count = 0;
  std::vector<std::shared_ptr<websocket::stream<beast::tcp_stream>>> sockets;

  std::string channel_for(const Identity& id) const {
    return replace_all(channel_template, "{user}", id.user);
  }

  asio::awaitable<bool> open(websocket::stream<beast::tcp_stream>& ws, std::size_t i) {
    auto ex = co_await asio::this_coro::executor;
    auto& sock = beast::get_lowest_layer(ws).socket();
    const tcp::endpoint target(asio::ip::make_address(host), static_cast<unsigned short>(std::stoi(port)));
    boost::system::error_code ec;
    sock.open(tcp::v4(), ec);
    if (ec) {
      stats.fail("socket", ec.message());
      co_return false;
    }
    if (!sources.empty()) {
      // The kernel picks the source port at connect time, per 4-tuple: each source address has
      // its own ephemeral range.
      const int one = 1;
      setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sock.bind(tcp::endpoint(sources[i % sources.size()], 0), ec);
      if (ec) {
        stats.fail("bind", ec.message());
        co_return false;
      }
    }
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
    auto [cec] = co_await beast::get_lowest_layer(ws).async_connect(target, nothrow);
    if (cec) {
      stats.fail("connect", cec.message());
      co_return false;
    }
    ++stats.connected;
    beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
    (void)ex;
    co_return true;
  }

  asio::awaitable<std::string> read_text(websocket::stream<beast::tcp_stream>& ws, beast::flat_buffer& buf,
                                         boost::system::error_code& ec) {
    buf.clear();
    auto [rec, n] = co_await ws.async_read(buf, nothrow);
    ec = rec;
    if (rec) co_return std::string();
    co_return beast::buffers_to_string(buf.data());
  }

  // Connects, signs in and subscribes one socket; true when it is listening.
  asio::awaitable<bool> setup(websocket::stream<beast::tcp_stream>& ws, beast::flat_buffer& buf,
                              std::size_t i) {
    if (proto == "raw") {  // bench/ws/ws_floor: a bare TCP connection that only reads
      const bool opened = co_await open(ws, i);
      beast::get_lowest_layer(ws).expires_never();
      co_return opened;
    }
    const Identity& id = ids[(first + i) % ids.size()];
    if (!co_await open(ws, i)) co_return false;
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(bhttp::field::user_agent, "ws_load"); }));
    const std::string target = proto == "sio" ? "/socket.io/?EIO=4&transport=websocket" : "/ws";
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
    auto [hec] = co_await ws.async_handshake(host + ":" + port, target, nothrow);
    if (hec) {
      stats.fail("handshake", hec.message());
      co_return false;
    }
    const std::string token = minter->mint(id.user, id.session);
    const std::string channel = channel_for(id);
    boost::system::error_code ec;
    if (proto == "mc") {
      std::string hello = co_await read_text(ws, buf, ec);
      if (ec || hello.find("\"op\":\"hello\"") == std::string::npos) {
        stats.fail("hello", ec ? ec.message() : hello.substr(0, 120));
        co_return false;
      }
      const std::string auth =
          bj::serialize(bj::object{{"op", "auth"}, {"id", 1}, {"data", {{"token", token}}}});
      co_await ws.async_write(asio::buffer(auth), nothrow);
      std::string reply = co_await read_text(ws, buf, ec);
      if (ec || reply.find("\"op\":\"ok\"") == std::string::npos) {
        stats.fail("auth", ec ? ec.message() : reply.substr(0, 160));
        co_return false;
      }
      const std::string sub = bj::serialize(bj::object{{"op", "sub"}, {"id", 2}, {"ch", channel}});
      co_await ws.async_write(asio::buffer(sub), nothrow);
      reply = co_await read_text(ws, buf, ec);
      if (ec || reply.find("\"op\":\"ok\"") == std::string::npos) {
        stats.fail("sub", ec ? ec.message() : reply.substr(0, 160));
        co_return false;
      }
    } else {
      std::string open = co_await read_text(ws, buf, ec);  // 0{"sid":...}
      if (ec || open.empty() || open[0] != '0') {
        stats.fail("eio-open", ec ? ec.message() : open.substr(0, 120));
        co_return false;
      }
      const std::string connect = "40" + bj::serialize(bj::object{{"token", token}});
      co_await ws.async_write(asio::buffer(connect), nothrow);
      std::string reply = co_await read_text(ws, buf, ec);
      if (ec || !reply.starts_with("40")) {
        stats.fail("auth", ec ? ec.message() : reply.substr(0, 160));
        co_return false;
      }
      const std::string sub = "420" + bj::serialize(bj::array{"sub", channel});
      co_await ws.async_write(asio::buffer(sub), nothrow);
      for (;;) {  // a ping may come before the acknowledgement
        reply = co_await read_text(ws, buf, ec);
        if (ec) break;
        if (reply == "2") {
          co_await ws.async_write(asio::buffer(std::string_view("3")), nothrow);
          continue;
        }
        break;
      }
      if (ec || !reply.starts_with("430") || reply.find("\"ok\":true") == std::string::npos) {
        stats.fail("sub", ec ? ec.message() : reply.substr(0, 160));
        co_return false;
      }
    }
    beast::get_lowest_layer(ws).expires_never();
    co_return true;
  }

  void record(std::string_view frame) {
    ++stats.frames;
    const int64_t t = stamp_of(frame);
    if (t < 0) return;
    stats.stamped_bytes += static_cast<int64_t>(frame.size());
    const int64_t now = unix_us();
    if (stats.first_delivery_us == 0) stats.first_delivery_us = now;
    stats.last_delivery_us = now;
    stats.latency.add(now - t);
  }

  // The frames of ws_floor, read as bytes: every stamp in the stream is one delivery. A stamp cut
  // by a read is kept (from its marker on) and completed by the next read.
  static asio::awaitable<void> listen_raw(Listener& self,
                                          std::shared_ptr<websocket::stream<beast::tcp_stream>> ws) {
    std::string data;
    char chunk[16384];
    for (;;) {
      auto [ec, n] =
          co_await beast::get_lowest_layer(*ws).socket().async_read_some(asio::buffer(chunk), nothrow);
      if (ec) {
        ++self.stats.dropped;
        ++self.stats.drops[ec == asio::error::eof ? std::string("closed by the server") : ec.message()];
        co_return;
      }
      data.append(chunk, n);
      // Kept for the next read: a stamp whose digits may go on, else a marker cut short.
      std::size_t keep = data.size() - std::min(data.size(), kMarker.size() - 1);
      for (auto at = data.find(kMarker); at != std::string::npos;) {
        std::size_t end = at + kMarker.size();
        while (end < data.size() && data[end] >= '0' && data[end] <= '9') ++end;
        if (end == data.size()) {
          keep = at;
          break;
        }
        self.record(std::string_view(data).substr(at, end - at));
        keep = std::max(keep, end);
        at = data.find(kMarker, end);
      }
      data.erase(0, keep);
    }
  }

  static asio::awaitable<void> listen(Listener& self,
                                      std::shared_ptr<websocket::stream<beast::tcp_stream>> ws) {
    if (self.proto == "raw") {
      co_await listen_raw(self, std::move(ws));
      co_return;
    }
    beast::flat_buffer buf;
    for (;;) {
      buf.clear();
      auto [ec, n] = co_await ws->async_read(buf, nothrow);
      if (ec) {
        ++self.stats.dropped;
        std::string reason = ec.message();
        if (ec == websocket::error::closed) {
          reason =
              "closed " + std::to_string(ws->reason().code) + " " + std::string(ws->reason().reason.c_str());
        }
        ++self.stats.drops[reason];
        co_return;
      }
      const auto data = buf.cdata();
      const std::string_view frame(static_cast<const char*>(data.data()), data.size());
      if (self.proto == "sio" && frame == "2") {
        co_await ws->async_write(asio::buffer(std::string_view("3")), nothrow);
        continue;
      }
      self.record(frame);
      if (buf.capacity() > 8192) buf.shrink_to_fit();
    }
  }

  static asio::awaitable<void> opener(Listener& self, std::function<void()> on_done) {
    auto ex = co_await asio::this_coro::executor;
    while (self.next < self.count) {
      const std::size_t i = self.next++;
      auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(ex);
      beast::flat_buffer buf;
      if (co_await self.setup(*ws, buf, i)) {
        ++self.stats.ready;
        self.sockets.push_back(ws);
        asio::co_spawn(ex, listen(self, ws), asio::detached);
      }
    }
    on_done();
  }
};

void write_json(const Options& opt, const bj::object& out) {
  const std::string text = bj::serialize(out);
  std::cout << text << std::endl;
  if (const std::string path = opt.str("out"); !path.empty()) {
    std::ofstream f(path);
    f << text << "\n";
  }
}

int run_listen(const Options& opt) {
  // Use the whole open-files allowance (the hard limit) for sockets.
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);

  Listener l;
  l.opt = opt;
  l.proto = opt.str("proto", "mc");
  if (l.proto != "mc" && l.proto != "sio" && l.proto != "raw") {
    throw std::invalid_argument("--proto is mc, sio or raw");
  }
  l.host = opt.str("host", "127.0.0.1");
  l.port = opt.str("port", "8080");
  for (const auto& s : split(opt.str("src"), ',')) l.sources.push_back(asio::ip::make_address(s));
  if (l.proto != "raw") l.ids = read_identities(opt.str("users"));  // raw connections sign in as nobody
  l.minter = std::make_unique<TokenMinter>(opt.str("secret"));
  l.minter->ttl_s = opt.num("token-ttl", 7200);
  l.channel_template = opt.str("channel", "user:{user}");
  l.first = static_cast<std::size_t>(opt.num("from", 0));
  l.count = static_cast<std::size_t>(opt.num("count", 1000));
  l.stats.requested = static_cast<int64_t>(l.count);
  const long concurrency = opt.num("concurrency", 64);
  const long hold = opt.num("hold", 60);  // seconds after every socket is up (or given up)
  const std::string ready_file = opt.str("ready-file");

  asio::io_context io(1);
  l.started = Clock::now();
  long openers = concurrency;
  asio::steady_timer hold_timer(io);
  asio::steady_timer progress_timer(io);
  bool finished = false;
  auto finish = [&] {
    if (finished) return;
    finished = true;
    hold_timer.cancel();
    progress_timer.cancel();
    io.stop();
  };
  auto all_open = [&] {
    if (--openers > 0) return;
    l.stats.connect_seconds = std::chrono::duration<double>(Clock::now() - l.started).count();
    std::cerr << "ws_load: " << l.stats.ready << "/" << l.stats.requested << " listening after "
              << l.stats.connect_seconds << " s\n";
    if (!ready_file.empty()) {
      std::ofstream f(ready_file);
      f << l.stats.ready << "\n";
    }
    hold_timer.expires_after(std::chrono::seconds(hold));
    hold_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) finish();
    });
  };
  for (long k = 0; k < concurrency; ++k) asio::co_spawn(io, Listener::opener(l, all_open), asio::detached);
  // --progress-file: the number of stamped messages received so far, rewritten twice a second, so
  // the runner can wait for late deliveries instead of guessing.
  const std::string progress_file = opt.str("progress-file");
  std::function<void()> write_progress = [&] {
    progress_timer.expires_after(std::chrono::milliseconds(500));
    progress_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      {
        std::ofstream f(progress_file + ".tmp");
        f << l.stats.latency.count << "\n";
      }
      std::rename((progress_file + ".tmp").c_str(), progress_file.c_str());
      write_progress();
    });
  };
  if (!progress_file.empty()) write_progress();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) { finish(); });
  io.run();

  bj::object failures, drops;
  for (const auto& [k, v] : l.stats.failures) failures[k] = v;
  for (const auto& [k, v] : l.stats.drops) drops[k] = v;
  const int64_t still_open = l.stats.ready - l.stats.dropped;
  write_json(opt, bj::object{{"mode", "listen"},
                             {"proto", l.proto},
                             {"target", l.host + ":" + l.port},
                             {"channel", l.channel_template},
                             {"requested", l.stats.requested},
                             {"connected", l.stats.connected},
                             {"ready", l.stats.ready},
                             {"open_at_end", still_open},
                             {"dropped", l.stats.dropped},
                             {"failures", failures},
                             {"drops", drops},
                             {"connect_seconds", l.stats.connect_seconds},
                             {"frames", l.stats.frames},
                             {"stamped_bytes", l.stats.stamped_bytes},
                             {"first_delivery_us", l.stats.first_delivery_us},
                             {"last_delivery_us", l.stats.last_delivery_us},
                             {"latency", l.stats.latency.json()}});
  std::cout.flush();
  std::_Exit(0);  // the sockets close with the process
}

// ---- publish ---------------------------------------------------------------------------------

struct Publisher {
  virtual ~Publisher() = default;
  // Sends message number `i`, stamped `t`; returns "" or the reason it failed.
  virtual std::string send(int64_t t, std::size_t i) = 0;
};

// POST --url with --body, "{t}" replaced by the stamp; keep-alive, reconnects when needed.
struct HttpPublisher : Publisher {
  asio::io_context io;
  beast::tcp_stream stream{io};
  std::string host, port, target, body_template;
  std::vector<std::pair<std::string, std::string>> headers;
  bool open = false;

  HttpPublisher(const std::string& url, std::string body, const std::vector<std::string>& extra)
      : body_template(std::move(body)) {
    // http://host:port/path
    if (!url.starts_with("http://")) throw std::invalid_argument("--url must be http://host:port/path");
    const std::string rest = url.substr(7);
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    target = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    for (const auto& h : extra) {
      const auto c = h.find(':');
      if (c == std::string::npos) throw std::invalid_argument("--header is 'Name: value'");
      std::string value = h.substr(c + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      headers.emplace_back(h.substr(0, c), value);
    }
  }

  // Signed-in senders: "{token}" in a header is replaced by the access token of sender i % n, so
  // that they take turns whichever connection carries a message (a per-user rate limit, such as a
  // party's chat, then applies to each of them).
  std::vector<std::string> tokens;

  std::string send(int64_t t, std::size_t i) override {
    try {
      if (!open) {
        tcp::resolver resolver(io);
        stream.connect(resolver.resolve(host, port));
        stream.socket().set_option(tcp::no_delay(true));
        open = true;
      }
      bhttp::request<bhttp::string_body> req(bhttp::verb::post, target, 11);
      req.set(bhttp::field::host, host + ":" + port);
      req.set(bhttp::field::content_type, "application/json");
      const std::string token = tokens.empty() ? std::string() : tokens[i % tokens.size()];
      for (const auto& [k, v] : headers) req.set(k, replace_all(v, "{token}", token));
      req.body() = replace_all(body_template, "{t}", std::to_string(t));
      req.prepare_payload();
      bhttp::write(stream, req);
      beast::flat_buffer buf;
      bhttp::response<bhttp::string_body> res;
      bhttp::read(stream, buf, res);
      if (!res.keep_alive()) {
        stream.close();
        open = false;
      }
      if (res.result_int() / 100 != 2)
        return std::to_string(res.result_int()) + " " + res.body().substr(0, 200);
      return "";
    } catch (const std::exception& e) {
      boost::system::error_code ignored;
      stream.socket().close(ignored);
      open = false;
      return e.what();
    }
  }
};

// Runs --sql with "{t}" replaced by the stamp, on one libpq connection (--pg).
struct SqlPublisher : Publisher {
  PGconn* conn;
  std::string sql_template;
  SqlPublisher(const std::string& conninfo, std::string sql)
      : conn(PQconnectdb(conninfo.c_str())), sql_template(std::move(sql)) {
    if (PQstatus(conn) != CONNECTION_OK)
      throw std::runtime_error(std::string("libpq: ") + PQerrorMessage(conn));
  }
  ~SqlPublisher() override { PQfinish(conn); }
  std::string send(int64_t t, std::size_t /*i*/) override {
    const std::string sql = replace_all(sql_template, "{t}", std::to_string(t));
    PGresult* r = PQexec(conn, sql.c_str());
    std::string err;
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
      err = PQerrorMessage(conn);
    PQclear(r);
    return err;
  }
};

// Open loop, with coordinated omission accounted for: message i is due at a random moment of its
// own 1/rate slot (the rate is exact, the phase is not: a fixed period would lock onto the phase of
// anything periodic in the server, such as the outbox relay's 100 ms poll, and measure one point of
// it instead of its spread), and it is STAMPED WITH THAT DUE TIME. Up to --in-flight calls run at
// once, each on its own keep-alive connection, so a slow reply does not hold the next message
// back; if every connection is busy the message waits, and its wait counts in every listener's
// latency. (A publisher that stamps when it gets round to sending would hand a server that falls
// behind a lighter load and a better latency than one that keeps up.)
int run_publish(const Options& opt) {
  std::function<std::unique_ptr<Publisher>()> make;
  if (!opt.str("url").empty()) {
    std::vector<std::string> tokens;
    if (!opt.str("users").empty()) {
      const auto ids = read_identities(opt.str("users"));
      const TokenMinter minter(opt.str("secret"));
      const auto first = static_cast<std::size_t>(opt.num("from", 0));
      for (long i = 0; i < opt.num("count", 1); ++i) {
        const Identity& id = ids[(first + static_cast<std::size_t>(i)) % ids.size()];
        tokens.push_back(minter.mint(id.user, id.session));
      }
    }
    make = [&opt, tokens] {
      auto http = std::make_unique<HttpPublisher>(opt.str("url"), opt.str("body", R"({"text":"mcb:{t}"})"),
                                                  opt.headers);
      http->tokens = tokens;
      return http;
    };
  } else if (!opt.str("pg").empty()) {
    make = [&opt] { return std::make_unique<SqlPublisher>(opt.str("pg"), opt.str("sql")); };
  } else {
    throw std::invalid_argument("publish needs --url (HTTP POST) or --pg and --sql");
  }
  const double rate = opt.real("rate", 10);
  const double duration = opt.real("duration", 30);
  const auto in_flight = static_cast<std::size_t>(std::max(1L, opt.num("in-flight", 8)));
  const auto total = static_cast<int64_t>(std::llround(rate * duration));

  struct Due {
    std::size_t index;
    int64_t stamp;  // unix µs the message was due
  };
  std::mutex m;
  std::condition_variable cv;
  std::deque<Due> queue;
  bool closed = false;
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;
  Histogram call, late;  // the call itself; how long a due message waited for a free connection

  std::vector<std::thread> senders;
  for (std::size_t k = 0; k < in_flight; ++k) {
    senders.emplace_back([&, pub = make()] {
      for (;;) {
        Due due{};
        {
          std::unique_lock lock(m);
          cv.wait(lock, [&] { return closed || !queue.empty(); });
          if (queue.empty()) return;
          due = queue.front();
          queue.pop_front();
        }
        const int64_t sent_at = unix_us();
        const std::string err = pub->send(due.stamp, due.index);
        const int64_t done_at = unix_us();
        std::lock_guard lock(m);
        call.add(done_at - sent_at);
        late.add(sent_at - due.stamp);
        if (err.empty()) {
          ++ok;
        } else {
          ++errors[err.substr(0, 200)];
        }
      }
    });
  }

  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const auto start = Clock::now();
  const int64_t first_us = unix_us();
  std::mt19937_64 rng(static_cast<uint64_t>(opt.num("seed", 42)));
  std::uniform_real_distribution<double> phase(0.0, 1.0);
  for (int64_t i = 0; i < total; ++i) {
    const auto offset =
        std::chrono::duration_cast<Clock::duration>((static_cast<double>(i) + phase(rng)) * interval);
    std::this_thread::sleep_until(start + offset);
    {
      std::lock_guard lock(m);
      queue.push_back({static_cast<std::size_t>(i),
                       first_us + std::chrono::duration_cast<std::chrono::microseconds>(offset).count()});
    }
    cv.notify_one();
  }
  {
    std::lock_guard lock(m);
    closed = true;
  }
  cv.notify_all();
  for (auto& t : senders) t.join();

  bj::object errs;
  for (const auto& [k, v] : errors) errs[k] = v;
  write_json(opt, bj::object{{"mode", "publish"},
                             {"sent", total},
                             {"ok", ok},
                             {"errors", errs},
                             {"rate", rate},
                             {"in_flight", static_cast<int64_t>(in_flight)},
                             {"first_us", first_us},
                             {"last_us", unix_us()},
                             {"call_latency", call.json()},
                             {"send_delay", late.json()}});
  return ok == total ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) throw std::invalid_argument("usage: ws_load listen|publish [--option value]...");
    const std::string mode = argv[1];
    const Options opt = parse_options(argc, argv, 2);
    if (mode == "listen") return run_listen(opt);
    if (mode == "publish") return run_publish(opt);
    throw std::invalid_argument("unknown mode " + mode);
  } catch (const std::exception& e) {
    std::cerr << "ws_load: " << e.what() << "\n";
    return 2;
  }
}
