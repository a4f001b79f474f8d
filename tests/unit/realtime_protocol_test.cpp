// The /ws wire format (docs/realtime.md): client frames, channel names and offsets.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "realtime/channel.hpp"
#include "realtime/offset.hpp"
#include "realtime/protocol.hpp"

namespace rt = mc::realtime;
namespace bj = boost::json;

namespace {
constexpr const char* kUser = "0f8c1c8e-1b7e-4c56-9a55-2f0e6a3f9b10";

std::string code_of(std::string_view frame) {
  try {
    rt::parse_client_frame(frame);
  } catch (const mc::ApiError& e) {
    return e.code();
  }
  return "accepted";
}
}  // namespace

TEST(RealtimeProtocol, ReadsOneMessageWithEveryField) {
  const auto m = rt::parse_client_frame(std::string(R"({"op":"sub","id":"a1","ch":"user:)") + kUser +
                                        R"(","data":{"offset":"5-7"}})");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].op, rt::ClientOp::sub);
  EXPECT_EQ(m[0].id, bj::value("a1"));
  EXPECT_EQ(m[0].ch, std::string("user:") + kUser);
  EXPECT_EQ(m[0].data.at("offset"), bj::value("5-7"));
}

TEST(RealtimeProtocol, ReadsABatchInOrder) {
  const auto m = rt::parse_client_frame(R"([{"op":"ping","id":1},{"op":"ping","id":2},{"op":"auth"}])");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].id, bj::value(1));
  EXPECT_EQ(m[1].id, bj::value(2));
  EXPECT_EQ(m[2].op, rt::ClientOp::auth);
  EXPECT_TRUE(m[2].id.is_null());
}

TEST(RealtimeProtocol, RefusesWhatIsNotAMessage) {
  EXPECT_EQ(code_of("{"), "invalid_json");
  EXPECT_EQ(code_of("42"), "invalid_message");
  EXPECT_EQ(code_of("[]"), "invalid_message");
  EXPECT_EQ(code_of(R"({"id":1})"), "invalid_message");
  EXPECT_EQ(code_of(R"({"op":"dance"})"), "unknown_op");
  EXPECT_EQ(code_of(R"({"op":"ping","extra":true})"), "invalid_message");
  EXPECT_EQ(code_of(R"({"op":"ping","data":[]})"), "invalid_message");
  EXPECT_EQ(code_of(R"({"op":"ping","id":""})"), "invalid_message");
  EXPECT_EQ(code_of(R"({"op":"ping","id":1.5})"), "invalid_message");
  EXPECT_EQ(code_of(R"({"op":"ping","ch":""})"), "invalid_message");
  EXPECT_EQ(code_of(R"({"op":"ping","data":{"t":"a\u0000b"}})"), "invalid_message");
  EXPECT_EQ(code_of(R"({"op":"ping","data":{"t":"line\nbreak"}})"), "accepted");
  std::string batch = "[";
  for (int i = 0; i < 17; ++i) batch += std::string(i ? "," : "") + R"({"op":"ping"})";
  EXPECT_EQ(code_of(batch + "]"), "invalid_message");
  EXPECT_EQ(code_of(std::string(17 * 1024, ' ')), "message_too_large");
}

TEST(RealtimeProtocol, TheRefusalNamesTheMessageItIsAbout) {
  try {
    rt::parse_client_frame(R"({"op":"dance","id":"m9"})");
    FAIL() << "accepted";
  } catch (const mc::ApiError& e) {
    EXPECT_EQ(e.details().at("id"), bj::value("m9"));
    const auto frame = bj::parse(rt::error_frame(e.details().at("id"), "", e)).as_object();
    EXPECT_EQ(frame.at("op"), bj::value("error"));
    EXPECT_EQ(frame.at("id"), bj::value("m9"));
    EXPECT_EQ(frame.at("data").at("code"), bj::value("unknown_op"));
    EXPECT_FALSE(frame.at("data").at("details").as_object().contains("id"));
  }
}

TEST(RealtimeProtocol, EventFramesAreJsonWithTheOffsetAsId) {
  const std::string frame =
      rt::event_frame("user:x", rt::Offset{12, 345}, "track.processing", R"({"a":[1,"\""]})");
  const auto v = bj::parse(frame).as_object();
  EXPECT_EQ(v.at("op"), bj::value("event"));
  EXPECT_EQ(v.at("ch"), bj::value("user:x"));
  EXPECT_EQ(v.at("id"), bj::value("12-345"));
  EXPECT_EQ(v.at("data").at("type"), bj::value("track.processing"));
  EXPECT_EQ(v.at("data").at("payload").at("a").as_array()[1], bj::value("\""));
  const auto batch = bj::parse(rt::batch_frame({frame, frame})).as_array();
  EXPECT_EQ(batch.size(), 2u);
}

TEST(RealtimeChannel, ParsesKnownKindsWithUuids) {
  const auto c = rt::parse_channel(std::string("artist:") + "0F8C1C8E-1B7E-4C56-9A55-2F0E6A3F9B10");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, rt::ChannelKind::artist);
  EXPECT_EQ(c->name(), std::string("artist:") + kUser);
  EXPECT_FALSE(rt::parse_channel("party:1"));
  EXPECT_FALSE(rt::parse_channel(std::string("user:") + kUser + "x"));
  EXPECT_FALSE(rt::parse_channel(std::string("users:") + kUser));
  EXPECT_FALSE(rt::parse_channel(kUser));
  EXPECT_FALSE(rt::parse_channel(""));
}

TEST(RealtimeOffset, OrdersByTransactionThenRow) {
  EXPECT_LT((rt::Offset{1, 900}), (rt::Offset{2, 3}));
  EXPECT_LT((rt::Offset{2, 3}), (rt::Offset{2, 4}));
  const auto o = rt::parse_offset("18446744073709551615-9223372036854775807");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->str(), "18446744073709551615-9223372036854775807");
  for (const char* bad : {"", "-", "1-", "-1", "1--2", "+1-2", "1-2-3", "a-1", "1.2",
                          "18446744073709551616-1", "1-9223372036854775808", " 1-2"}) {
    EXPECT_FALSE(rt::parse_offset(bad)) << bad;
  }
}
