#include "http/server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "core/log.hpp"
#include "core/trace_executor.hpp"
#include "core/unique_fd.hpp"
#include "http/response.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <limits>

namespace mc::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = std::size_t{16} * 1024;

// Bodies up to this size travel in the same buffer as the headers; larger ones (segments) are
// written from the response itself, without a copy.
constexpr std::size_t kInlineBody = std::size_t{16} * 1024;

// One contiguous write per response: cheaper than Beast's generic serializer for the small,
// fully-buffered responses this server sends. Large bodies are left out (see kInlineBody), and so
// is every body in an answer to HEAD.
void serialize(const Response& res, std::string& out, bool head) {
  out.clear();
  const bool inline_body = !head && res.body().size() <= kInlineBody;
  out.reserve(256 + (inline_body ? res.body().size() : 0));
  out.append("HTTP/1.1 ");
  out.append(std::to_string(res.result_int()));
  out.push_back(' ');
  const auto reason = res.reason();
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  for (const auto& field : res) {
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size());
    out.append(": ");
    out.append(value.data(), value.size());
    out.append("\r\n");
  }
  out.append("\r\n");
  if (inline_body) out.append(res.body());
}

struct FileSlice {
  std::string path;
  std::uint64_t offset = 0, length = 0;
  UniqueFd fd;  // opened before the headers are written (open_send_file)
};

// Opens the file before anything is written: once open it stays readable even if it is removed
// (a rendition pruned by a newer media version), and a file already gone is answered 404 instead
// of headers promising bytes that never come.
bool open_send_file(FileSlice& f) {
  f.fd = UniqueFd(::open(f.path.c_str(), O_RDONLY | O_CLOEXEC));
  return static_cast<bool>(f.fd);
}

// The file a handler asked to send (kSendFileHeader), removing the marker from the response.
std::optional<FileSlice> take_send_file(Response& res) {
  const auto it = res.find(kSendFileHeader);
  if (it == res.end()) return std::nullopt;
  const std::string value(it->value());
  res.erase(it);
  FileSlice f;
  std::size_t used = 0;
  const auto sp1 = value.find(' ');
  const auto sp2 = value.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return std::nullopt;
  f.offset = std::stoull(value.substr(0, sp1), &used);
  f.length = std::stoull(value.substr(sp1 + 1, sp2 - sp1 - 1), &used);
  f.path = value.substr(sp2 + 1);
  return f;
}

// Sends a file slice after the headers with sendfile(2): the bytes go from the page cache to the
// socket without passing through this process, as a static file server does.
asio::awaitable<bool> send_file(beast::tcp_stream& stream, const FileSlice& f, std::chrono::seconds timeout) {
  const int fd = f.fd.get();
  auto& socket = stream.socket();
  boost::system::error_code ec;
  socket.native_non_blocking(true, ec);
  off_t offset = static_cast<off_t>(f.offset);
  std::uint64_t left = f.length;
  bool ok = !ec;
  while (ok && left > 0) {
    const ssize_t n = ::sendfile(socket.native_handle(), fd, &offset,
                                 static_cast<std::size_t>(std::min<std::uint64_t>(left, 1u << 30)));
    if (n > 0) {
      left -= static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      stream.expires_after(timeout);
      auto [wait_ec] = co_await socket.async_wait(tcp::socket::wait_write, nothrow);
      if (wait_ec) ok = false;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    ok = false;  // the file shrank (n == 0) or the peer went away
  }
  co_return ok;  // the descriptor closes with the slice
}

// Sends a streamed body after the headers, one piece at a time: the next piece is produced only
// once the previous one is in the socket, so a slow reader holds one piece, not the whole body.
asio::awaitable<bool> send_stream(beast::tcp_stream& stream, BodyStream& body, std::chrono::seconds timeout) {
  std::uint64_t left = body.size();
  while (left > 0) {
    std::string piece;
    try {
      piece = co_await body.next();
    } catch (const std::exception& e) {
      log::warn("streamed response failed; closing the connection", {{"error", e.what()}});
      co_return false;
    }
    if (piece.empty() || piece.size() > left) {
      log::warn("streamed response does not match its length; closing the connection",
                {{"left", left}, {"piece", piece.size()}});
      co_return false;
    }
    stream.expires_after(timeout);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(piece), nothrow);
    if (ec) co_return false;
    left -= piece.size();
  }
  co_return true;
}

