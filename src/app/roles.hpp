#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mc::app {

// What one `serve` process does (DESIGN §1): the same image runs as the guide's backend
// (`--roles api,web`), its websocket service (`--roles ws`) or an all-in-one node (the default).
// Health, readiness and metrics are served whatever the roles.
struct Roles {
  bool api = true;     // the HTTP API and media routes
  bool ws = true;      // the /ws gateway and the outbox relay that feeds it
  bool web = true;     // the built web app
  bool worker = true;  // background jobs (also needs JOBS=true)
  std::string str() const;
};

// "api,ws,web,worker" in any order and subset; nullopt (with the reason in `error`) for an empty
// list or an unknown name.
std::optional<Roles> parse_roles(std::string_view text, std::string& error);

}  // namespace mc::app
