#include "app/realtime_access.hpp"

#include "core/error.hpp"

namespace mc::app {

boost::asio::awaitable<void> RealtimeAccess::authorize(db::Cluster& db, const AccessClaims& who,
                                                       const realtime::Channel& channel) {
  switch (channel.kind) {
    case realtime::ChannelKind::user:
      if (channel.id != who.user_id) {
        throw ApiError(403, "forbidden", "A user channel is for its own user only");
      }
      co_return;
    case realtime::ChannelKind::artist:
      co_await artists_.resolve_id(db, channel.id, std::nullopt);  // 404 when there is no such artist
      co_return;
  }
  throw ApiError(403, "forbidden", "No one may listen to this channel");
}

}  // namespace mc::app
