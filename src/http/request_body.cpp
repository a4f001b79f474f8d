#include "http/request_body.hpp"

#include "core/error.hpp"
#include "core/json.hpp"

namespace mc::http {

boost::json::object json_body(const Context& ctx) {
  const auto type = ctx.req[bhttp::field::content_type];
  if (!type.starts_with("application/json")) {
    throw ApiError(415, "unsupported_media_type", "Send the body as application/json");
  }
  return json::parse_object(ctx.req.body());
}

void no_body(const Context& ctx) {
  if (ctx.req.body().empty()) return;
  const auto obj = json_body(ctx);
  json::FieldReader(obj).finish();
}

}  // namespace mc::http