// After refusing a request whose body is still arriving: stop sending, then read and discard what
// the client is still writing for a short while, so it can finish and read our answer instead of
// hitting a reset. Bounded in bytes and time, like a web server's lingering close.
asio::awaitable<void> linger(beast::tcp_stream& stream) {
  constexpr std::size_t kMaxDrain = 8u << 20;
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::chrono::seconds(2));
  std::array<char, 16384> scratch;
  std::size_t drained = 0;
  while (drained < kMaxDrain) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), nothrow);
    if (ec) break;
    drained += n;
  }
}

struct SessionEntry {
  beast::tcp_stream* stream;
  bool busy = false;
};
}  // namespace

struct Server::LoopState {
  Loop loop;
  asio::io_context* io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::list<SessionEntry*> sessions;
  bool draining = false;
};

Server::Server(const Config& config, Pipeline& pipeline, std::vector<Loop> loops,
               std::vector<asio::io_context*> contexts, UpgradeHandler* upgrade)
    : config_(config), pipeline_(pipeline), upgrade_(upgrade) {
  for (std::size_t i = 0; i < loops.size(); ++i) {
    auto s = std::make_unique<LoopState>();
    s->loop = loops[i];
    s->io = contexts[i];
    loops_.push_back(std::move(s));
  }
}

Server::~Server() = default;

