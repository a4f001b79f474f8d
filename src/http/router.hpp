#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/types.hpp"

namespace mc::http {

class Context;
using Handler = std::function<boost::asio::awaitable<Response>(Context&)>;

// What a route asks of the pipeline around it.
struct RouteOptions {
  std::size_t body_limit = 0;  // 0: the JSON default
  bool api_rate_limited = true;
  bool login_rate_limited = false;  // the extra per-IP login budget
  // Uploads: the body goes to disk as it arrives (Context::upload), after the caller's token and
  // upload budget were checked on the headers alone, so a refused upload is never stored.
  bool spool_body = false;
  bool upload_rate_limited = false;  // spends the caller's upload budget (checked before the body)
  // Spooling routes: the route's own checks on the headers alone (the caller's role, the upload the
  // body belongs to), run before any body byte is read; throws ApiError to refuse. Returns the spool
  // bytes the request needs besides its body (the last chunk of a resumable upload assembles the
  // whole file there).
  std::function<boost::asio::awaitable<std::uint64_t>(Context&)> admit;
};

struct Route {
  Verb method;
  std::string pattern;        // as registered: /api/auth/sessions/{id:uuid}
  std::string path_template;  // OpenAPI style and metric label: /api/auth/sessions/{id}
  Handler handler;
  RouteOptions options;
};

using PathParams = std::vector<std::pair<std::string_view, std::string_view>>;

struct RouteMatch {
  const Route* route = nullptr;
  PathParams params;          // views into the request path
  std::vector<Verb> allowed;  // when the path exists but not for this method
};

// Path routing with typed parameters: {name} (any segment), {name:uuid}, {name:int}, {name:slug}.
// Static segments win over parameters; a segment that fails its type does not match.
class Router {
 public:
  Router();
  ~Router();
  void add(Verb method, std::string_view pattern, Handler handler, RouteOptions options = {});
  RouteMatch match(Verb method, std::string_view path) const;
  std::vector<const Route*> routes() const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace mc::http
