// The WebSocket gateway's reading of client text frames (realtime/protocol), channel names and
// offsets. Invariants: a frame is refused with an ApiError or read as 1 to 16 messages whose
// fields keep their limits; the error frame built from a refusal is valid JSON; a channel name that
// parses prints back as the same name in lower case; an offset that parses prints back and parses
// to the same offset.
#include <boost/json/parse.hpp>

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "realtime/channel.hpp"
#include "realtime/offset.hpp"
#include "realtime/protocol.hpp"

namespace rt = mc::realtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto messages = rt::parse_client_frame(text);
    FUZZ_CHECK(!messages.empty() && messages.size() <= rt::kMaxBatch);
    for (const auto& m : messages) {
      FUZZ_CHECK(m.ch.size() <= rt::kMaxChannelChars);
      FUZZ_CHECK(
          m.id.is_null() || m.id.is_int64() || m.id.is_uint64() ||
          (m.id.is_string() && !m.id.get_string().empty() && m.id.get_string().size() <= rt::kMaxIdChars));
      const std::string reply = rt::reply_frame("ok", m.id, m.ch, m.data);
      boost::system::error_code ec;
      boost::json::parse(reply, ec);
      FUZZ_CHECK(!ec);
    }
  } catch (const mc::ApiError& e) {
    FUZZ_CHECK(e.status() == 400);
    const std::string reply = rt::error_frame(nullptr, "", e);
    boost::system::error_code ec;
    boost::json::parse(reply, ec);
    FUZZ_CHECK(!ec);
  }

  if (const auto channel = rt::parse_channel(text)) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    FUZZ_CHECK(channel->name() == lower);
  }
  if (const auto offset = rt::parse_offset(text)) {
    const auto again = rt::parse_offset(offset->str());
    FUZZ_CHECK(again && *again == *offset);
  }
  return 0;
}
