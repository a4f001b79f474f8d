#include "http/response.hpp"

#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include "core/json.hpp"
#include "http/context.hpp"

namespace mc::http {

namespace {

// Field names whose plain spelling-out would not read as words.
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kFieldNames{{
    {"minTier", "Minimum tier"},
    {"priceCents", "Price (in cents)"},
    {"monthlyPriceCents", "Monthly price (in cents)"},
    {"releaseAt", "Release date"},
    {"scheduledAt", "Start time"},
    {"trackIds", "Track list"},
    {"positionMs", "Position"},
    {"q", "Search text"},
    {"artistName", "Artist name"},
    {"newPassword", "New password"},
    {"currentPassword", "Current password"},
    {"body", "Text"},
}};

std::string field_label(std::string_view key) {
  for (const auto& [k, label] : kFieldNames) {
    if (k == key) return std::string(label);
  }
  // camelCase, snake_case and dotted paths as words: "stageName" → "Stage name",
  // "preferences.new_follower" → "Preferences new follower".
  std::string out;
  for (const char c : key) {
    if (c == '.' || c == '_' || c == '-') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  if (out.empty()) return "A field";
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string describe_fields(const boost::json::object& details) {
  constexpr std::size_t kNamed = 5;  // beyond this, the count of the others
  std::string out;
  std::size_t named = 0;
  std::size_t others = 0;
  for (const auto& kv : details) {
    if (!kv.value().is_string()) continue;
    if (named == kNamed) {
      ++others;
      continue;
    }
    const std::string_view reason = kv.value().get_string();
    if (!out.empty()) out.push_back(' ');
    out += field_label(kv.key());
    out.push_back(' ');
    out += reason;
    if (!reason.empty() && reason.back() != '.' && reason.back() != '?' && reason.back() != '!')
      out.push_back('.');
    ++named;
  }
  if (others == 1) out += " One more field needs a change.";
  if (others > 1) out += " " + std::to_string(others) + " more fields need a change.";
  return out;
}

}  // namespace

Response text_response(unsigned status, std::string body, std::string_view content_type) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(unsigned status, const boost::json::value& body) {
  return text_response(status, mc::json::serialize(body), "application/json");
}

Response empty_response(unsigned status) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.prepare_payload();
  return res;
}

Response written(Context& ctx, unsigned status, const boost::json::value& body, db::Lsn lsn) {
  ctx.consistency_out = lsn;
  return json_response(status, body);
}

Response written_empty(Context& ctx, db::Lsn lsn) {
  ctx.consistency_out = lsn;
  return empty_response(204);
}

Response error_response(const ApiError& e) {
  // A validation error's message is written from its details, so it names every field and says
  // what to do whichever feature raised it (SPEC §5: people read it; clients map the details).
  std::string message = e.what();
  if ((e.code() == "validation_failed" || e.code() == "invalid_query") && !e.details().empty()) {
    if (auto described = describe_fields(e.details()); !described.empty()) message = std::move(described);
  }
  boost::json::object err{{"code", e.code()}, {"message", message}};
  if (!e.details().empty()) err["details"] = e.details();
  Response res = json_response(static_cast<unsigned>(e.status()), boost::json::object{{"error", err}});
  for (const auto& [k, v] : e.headers()) res.set(k, v);
  return res;
}

}  // namespace mc::http
