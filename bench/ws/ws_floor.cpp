// The fan-out floor of this machine (bench/ws/run.sh, side `floor`): the least work any server can
// do to deliver one message to N listening TCP connections, measured in the same run as our
// gateway and Socket.IO, with the same listeners, publisher and CPU accounting.
//
//   ws_floor --port P [--threads W] [--size BYTES]
//
// Every accepted connection is a listener, except one that sends an HTTP request: `POST <any>`
// whose body holds "mcb:<unix µs>" (what `ws_load publish` sends). For each such request the
// server builds ONE WebSocket text frame of --size bytes carrying that stamp and writes it to every
// listener with one non-blocking send(), from W threads (one per core by default, like the
// gateway's event loops). No handshake, no authentication, no channels, no queue, no JSON per
// listener: what remains is the kernel's cost of one TCP segment per listener on loopback, plus a
// loop over file descriptors. A send that would block is counted, not retried (the floor has no
// queue; a run where it is not zero says so on stderr).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::string_view kMarker = "mcb:";

std::string arg(int argc, char** argv, std::string_view name, std::string fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == std::string("--") + std::string(name)) return argv[i + 1];
  }
  return fallback;
}

// One unmasked WebSocket text frame (RFC 6455 §5.2, server to client) of `size` bytes in all,
// carrying the stamp in a JSON payload shaped like a channel event.
std::string frame_with(std::string_view stamp, std::size_t size) {
  std::string payload = R"({"op":"event","ch":"bench","data":{"text":")" + std::string(kMarker) +
                        std::string(stamp) + R"("},"pad":")";
  const std::size_t header = size < 128 ? 2 : 4;  // 7-bit length, or 126 and a 16-bit length
  const std::size_t want = size > header + payload.size() + 2 ? size - header - 2 : payload.size();
  payload.resize(want, 'x');
  payload += "\"}";
  std::string frame;
  frame.push_back(static_cast<char>(0x81));  // FIN, text
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(payload.size()));
  } else {
    frame.push_back(static_cast<char>(126));
    frame.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  }
  return frame + payload;
}

// The senders: each owns a share of the listeners and writes every published frame to them in
// order. The accepting thread adds listeners; frames are appended to a shared list.
struct Senders {
  struct Share {
    std::mutex m;
    std::vector<int> fds;
  };
  std::vector<std::unique_ptr<Share>> shares;
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::shared_ptr<const std::string>> frames;  // every frame published, in order
  std::atomic<long> sent{0}, would_block{0}, failed{0};
  std::size_t next_share = 0;

  void add(int fd) {
    Share& s = *shares[next_share++ % shares.size()];
    std::lock_guard lock(s.m);
    s.fds.push_back(fd);
  }
  // A connection that turned out to be a publisher: it gets no frames.
  void remove(int fd) {
    for (auto& share : shares) {
      std::lock_guard lock(share->m);
      std::erase(share->fds, fd);
    }
  }
  void publish(std::string frame) {
    {
      std::lock_guard lock(m);
      frames.push_back(std::make_shared<const std::string>(std::move(frame)));
    }
    cv.notify_all();
  }
  void run(std::size_t index) {
    Share& share = *shares[index];
    std::size_t done = 0;
    for (;;) {
      std::shared_ptr<const std::string> frame;
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return frames.size() > done; });
        frame = frames[done++];
      }
      std::lock_guard lock(share.m);
      long ok = 0, blocked = 0, bad = 0;
      for (const int fd : share.fds) {
        const ssize_t n = ::send(fd, frame->data(), frame->size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(frame->size())) {
          ++ok;
        } else if (n >= 0 || errno == EAGAIN) {
          ++blocked;
        } else {
          ++bad;
        }
      }
      sent += ok;
      would_block += blocked;
      failed += bad;
    }
  }
};

// Takes every whole HTTP/1.1 request off the front of `in` (what a publisher's keep-alive
// connection sent so far); returns the stamps they carried, one per request ("" for none).
std::vector<std::string> take_requests(std::string& in) {
  std::vector<std::string> stamps;
  for (;;) {
    const auto end = in.find("\r\n\r\n");
    if (end == std::string::npos) return stamps;
    std::size_t length = 0;
    const std::string_view head(in.data(), end);
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2)) {
      std::string line(head.substr(at + 2, head.find("\r\n", at + 2) - at - 2));
      for (auto& c : line) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (line.starts_with("content-length:")) length = std::strtoul(line.c_str() + 15, nullptr, 10);
    }
    if (in.size() < end + 4 + length) return stamps;
    const std::string_view body(in.data() + end + 4, length);
    std::string stamp;
    if (const auto at = body.find(kMarker); at != std::string_view::npos) {
      for (std::size_t i = at + kMarker.size(); i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i) {
        stamp.push_back(body[i]);
      }
    }
    stamps.push_back(stamp);
    in.erase(0, end + 4 + length);
  }
}

}  // namespace

int main(int argc, char** argv) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  std::signal(SIGPIPE, SIG_IGN);

  const int port = std::stoi(arg(argc, argv, "port", "28307"));
  unsigned threads = static_cast<unsigned>(std::stoul(arg(argc, argv, "threads", "0")));
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  const std::size_t size = std::stoul(arg(argc, argv, "size", "300"));

  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 4096) != 0) {
    std::perror("ws_floor: listen");
    return 2;
  }

  Senders senders;
  for (unsigned i = 0; i < threads; ++i) senders.shares.push_back(std::make_unique<Senders::Share>());
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < threads; ++i) workers.emplace_back([&senders, i] { senders.run(i); });

  const int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, std::string> publishers;  // descriptor -> bytes of an unfinished request
  std::cerr << "ws_floor: listening on 127.0.0.1:" << port << ", " << threads << " sender threads, " << size
            << "-byte frames\n";
  const std::string published =
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
  const std::string refused =
      "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 34\r\n\r\n"
      "the body carries no mcb:<unix us>\n";
  std::vector<epoll_event> events(256);
  long reported = 0;
  char buf[65536];
  for (;;) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
    for (int k = 0; k < n; ++k) {
      const int fd = events[static_cast<std::size_t>(k)].data.fd;
      if (fd == listener) {
        for (int c; (c = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          senders.add(c);  // a listener until it sends a request
        }
        continue;
      }
      const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
      if (got <= 0) {
        // Gone. Its descriptor stays open until the process ends, so that no sender thread ever
        // writes to a number the kernel has given to a new connection.
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        continue;
      }
      const auto [it, first] = publishers.try_emplace(fd);
      if (first) senders.remove(fd);
      it->second.append(buf, static_cast<std::size_t>(got));
      for (const auto& stamp : take_requests(it->second)) {
        if (!stamp.empty()) senders.publish(frame_with(stamp, size));
        const std::string& reply = stamp.empty() ? refused : published;
        (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
    }
    if (const long blocked = senders.would_block.load(); blocked != reported) {
      reported = blocked;
      std::cerr << "ws_floor: " << blocked << " sends would have blocked (no queue: not delivered)\n";
    }
  }
}
