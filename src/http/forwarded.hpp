#pragma once
#include <string>
#include <string_view>

#include "http/types.hpp"

namespace mc::http {

// The client address of a request that came through `hops` trusted reverse proxies (TRUST_PROXY).
// Each proxy appends the address it received the request from to X-Forwarded-For, so only the
// right-most `hops` entries were written by proxies we trust; everything left of them is whatever the
// client sent. The client is therefore the entry `hops` from the right (the left-most when the list is
// shorter). With no proxies, no header, or an entry that is not an IP address: the socket peer.
std::string forwarded_client(const Request& req, std::string_view peer, unsigned hops);

}  // namespace mc::http
