#include "features/catalog/comment_input.hpp"

#include "core/uuid.hpp"
#include "http/request_body.hpp"

namespace mc::catalog {

void check_comment_body(json::FieldReader& r, const std::string& body) {
  if (!r.has_error("body") && (body.empty() || body.size() > 2000))
    r.fail("body", "must be 1-2000 characters");
}

NewComment read_new_comment(http::Context& ctx) {
  const auto obj = http::json_body(ctx);
  json::FieldReader r(obj);
  NewComment c;
  c.body = r.required_string("body", json::Text::multi_line);
  c.parent_id = r.optional_string("parentId");
  check_comment_body(r, c.body);
  if (c.parent_id && !is_uuid(*c.parent_id)) r.fail("parentId", "must be a comment id");
  r.finish();
  return c;
}

}  // namespace mc::catalog
