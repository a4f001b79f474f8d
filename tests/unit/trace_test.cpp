#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <vector>

#include "core/trace.hpp"
#include "core/trace_executor.hpp"

namespace asio = boost::asio;
using mc::trace::parse_traceparent;

TEST(Traceparent, parses_version_00_and_formats_it_back) {
  const std::string v = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const auto c = parse_traceparent(v);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->sampled);
  EXPECT_EQ(c->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id_hex(), "00f067aa0ba902b7");
  EXPECT_EQ(c->traceparent(), v);
  const auto unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled);
}

TEST(Traceparent, later_versions_keep_their_first_four_fields) {
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-whatever"));
  EXPECT_TRUE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
}

TEST(Traceparent, refuses_what_the_recommendation_says_to_ignore) {
  for (const char* bad : {
           "",
           "garbage",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // 00 is exactly 55
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero span id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
       }) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
}

TEST(Span, a_child_keeps_the_trace_and_is_current_until_it_ends) {
  const auto parent = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  {
    mc::trace::Span span("work", mc::trace::Kind::internal, parent);
    EXPECT_EQ(span.context().trace_id, parent->trace_id);
    EXPECT_NE(span.context().span_id, parent->span_id);
    EXPECT_EQ(mc::trace::current().span_id, span.context().span_id);
    {
      mc::trace::Span inner("inner", mc::trace::Kind::internal);  // parent: the current span
      EXPECT_EQ(inner.context().trace_id, parent->trace_id);
      EXPECT_EQ(mc::trace::current().span_id, inner.context().span_id);
    }
    EXPECT_EQ(mc::trace::current().span_id, span.context().span_id);
  }
  EXPECT_FALSE(mc::trace::current().valid());
  mc::trace::Span root("root", mc::trace::Kind::server, std::nullopt);
  EXPECT_TRUE(root.context().valid());
  EXPECT_TRUE(root.context().sampled);
  EXPECT_NE(root.context().trace_id, parent->trace_id);
}

// Two coroutine chains interleaved on one thread each see their own span after every resumption.
TEST(TraceExecutor, interleaved_coroutines_keep_their_own_context) {
  asio::io_context io;
  std::map<int, std::vector<std::string>> seen;
  std::map<int, std::string> own;
  auto chain = [&](int id) -> asio::awaitable<void> {
    mc::trace::Span span("chain", mc::trace::Kind::server, std::nullopt);
    own[id] = span.context().trace_id_hex();
    for (int i = 0; i < 3; ++i) {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      seen[id].push_back(mc::trace::current().trace_id_hex());
    }
  };
  for (int id = 0; id < 2; ++id)
    asio::co_spawn(mc::trace::traced(io.get_executor()), chain(id), asio::detached);
  io.run();
  ASSERT_NE(own[0], own[1]);
  EXPECT_EQ(seen[0], std::vector<std::string>(3, own[0]));
  EXPECT_EQ(seen[1], std::vector<std::string>(3, own[1]));
  EXPECT_FALSE(mc::trace::current().valid()) << "nothing leaks to the thread";
}
