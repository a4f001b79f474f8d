#include <gtest/gtest.h>

#include "http/router.hpp"

using namespace mc::http;

namespace {
Handler noop() {
  return [](Context&) -> boost::asio::awaitable<Response> { co_return Response{}; };
}
}  // namespace

TEST(Router, static_segment_wins_over_parameter) {
  Router r;
  r.add(Verb::get, "/api/artists/{id}", noop());
  r.add(Verb::get, "/api/artists/analytics", noop());
  const auto m = r.match(Verb::get, "/api/artists/analytics");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path_template, "/api/artists/analytics");
  const auto p = r.match(Verb::get, "/api/artists/some-artist");
  ASSERT_NE(p.route, nullptr);
  EXPECT_EQ(p.route->path_template, "/api/artists/{id}");
  ASSERT_EQ(p.params.size(), 1u);
  EXPECT_EQ(p.params[0].second, "some-artist");
}

TEST(Router, typed_parameter_rejects_wrong_shape) {
  Router r;
  r.add(Verb::delete_, "/api/auth/sessions/{id:uuid}", noop());
  EXPECT_EQ(r.match(Verb::delete_, "/api/auth/sessions/not-a-uuid").route, nullptr);
  EXPECT_NE(r.match(Verb::delete_, "/api/auth/sessions/0b7c6f7e-3f1a-4a57-9d59-2b3c4d5e6f70").route, nullptr);
}

TEST(Router, falls_back_to_parameter_when_static_branch_dead_ends) {
  Router r;
  r.add(Verb::get, "/a/static/x", noop());
  r.add(Verb::get, "/a/{p}/y", noop());
  const auto m = r.match(Verb::get, "/a/static/y");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path_template, "/a/{p}/y");
}

TEST(Router, reports_allowed_methods_for_known_path) {
  Router r;
  r.add(Verb::post, "/api/auth/login", noop());
  const auto m = r.match(Verb::get, "/api/auth/login");
  EXPECT_EQ(m.route, nullptr);
  ASSERT_EQ(m.allowed.size(), 1u);
  EXPECT_EQ(m.allowed[0], Verb::post);
  EXPECT_TRUE(r.match(Verb::get, "/nope").allowed.empty());
}

TEST(Router, integer_parameter) {
  Router r;
  r.add(Verb::get, "/n/{n:int}", noop());
  EXPECT_NE(r.match(Verb::get, "/n/42").route, nullptr);
  EXPECT_EQ(r.match(Verb::get, "/n/4x2").route, nullptr);
}

TEST(Router, duplicate_route_is_a_programming_error) {
  Router r;
  r.add(Verb::get, "/x", noop());
  EXPECT_THROW(r.add(Verb::get, "/x", noop()), std::logic_error);
}

TEST(Router, head_is_served_by_the_get_route_and_listed_where_get_is_allowed) {
  Router r;
  r.add(Verb::get, "/api/artists/{id}", noop());
  r.add(Verb::put, "/api/artists/{id}", noop());
  r.add(Verb::post, "/api/auth/login", noop());
  const auto head = r.match(Verb::head, "/api/artists/x");
  ASSERT_NE(head.route, nullptr);
  EXPECT_EQ(head.route->method, Verb::get);
  EXPECT_EQ(r.match(Verb::head, "/api/auth/login").route, nullptr);
  const auto refused = r.match(Verb::delete_, "/api/artists/x");
  EXPECT_EQ(refused.route, nullptr);
  EXPECT_EQ(refused.allowed, (std::vector<Verb>{Verb::get, Verb::head, Verb::put}));
}
