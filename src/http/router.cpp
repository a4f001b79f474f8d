#include "http/router.hpp"

#include <map>
#include <stdexcept>

namespace mc::http {
namespace {

enum class ParamType { any, uuid, integer, slug };

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool accepts(ParamType type, std::string_view s) {
  if (s.empty()) return false;
  switch (type) {
    case ParamType::any:
      return true;
    case ParamType::uuid:
      if (s.size() != 36) return false;
      for (std::size_t i = 0; i < 36; ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
      }
      return true;
    case ParamType::integer:
      if (s.size() > 18) return false;
      for (char c : s) {
        if (c < '0' || c > '9') return false;
      }
      return true;
    case ParamType::slug:
      if (s.size() > 100) return false;
      for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
      }
      return true;
  }
  return false;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const std::size_t j = path.find('/', i);
    const std::size_t end = j == std::string_view::npos ? path.size() : j;
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> statics;
  struct ParamChild {
    std::string name;
    ParamType type;
    std::unique_ptr<Node> node;
  };
  std::vector<ParamChild> params;
  std::map<Verb, const Route*> handlers;
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::add(Verb method, std::string_view pattern, Handler handler, RouteOptions options) {
  auto route = std::make_unique<Route>();
  route->method = method;
  route->pattern = std::string(pattern);
  route->handler = std::move(handler);
  route->options = options;
  Node* node = root_.get();
  std::string templ;
  for (auto seg : split_path(pattern)) {
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      const auto inner = seg.substr(1, seg.size() - 2);
      const auto colon = inner.find(':');
      const std::string name(inner.substr(0, colon));
      ParamType type = ParamType::any;
      if (colon != std::string_view::npos) {
        const auto t = inner.substr(colon + 1);
        if (t == "uuid")
          type = ParamType::uuid;
        else if (t == "int")
          type = ParamType::integer;
        else if (t == "slug")
          type = ParamType::slug;
        else
          throw std::logic_error("unknown parameter type in route " + route->pattern);
      }
      Node* next = nullptr;
      for (auto& p : node->params) {
        if (p.name == name && p.type == type) next = p.node.get();
      }
      if (!next) {
        node->params.push_back({name, type, std::make_unique<Node>()});
        next = node->params.back().node.get();
      }
      node = next;
      templ += "/{" + name + "}";
    } else {
      auto& child = node->statics[std::string(seg)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
      templ += "/" + std::string(seg);
    }
  }
  route->path_template = templ.empty() ? "/" : templ;
  if (node->handlers.contains(method)) throw std::logic_error("duplicate route " + route->pattern);
  node->handlers[method] = route.get();
  routes_.push_back(std::move(route));
}

RouteMatch Router::match(Verb method, std::string_view path) const {
  const auto segments = split_path(path);
  RouteMatch result;
  PathParams params;
  // Depth-first, statics before parameters, so the most specific route wins.
  std::function<bool(const Node*, std::size_t)> walk = [&](const Node* node, std::size_t i) -> bool {
    if (i == segments.size()) {
      if (node->handlers.empty()) return false;
      auto it = node->handlers.find(method);
      // RFC 9110 §9.3.2: HEAD is GET without the body (the server leaves the body out).
      if (it == node->handlers.end() && method == Verb::head) it = node->handlers.find(Verb::get);
      if (it != node->handlers.end()) {
        result.route = it->second;
        result.params = params;
        return true;
      }
      if (result.allowed.empty()) {
        for (const auto& [verb, r] : node->handlers) {
          result.allowed.push_back(verb);
          if (verb == Verb::get && !node->handlers.contains(Verb::head)) result.allowed.push_back(Verb::head);
        }
      }
      return false;
    }
    if (auto it = node->statics.find(segments[i]); it != node->statics.end()) {
      if (walk(it->second.get(), i + 1)) return true;
    }
    for (const auto& p : node->params) {
      if (!accepts(p.type, segments[i])) continue;
      params.emplace_back(p.name, segments[i]);
      if (walk(p.node.get(), i + 1)) return true;
      params.pop_back();
    }
    return false;
  };
  walk(root_.get(), 0);
  return result;
}

std::vector<const Route*> Router::routes() const {
  std::vector<const Route*> out;
  for (const auto& r : routes_) out.push_back(r.get());
  return out;
}

}  // namespace mc::http
