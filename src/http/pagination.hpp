#pragma once
#include "http/context.hpp"

namespace mc::http {

struct Page {
  int page = 1;
  int limit = 20;
};

// `page` (≥ 1) and `limit` (1-100) from the query string; anything else is a 400 naming the field.
Page pagination(const Context& ctx, int default_limit = 20);

}  // namespace mc::http
