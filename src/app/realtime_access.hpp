#pragma once
#include "features/artists/service.hpp"
#include "features/messaging/service.hpp"
#include "features/parties/service.hpp"
#include "realtime/authorizer.hpp"

namespace mc::app {

// Who may listen to which real-time channel (docs/realtime.md): a user channel is its user's alone;
// an artist channel carries public live events, so any signed-in user may listen to an artist that
// exists; a conversation channel is for its two members; a party channel follows the party's rules
// (tier, capacity, not ended).
class RealtimeAccess : public realtime::ChannelAuthorizer {
 public:
  RealtimeAccess(artists::ArtistsService& artists, messaging::MessagingService& messaging,
                 parties::PartyService& parties)
      : artists_(artists), messaging_(messaging), parties_(parties) {}
  boost::asio::awaitable<void> authorize(db::Cluster& db, const AccessClaims& who,
                                         const realtime::Channel& channel, realtime::Check check) override;

 private:
  artists::ArtistsService& artists_;
  messaging::MessagingService& messaging_;
  parties::PartyService& parties_;
};

}  // namespace mc::app
