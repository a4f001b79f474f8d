#include "realtime/protocol.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "core/json.hpp"

namespace mc::realtime {
namespace bj = boost::json;

namespace {

ApiError invalid(std::string_view field, std::string_view reason, const bj::value& id = nullptr) {
  bj::object details{{std::string(field), std::string(reason)}};
  if (!id.is_null()) details["id"] = id;
  return ApiError(400, "invalid_message", "Message is invalid", std::move(details));
}

// Strings anywhere in a client's message: no control characters (line breaks are allowed in text
// such as chat messages; fields that must be single-line are checked where they are read).
bool clean(const bj::value& v, int depth) {
  if (depth > 8) return false;
  if (v.is_string()) return !json::has_control_characters(v.get_string(), true);
  if (v.is_array()) {
    for (const auto& e : v.get_array()) {
      if (!clean(e, depth + 1)) return false;
    }
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      if (json::has_control_characters(kv.key(), true) || !clean(kv.value(), depth + 1)) return false;
    }
  }
  return true;
}

ClientMessage read_message(const bj::value& v) {
  if (!v.is_object()) throw invalid("message", "must be a JSON object");
  const bj::object& o = v.get_object();
  ClientMessage m;
  // The id first, so that every later complaint can name the message it is about.
  if (const auto* id = o.if_contains("id")) {
    if (id->is_int64() || id->is_uint64()) {
      m.id = *id;
    } else if (id->is_string() && !id->get_string().empty() && id->get_string().size() <= kMaxIdChars &&
               !json::has_control_characters(id->get_string(), false)) {
      m.id = *id;
    } else {
      throw invalid("id", "must be an integer or a string of 1 to 64 characters");
    }
  }
  for (const auto& kv : o) {
    const std::string_view k = kv.key();
    if (k != "op" && k != "ch" && k != "id" && k != "data") throw invalid(k, "is not a known field", m.id);
  }
  const auto* op = o.if_contains("op");
  if (!op || !op->is_string()) throw invalid("op", "is required and must be a string", m.id);
  const std::string_view name = op->get_string();
  bool known = false;
  for (ClientOp candidate :
       {ClientOp::auth, ClientOp::sub, ClientOp::unsub, ClientOp::ping, ClientOp::typing}) {
    if (name == to_string(candidate)) {
      m.op = candidate;
      known = true;
    }
  }
  if (!known) {
    bj::object details{{"op", "is not an operation this server knows"}};
    if (!m.id.is_null()) details["id"] = m.id;
    throw ApiError(400, "unknown_op", "Unknown operation", std::move(details));
  }
  if (const auto* ch = o.if_contains("ch")) {
    if (!ch->is_string() || ch->get_string().empty() || ch->get_string().size() > kMaxChannelChars ||
        json::has_control_characters(ch->get_string(), false)) {
      throw invalid("ch", "must be a channel name such as user:<id>", m.id);
    }
    m.ch = std::string(ch->get_string());
  }
  if (const auto* data = o.if_contains("data")) {
    if (!data->is_object()) throw invalid("data", "must be a JSON object", m.id);
    if (!clean(*data, 0)) throw invalid("data", "must not contain control characters or nest deeply", m.id);
    m.data = data->get_object();
  }
  return m;
}

void append_quoted(std::string& out, std::string_view s) {
  out += bj::serialize(bj::string_view(s));
}

}  // namespace

std::string_view to_string(ClientOp op) {
  switch (op) {
    case ClientOp::auth:
      return "auth";
    case ClientOp::sub:
      return "sub";
    case ClientOp::unsub:
      return "unsub";
    case ClientOp::ping:
      return "ping";
    case ClientOp::typing:
      return "typing";
  }
  return "unknown";
}

std::vector<ClientMessage> parse_client_frame(std::string_view text) {
  if (text.size() > kMaxFrameBytes) {
    throw ApiError(400, "message_too_large", "Message is larger than 16 KiB");
  }
  boost::system::error_code ec;
  bj::parse_options opts;
  opts.max_depth = 12;
  const bj::value v = bj::parse(text, ec, {}, opts);
  if (ec) throw ApiError(400, "invalid_json", "Message is not valid JSON: " + ec.message());
  std::vector<ClientMessage> out;
  if (v.is_array()) {
    const auto& batch = v.get_array();
    if (batch.empty() || batch.size() > kMaxBatch) {
      throw invalid("batch", "must hold 1 to 16 messages");
    }
    out.reserve(batch.size());
    for (const auto& m : batch) out.push_back(read_message(m));
  } else {
    out.push_back(read_message(v));
  }
  return out;
}

std::string event_frame(std::string_view ch, const Offset& offset, std::string_view type,
                        std::string_view payload_json) {
  std::string out;
  out.reserve(64 + ch.size() + type.size() + payload_json.size());
  out += R"({"op":"event","ch":)";
  append_quoted(out, ch);
  out += R"(,"id":")";
  out += offset.str();
  out += R"(","data":{"type":)";
  append_quoted(out, type);
  out += R"(,"payload":)";
  out += payload_json.empty() ? std::string_view("{}") : payload_json;
  out += "}}";
  return out;
}

std::string ephemeral_frame(std::string_view ch, std::string_view type, const bj::object& data) {
  return json::serialize(
      bj::object{{"op", "event"}, {"ch", ch}, {"data", bj::object{{"type", type}, {"payload", data}}}});
}

std::string reply_frame(std::string_view op, const bj::value& id, std::string_view ch,
                        const bj::object& data) {
  bj::object o{{"op", op}};
  if (!ch.empty()) o["ch"] = ch;
  if (!id.is_null()) o["id"] = id;
  o["data"] = data;
  return json::serialize(o);
}

std::string error_frame(const bj::value& id, std::string_view ch, const ApiError& error) {
  bj::object data{{"code", error.code()}, {"message", error.what()}};
  bj::object details = error.details();
  details.erase("id");
  if (!details.empty()) data["details"] = std::move(details);
  return reply_frame("error", id, ch, data);
}

std::string batch_frame(const std::vector<std::string_view>& frames) {
  std::size_t size = 2;
  for (auto f : frames) size += f.size() + 1;
  std::string out;
  out.reserve(size);
  out.push_back('[');
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (i) out.push_back(',');
    out += frames[i];
  }
  out.push_back(']');
  return out;
}

}  // namespace mc::realtime
