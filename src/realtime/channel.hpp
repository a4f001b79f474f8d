#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mc::realtime {

// The kinds of channel a socket can subscribe to (docs/realtime.md). Each is "<kind>:<uuid>".
enum class ChannelKind { user, artist, conversation, party };

struct Channel {
  ChannelKind kind = ChannelKind::user;
  std::string id;  // a UUID, lower case
  std::string name() const;
};

std::string_view to_string(ChannelKind kind);
// nullopt for anything but a known kind followed by a well-formed UUID.
std::optional<Channel> parse_channel(std::string_view name);

// The channel names producers address (events::append's channel argument).
std::string user_channel(std::string_view user_id);
std::string artist_channel(std::string_view artist_id);
std::string conversation_channel(std::string_view conversation_id);
std::string party_channel(std::string_view party_id);

}  // namespace mc::realtime
