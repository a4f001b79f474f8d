#pragma once
#include "features/artists/service.hpp"
#include "realtime/authorizer.hpp"

namespace mc::app {

// Who may listen to which real-time channel (docs/realtime.md): a user channel is its user's alone;
// an artist channel carries public live events, so any signed-in user may listen to an artist that
// exists.
class RealtimeAccess : public realtime::ChannelAuthorizer {
 public:
  explicit RealtimeAccess(artists::ArtistsService& artists) : artists_(artists) {}
  boost::asio::awaitable<void> authorize(db::Cluster& db, const AccessClaims& who,
                                         const realtime::Channel& channel) override;

 private:
  artists::ArtistsService& artists_;
};

}  // namespace mc::app
