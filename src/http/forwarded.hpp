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

// The viewer's country as the edge found it: CloudFront-Viewer-Country (ISO 3166-1 alpha-2), read
// only behind trusted proxies (hops > 0), since a client reaching the server directly could send any
// value. "ZZ" (unknown) when there is no proxy, no header, or a value that is not two letters.
std::string viewer_country(const Request& req, unsigned hops);

}  // namespace mc::http
