#include "realtime/channel.hpp"

#include <algorithm>
#include <cctype>

#include "core/uuid.hpp"

namespace mc::realtime {

std::string_view to_string(ChannelKind kind) {
  switch (kind) {
    case ChannelKind::user:
      return "user";
    case ChannelKind::artist:
      return "artist";
    case ChannelKind::conversation:
      return "conversation";
    case ChannelKind::party:
      return "party";
  }
  return "unknown";
}

std::string Channel::name() const {
  std::string out(to_string(kind));
  out.push_back(':');
  out += id;
  return out;
}

std::optional<Channel> parse_channel(std::string_view name) {
  const auto colon = name.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view kind = name.substr(0, colon);
  std::string id(name.substr(colon + 1));
  if (!is_uuid(id)) return std::nullopt;
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  for (ChannelKind k :
       {ChannelKind::user, ChannelKind::artist, ChannelKind::conversation, ChannelKind::party}) {
    if (kind == to_string(k)) return Channel{k, std::move(id)};
  }
  return std::nullopt;
}

std::string user_channel(std::string_view user_id) {
  return "user:" + std::string(user_id);
}
std::string artist_channel(std::string_view artist_id) {
  return "artist:" + std::string(artist_id);
}
std::string conversation_channel(std::string_view conversation_id) {
  return "conversation:" + std::string(conversation_id);
}
std::string party_channel(std::string_view party_id) {
  return "party:" + std::string(party_id);
}

}  // namespace mc::realtime
