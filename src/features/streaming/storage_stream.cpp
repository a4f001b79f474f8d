#include "features/streaming/storage_stream.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/offload.hpp"

namespace mc::streaming {

boost::asio::awaitable<void> StorageStream::prime() {
  if (sent_ == 0 && first_piece_.empty()) first_piece_ = co_await read_piece();
}

boost::asio::awaitable<std::string> StorageStream::next() {
  if (!first_piece_.empty()) co_return std::exchange(first_piece_, std::string{});
  co_return co_await read_piece();
}

boost::asio::awaitable<std::string> StorageStream::read_piece() {
  if (sent_ >= length_) co_return std::string{};
  const media::ByteRange range{first_ + sent_, std::min(piece_, length_ - sent_)};
  auto read = [&storage = storage_, key = key_, range] { return storage.read(key, range); };
  std::string bytes = co_await offload(std::move(read));
  // Originals are immutable under their key: a short read means the object went away meanwhile.
  if (bytes.size() != range.length) throw std::runtime_error("storage object " + key_ + " ended early");
  sent_ += bytes.size();
  co_return bytes;
}

}  // namespace mc::streaming
