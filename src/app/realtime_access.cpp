#include "app/realtime_access.hpp"

#include "core/error.hpp"

namespace mc::app {

// An if-chain, not a switch: GCC 12 miscompiles co_await in several cases of one switch.
boost::asio::awaitable<void> RealtimeAccess::authorize(db::Cluster& db, const AccessClaims& who,
                                                       const realtime::Channel& channel,
                                                       realtime::Check check) {
  using realtime::ChannelKind;
  const ChannelKind kind = channel.kind;
  const std::string id = channel.id;
  if (kind == ChannelKind::user) {
    if (id != who.user_id) throw ApiError(403, "forbidden", "A user channel is for its own user only");
    co_return;
  }
  if (kind == ChannelKind::artist) {
    co_await artists_.resolve_id(db, id, std::nullopt);  // 404 when there is no such artist
    co_return;
  }
  if (kind == ChannelKind::conversation) {
    const bool member = co_await messaging_.is_member(db, who.user_id, id);
    if (!member) throw ApiError(403, "forbidden", "Only the two members of a conversation may listen to it");
    co_return;
  }
  if (kind == ChannelKind::party) {
    co_await parties_.authorize_listener(db, who, id, check == realtime::Check::subscribe);
    co_return;
  }
  throw ApiError(403, "forbidden", "No one may listen to this channel");
}

}  // namespace mc::app
