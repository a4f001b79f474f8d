#include "app/roles.hpp"

namespace mc::app {

std::string Roles::str() const {
  std::string out;
  auto add = [&out](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  add(api, "api");
  add(ws, "ws");
  add(web, "web");
  add(worker, "worker");
  return out;
}

std::optional<Roles> parse_roles(std::string_view text, std::string& error) {
  Roles r{false, false, false, false};
  bool any = false;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view name = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (name == "api") {
      r.api = true;
    } else if (name == "ws") {
      r.ws = true;
    } else if (name == "web") {
      r.web = true;
    } else if (name == "worker") {
      r.worker = true;
    } else {
      error = "unknown role \"" + std::string(name) + "\" (roles: api, ws, web, worker)";
      return std::nullopt;
    }
    any = true;
  }
  if (!any) {
    error = "--roles needs at least one of api, ws, web, worker";
    return std::nullopt;
  }
  return r;
}

}  // namespace mc::app
