#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

namespace mc::http {

// A response body produced piece by piece while it is sent (an object read from remote storage),
// so that it never sits in memory whole. The handler sets the response's status and headers and
// leaves its body empty; the server sets Content-Length to size() and asks for the next piece only
// once the previous one was written, so a response holds at most one piece however slowly its
// client reads. next() returns the next piece, empty at the end, or throws: the connection is then
// closed, since the promised length can no longer be kept.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual std::uint64_t size() const = 0;
  virtual boost::asio::awaitable<std::string> next() = 0;
};

}  // namespace mc::http
