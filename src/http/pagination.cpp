#include "http/pagination.hpp"

#include <charconv>

#include "core/error.hpp"

namespace mc::http {
namespace {

template <class T = int>
std::optional<T> parse_int(const std::string& s) {
  T v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// `limit` (1-100), or the default; a bad one is recorded in `errors`.
int limit(const Context& ctx, int default_limit, boost::json::object& errors) {
  const auto raw = ctx.query_param("limit");
  if (!raw) return default_limit;
  const auto v = parse_int(*raw);
  if (!v || *v < 1 || *v > 100) {
    errors["limit"] = "must be an integer from 1 to 100";
    return default_limit;
  }
  return *v;
}

}  // namespace

Page pagination(const Context& ctx, int default_limit) {
  Page page{1, default_limit};
  boost::json::object errors;
  if (auto raw = ctx.query_param("page")) {
    const auto v = parse_int(*raw);
    if (!v || *v < 1 || *v > 100000)
      errors["page"] = "must be an integer ≥ 1";
    else
      page.page = *v;
  }
  page.limit = limit(ctx, default_limit, errors);
  if (!errors.empty())
    throw ApiError(400, "invalid_query", "Query parameters are invalid", std::move(errors));
  return page;
}

CursorPage cursor_pagination(const Context& ctx, int default_limit) {
  CursorPage page{std::nullopt, default_limit};
  boost::json::object errors;
  if (auto raw = ctx.query_param("cursor"); raw && !raw->empty()) {
    page.cursor = parse_int<int64_t>(*raw);
    if (!page.cursor || *page.cursor < 1) errors["cursor"] = "must be the nextCursor of a previous page";
  }
  page.limit = limit(ctx, default_limit, errors);
  if (!errors.empty())
    throw ApiError(400, "invalid_query", "Query parameters are invalid", std::move(errors));
  return page;
}

}  // namespace mc::http
