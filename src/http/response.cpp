#include "http/response.hpp"

#include "core/json.hpp"
#include "http/context.hpp"

namespace mc::http {

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
  boost::json::object err{{"code", e.code()}, {"message", e.what()}};
  if (!e.details().empty()) err["details"] = e.details();
  Response res = json_response(static_cast<unsigned>(e.status()), boost::json::object{{"error", err}});
  for (const auto& [k, v] : e.headers()) res.set(k, v);
  return res;
}

}  // namespace mc::http