void Server::start() {
  const auto address = asio::ip::make_address(config_.host);
  uint16_t port = config_.port;
  for (auto& state : loops_) {
    auto acceptor = std::make_unique<tcp::acceptor>(*state->io);
    const tcp::endpoint ep(address, port);
    acceptor->open(ep.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    const int one = 1;
    if (setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      throw std::runtime_error("SO_REUSEPORT unavailable");
    }
    acceptor->bind(ep);
    acceptor->listen(asio::socket_base::max_listen_connections);
    port = acceptor->local_endpoint().port();  // PORT=0 picks one port, shared by every loop
    state->acceptor = std::move(acceptor);
    asio::co_spawn(*state->io, accept_loop(*state), asio::detached);
  }
  bound_port_ = port;
}

asio::awaitable<void> Server::accept_loop(LoopState& state) {
  while (!state.draining) {
    auto [ec, socket] = co_await state.acceptor->async_accept(nothrow);
    if (ec) {
      if (state.draining || ec == asio::error::operation_aborted) break;
      log::warn("accept failed", {{"error", ec.message()}});
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(trace::traced(state.io->get_executor()), session(std::move(socket), state),
                   asio::detached);
  }
}

void Server::begin_shutdown() {
  for (auto& s : loops_) {
    LoopState* state = s.get();
    asio::post(*state->io, [this, state] {
      state->draining = true;
      if (state->acceptor) {
        // Connections already in the backlog were made before we stopped: serve their request.
        boost::system::error_code ec;
        state->acceptor->non_blocking(true, ec);
        for (;;) {
          tcp::socket socket(*state->io);
          state->acceptor->accept(socket, ec);
          if (ec) break;
          asio::co_spawn(trace::traced(state->io->get_executor()), session(std::move(socket), *state),
                         asio::detached);
        }
        state->acceptor->close(ec);
      }
      // Idle keep-alive connections close now, unless a request is already waiting on them.
      for (SessionEntry* e : state->sessions) {
        boost::system::error_code ec;
        if (!e->busy && e->stream->socket().available(ec) == 0) e->stream->socket().cancel(ec);
      }
    });
  }
}

asio::awaitable<void> Server::session(tcp::socket socket, LoopState& state) {
  ++open_connections_;
  Peer peer;
  boost::system::error_code ec_ep;
  const auto remote = socket.remote_endpoint(ec_ep);
  if (!ec_ep) peer.address = remote.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  std::string out;  // the serialized response, reused across the connection's requests
  SessionEntry entry{&stream};
  state.sessions.push_back(&entry);
  const auto self = std::prev(state.sessions.end());

  // While draining, a connection still serves the request it already carries, then closes.
  for (bool first = true; first || !state.draining; first = false) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    // The route decides the body limit once the headers are in; until then, no limit.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    stream.expires_after(state.draining ? std::chrono::seconds(2) : config_.idle_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, nothrow);
    if (ec) {
      const auto& http_errors = bhttp::make_error_code(bhttp::error::end_of_stream).category();
      if (ec.category() == http_errors && ec != bhttp::error::end_of_stream &&
          ec != bhttp::error::partial_message) {
        const bool too_big = ec == bhttp::error::header_limit;
        Response res =
            pipeline_.refuse(parser.get(), peer,
                             too_big ? ApiError(431, "headers_too_large", "Request headers are too large")
                                     : ApiError(400, "bad_request", "Malformed HTTP request"));
        serialize(res, out, parser.get().method() == Verb::head);
        stream.expires_after(config_.read_timeout);
        co_await asio::async_write(stream, asio::buffer(out), nothrow);
        co_await linger(stream);
      }
      break;
    }
    entry.busy = true;
    if (upgrade_ && parser.is_done() && upgrade_->wants(parser.get())) {
      // The connection is the gateway's from now on (it still counts as open until it ends). It
      // goes on in a coroutine of its own, so this one's frame (parser, response, buffers: a few
      // KiB) is freed instead of being held for as long as the socket stays open.
      state.sessions.erase(self);
      asio::co_spawn(
          *state.io,
          upgrade_->take(std::move(stream), std::move(buffer), parser.release(), peer.address, state.loop),
          [this](const std::exception_ptr&) { --open_connections_; });
      co_return;
    }
    const Request& head = parser.get();
    // RFC 9110 §9.3.2: an answer to HEAD has the headers GET would have and never a body; a body
    // would be read as the start of the next response on this connection.
    const bool head_only = head.method() == Verb::head;
    // Requests without a body (most of them) need no body policy.
    const Pipeline::BodyPolicy policy =
        parser.is_done() ? Pipeline::BodyPolicy{} : pipeline_.body_policy(head.method(), head.target());
    const bool spool = policy.spool;
    const std::size_t limit = policy.limit;
    std::optional<ApiError> refusal;
    UploadGate::Ticket upload_ticket;  // the upload's place and spool bytes, while it lasts
    if (parser.content_length() && *parser.content_length() > limit) {
      refusal = ApiError(413, "payload_too_large", "Request body is too large");
    } else if (spool) {
      // A body without a declared length may still grow to the limit: reserve that.
      Pipeline::Admission admission =
          co_await pipeline_.admit_upload(head, peer, state.loop, parser.content_length().value_or(limit));
      refusal = std::move(admission.refusal);
      upload_ticket = std::move(admission.ticket);
    }
    if (refusal) {
      Response res = pipeline_.refuse(head, peer, *refusal);
      serialize(res, out, head_only);
      stream.expires_after(config_.read_timeout);
      co_await asio::async_write(stream, asio::buffer(out), nothrow);
      co_await linger(stream);
      break;
    }
    if (!parser.is_done() && beast::iequals(head[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream.expires_after(config_.read_timeout);
      auto [ec_c, n_c] = co_await asio::async_write(stream, asio::buffer(kContinue), nothrow);
      if (ec_c) break;
    }
    std::shared_ptr<UploadSpool> upload;
    std::optional<Request> spooled_request;
    boost::system::error_code read_ec;
    if (spool) {
      // The body goes to disk as it arrives; the handler sees the headers and the spool.
      bhttp::request_parser<SpoolBody> spool_parser(std::move(parser));
      spool_parser.body_limit(limit);
      upload = std::make_shared<UploadSpool>(config_.upload_tmp_dir);
      spool_parser.get().body() = upload;
      if (!spool_parser.is_done()) {
        stream.expires_after(config_.read_timeout);
        auto [ec2, n2] = co_await bhttp::async_read(stream, buffer, spool_parser, nothrow);
        read_ec = ec2;
      }
      spooled_request.emplace(std::move(spool_parser.get().base()));
    } else {
      parser.body_limit(limit);
      if (!parser.is_done()) {
        stream.expires_after(config_.read_timeout);
        auto [ec2, n2] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
        read_ec = ec2;
      }
    }
    if (read_ec) {
      // An unusable upload (malformed multipart) is answered as soon as the spool sees it, not
      // after reading the rest of a body that can be as large as the upload limit.
      refusal = upload ? upload->refusal() : std::nullopt;
      if (read_ec == bhttp::error::body_limit) {
        refusal = ApiError(413, "payload_too_large", "Request body is too large");
      }
      upload.reset();  // what was spooled goes before anyone hears of the refusal
      upload_ticket = UploadGate::Ticket{};
      if (refusal) {
        // The spooling branch moved the parser's headers into spooled_request.
        const Request& refused = spool ? *spooled_request : parser.get();  // NOLINT(bugprone-use-after-move)
        Response res = pipeline_.refuse(refused, peer, *refusal);
        serialize(res, out, head_only);
        co_await asio::async_write(stream, asio::buffer(out), nothrow);
        co_await linger(stream);
      }
      break;
    }
    Request req = spooled_request ? std::move(*spooled_request) : parser.release();
    std::shared_ptr<BodyStream> body_stream;
    Response res = co_await pipeline_.handle(req, peer, state.loop, upload.get(), &body_stream);
    upload.reset();  // whatever the handler did not take is removed now
    upload_ticket = UploadGate::Ticket{};
    res.keep_alive(req.keep_alive() && !state.draining && res.keep_alive());
    std::optional<FileSlice> file = take_send_file(res);
    if (file && !open_send_file(*file)) {
      const bool keep_alive = res.keep_alive();
      res = error_response(ApiError::not_found("No such media"));
      res.keep_alive(keep_alive);
      file.reset();
    }
    if (file) res.content_length(file->length);
    if (body_stream) res.content_length(body_stream->size());
    if (head_only) {  // the length, never the bytes
      file.reset();
      body_stream.reset();
    }
    serialize(res, out, head_only);
    stream.expires_after(config_.read_timeout);
    boost::system::error_code ec3;
    // Headers followed by a file: hand them to the kernel with MSG_MORE so they leave in the same
    // packets as the file's first bytes (falls back to a normal write if the socket is full).
    std::size_t head_sent = 0;
    if (file) {
      boost::system::error_code nb;
      stream.socket().native_non_blocking(true, nb);
      const ssize_t n =
          nb ? -1 : ::send(stream.socket().native_handle(), out.data(), out.size(), MSG_MORE | MSG_NOSIGNAL);
      if (n > 0) head_sent = static_cast<std::size_t>(n);
    }
    if (head_sent == out.size()) {
      // already on its way
    } else if (head_only || res.body().size() <= kInlineBody) {
      auto [e, n3] = co_await asio::async_write(
          stream, asio::buffer(out.data() + head_sent, out.size() - head_sent), nothrow);
      ec3 = e;
    } else {
      const std::array<asio::const_buffer, 2> parts{asio::buffer(out), asio::buffer(res.body())};
      auto [e, n3] = co_await asio::async_write(stream, parts, nothrow);
      ec3 = e;
    }
    bool sent_file = true;
    if (!ec3 && file) sent_file = co_await send_file(stream, *file, config_.read_timeout);
    if (!ec3 && body_stream) sent_file = co_await send_stream(stream, *body_stream, config_.read_timeout);
    body_stream.reset();
    entry.busy = false;
    if (ec3 || !sent_file || !res.keep_alive()) break;
  }
  state.sessions.erase(self);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  --open_connections_;
}

}  // namespace mc::http
