#include "features/search/routes.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "features/artists/genres.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/response.hpp"

namespace mc::search {

void register_routes(http::Router& router, SearchService& s) {
  router.add(
      http::Verb::get, "/api/search", [&s](http::Context& ctx) -> boost::asio::awaitable<http::Response> {
        const auto viewer = ctx.optional_auth();
        const http::Page page = http::pagination(ctx);
        Request r;
        r.page = page.page;
        r.limit = page.limit;
        r.q = ctx.query_param("q").value_or("");
        r.type = ctx.query_param("type");
        r.genre = ctx.query_param("genre");
        boost::json::object errors;
        if (r.q.size() > 100) errors["q"] = "must be at most 100 characters";
        if (r.q.find_first_not_of(" \t") == std::string::npos) r.q.clear();
        if (r.q.empty() && !r.genre) errors["q"] = "is required (1-100 characters) unless a genre is given";
        if (r.type && *r.type != "artist" && *r.type != "release" && *r.type != "track" && *r.type != "post")
          errors["type"] = "must be artist, release, track or post";
        if (r.genre && !artists::is_genre(*r.genre)) errors["genre"] = "is not a known genre";
        if (static_cast<int64_t>(r.page) * r.limit > 1000) errors["page"] = "goes at most 1000 results deep";
        if (!errors.empty())
          throw ApiError(400, "invalid_query", "Query parameters are invalid", std::move(errors));
        const boost::json::object body = co_await s.search(ctx.db(), viewer, r);
        co_return http::json_response(200, body);
      });
}

}  // namespace mc::search
