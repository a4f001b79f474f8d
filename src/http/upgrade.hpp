#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <string>

#include "http/context.hpp"
#include "http/types.hpp"

namespace mc::http {

// Takes over a connection whose request asks to switch protocols (the WebSocket gateway). The
// server reads the request's headers, asks `wants`, and if so hands over the stream, with whatever
// it has read past the headers, for good.
class UpgradeHandler {
 public:
  virtual ~UpgradeHandler() = default;
  virtual bool wants(const Request& head) const = 0;
  virtual boost::asio::awaitable<void> take(boost::beast::tcp_stream stream, boost::beast::flat_buffer buffer,
                                            Request request, std::string peer_address, const Loop& loop) = 0;
};

}  // namespace mc::http
