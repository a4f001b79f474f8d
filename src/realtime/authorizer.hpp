#pragma once
#include <boost/asio/awaitable.hpp>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "realtime/channel.hpp"

namespace mc::realtime {

// Why a subscription is checked: a new one, or one held when the user's access changed (a
// cancelled or downgraded membership). Limits on newcomers (a full party) apply to the first only.
enum class Check { subscribe, recheck };

// Who may subscribe to what. The rules belong to the features that own each channel's subject, so
// the application supplies them (app/realtime_access.cpp). Throws ApiError (forbidden, not_found)
// to refuse; returns to allow.
class ChannelAuthorizer {
 public:
  virtual ~ChannelAuthorizer() = default;
  virtual boost::asio::awaitable<void> authorize(db::Cluster& db, const AccessClaims& who,
                                                 const Channel& channel, Check check) = 0;
};

}  // namespace mc::realtime
