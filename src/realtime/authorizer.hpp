#pragma once
#include <boost/asio/awaitable.hpp>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "realtime/channel.hpp"

namespace mc::realtime {

// Who may subscribe to what. The rules belong to the features that own each channel's subject, so
// the application supplies them (app/realtime_access.cpp). Throws ApiError (forbidden, not_found)
// to refuse; returns to allow.
class ChannelAuthorizer {
 public:
  virtual ~ChannelAuthorizer() = default;
  virtual boost::asio::awaitable<void> authorize(db::Cluster& db, const AccessClaims& who,
                                                 const Channel& channel) = 0;
};

}  // namespace mc::realtime
