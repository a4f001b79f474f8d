#pragma once
#include "http/context.hpp"

namespace mc::http {

struct Page {
  int page = 1;
  int limit = 20;
};

// `page` (≥ 1) and `limit` (1-100) from the query string; anything else is a 400 naming the field.
Page pagination(const Context& ctx, int default_limit = 20);

// Feeds and message histories (SPEC §5): `cursor` (the nextCursor of the previous page, a positive
// integer; absent for the newest page) and `limit` (1-100).
struct CursorPage {
  std::optional<int64_t> cursor;
  int limit = 20;
};
CursorPage cursor_pagination(const Context& ctx, int default_limit = 20);

}  // namespace mc::http
