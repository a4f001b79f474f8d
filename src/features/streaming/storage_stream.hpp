#pragma once
#include <cstdint>
#include <string>

#include "http/body_stream.hpp"
#include "media/storage.hpp"

namespace mc::streaming {

// Bytes [first, first + length) of a storage object as a response body, read one ranged request
// of at most `piece` bytes at a time (off the event loop) as the client takes them, so an object of
// any size costs one piece of memory per response. For storage without local files (S3); local
// files go out with sendfile instead.
class StorageStream final : public http::BodyStream {
 public:
  StorageStream(media::Storage& storage, std::string key, std::uint64_t first, std::uint64_t length,
                std::uint64_t piece)
      : storage_(storage), key_(std::move(key)), first_(first), length_(length), piece_(piece) {}

  std::uint64_t size() const override { return length_; }
  boost::asio::awaitable<std::string> next() override;

  // Reads the first piece now, before the response's headers are written: an object removed since
  // it was found (a rendition pruned by a newer media version) throws media::StorageNotFound here,
  // to be answered 404, rather than closing the connection after a 200.
  boost::asio::awaitable<void> prime();

 private:
  boost::asio::awaitable<std::string> read_piece();

  std::string first_piece_;
  media::Storage& storage_;
  std::string key_;
  std::uint64_t first_, length_, piece_;
  std::uint64_t sent_ = 0;
};

}  // namespace mc::streaming
