#include "features/streaming/storage_stream.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/offload.hpp"

namespace mc::streaming {

boost::asio::awaitable<std::string> StorageStream::next() {
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
