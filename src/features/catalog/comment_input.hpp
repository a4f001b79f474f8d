#pragma once
// The comment rules' input side, shared by every commentable thing (tracks, posts): one text rule
// and one way to read a new comment from a request.
#include <optional>
#include <string>

#include "core/json.hpp"
#include "http/context.hpp"

namespace mc::catalog {

// 1-2000 characters; added to `r`'s field errors as "body".
void check_comment_body(json::FieldReader& r, const std::string& body);

struct NewComment {
  std::string body;
  std::optional<std::string> parent_id;
};

// The JSON body of POST …/comments: {body, parentId?}; bad input throws the validation error.
NewComment read_new_comment(http::Context& ctx);

}  // namespace mc::catalog
