#pragma once
#include "features/posts/service.hpp"
#include "http/router.hpp"

namespace mc::posts {

// /api/posts (write, list, read, delete, image, likes, comments) and /api/feed (docs/posts.md).
void register_routes(http::Router& router, PostService& s);

}  // namespace mc::posts
