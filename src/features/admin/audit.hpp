#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "db/cluster.hpp"
#include "http/context.hpp"

// The audit log (docs/admin.md): one append-only row per admin or security-relevant action,
// written in the transaction of the action itself, so an action without its entry (or an entry
// without its action) cannot happen.
namespace mc::audit {

// Where an action came from.
struct Origin {
  std::string ip, user_agent;
};
// The request's: its client address (after the trusted proxies) and browser.
Origin origin_of(const http::Context& ctx);

struct Entry {
  std::optional<std::string> actor_id;    // nullopt: the command line or the system
  std::optional<std::string> actor_role;  // the role the actor acted with
  std::string action;                     // dotted lowercase: "user.suspended"
  std::optional<std::string> target_type, target_id;
  std::string ip, user_agent;  // where from (empty: unknown, e.g. the command line)
  boost::json::object details;
};

boost::asio::awaitable<void> record(db::Transaction& tx, const Entry& entry);

}  // namespace mc::audit
