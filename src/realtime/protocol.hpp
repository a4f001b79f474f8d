#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "realtime/offset.hpp"

namespace mc::realtime {

// The wire format of /ws (docs/realtime.md, docs/api/asyncapi.yaml): every message is a JSON object
// {op, ch?, id?, data?}; a text frame carries one message or an array of them (a batch).

// What a client may ask. Ops the server sends are in `ServerOp`.
enum class ClientOp { auth, sub, unsub, ping, typing };
inline constexpr std::size_t kMaxFrameBytes = 16 * 1024;
inline constexpr std::size_t kMaxBatch = 16;
inline constexpr std::size_t kMaxIdChars = 64;
inline constexpr std::size_t kMaxChannelChars = 128;

struct ClientMessage {
  ClientOp op = ClientOp::ping;
  std::string ch;            // empty when absent
  boost::json::value id;     // null when absent; else a string (1-64 chars) or an integer
  boost::json::object data;  // empty when absent
};

std::string_view to_string(ClientOp op);

// One text frame from a client. Throws ApiError (code invalid_json, invalid_message or unknown_op,
// with `details` naming the field) for anything else; the id of the failing message, when it had a
// readable one, is in the error's details as "id" so the reply can carry it.
std::vector<ClientMessage> parse_client_frame(std::string_view text);

// Frames the server sends, each serialised once (a broadcast shares the same bytes).
std::string event_frame(std::string_view ch, const Offset& offset, std::string_view type,
                        std::string_view payload_json);
std::string reply_frame(std::string_view op, const boost::json::value& id, std::string_view ch,
                        const boost::json::object& data);
// A message that is not kept (typing indicators, presence counts): no offset, never replayed.
std::string ephemeral_frame(std::string_view ch, std::string_view type, const boost::json::object& data);
std::string error_frame(const boost::json::value& id, std::string_view ch, const ApiError& error);
// Several frames as one batch frame (a JSON array of the messages).
std::string batch_frame(const std::vector<std::string_view>& frames);

}  // namespace mc::realtime
