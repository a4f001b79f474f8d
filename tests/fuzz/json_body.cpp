// The JSON request-body reader and the field validation every route uses, on arbitrary bodies,
// plus the query-string readers (pagination) on the same bytes as a query. Invariants: the only
// failures are ApiError 400 invalid_json / validation_failed / invalid_query; an accepted body is
// an object that serializes and parses back to itself (decimals within an ULP, see below); validation names
// only fields that were asked for or sent; pagination stays within its documented bounds.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "fuzz_check.hpp"
#include "http/context.hpp"
#include "http/pagination.hpp"
#include "http/request_body.hpp"

using namespace mc;

namespace {

// The same document, except that a decimal may come back one unit in the last place away:
// Boost.JSON 1.81 parses decimals fast, not correctly rounded ("5e32" reads as
// 5.0000000000000004e32; precise parsing arrived in 1.83), so doubles compare within 1e-15.
// Numbers compare by value: responses write a whole double as an integer ("2.5e3" comes back as
// 2500, an int64), never in exponent notation.
bool equivalent(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::fabs(x - y) <= 1e-15 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!equivalent(p[i], q[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (const auto& kv : p) {
      const auto* other = q.if_contains(kv.key());
      if (!other || !equivalent(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(bytes), size);
  http::Request req{http::Verb::post, "/api/releases", 11};
  req.set(http::bhttp::field::content_type, "application/json");
  req.body() = std::string(in);
  const http::Loop loop;
  http::Context ctx(req, loop);

  try {
    const boost::json::object obj = http::json_body(ctx);
    const std::string text = json::serialize(obj);
    FUZZ_CHECK(equivalent(json::parse_object(text), obj));
    // A route's reading of its fields: known ones read, the rest refused by finish().
    json::FieldReader r(obj);
    const std::string title = r.required_string("title");
    const auto kind = r.optional_string("kind");
    r.accept("tags");
    if (!r.has_error("title") && title.empty()) r.fail("title", "must not be empty");
    try {
      r.finish();
      FUZZ_CHECK(obj.contains("title") && !title.empty());
      for (const auto& kv : obj) {
        const std::string_view k = kv.key();
        FUZZ_CHECK(k == "title" || k == "kind" || k == "tags");
      }
    } catch (const ApiError& e) {
      FUZZ_CHECK(e.status() == 400 && e.code() == "validation_failed" && !e.details().empty());
      for (const auto& kv : e.details()) {
        const std::string_view k = kv.key();
        FUZZ_CHECK(k == "title" || k == "kind" || obj.contains(k));
        FUZZ_CHECK(kv.value().is_string());
      }
    }
  } catch (const ApiError& e) {
    // Not JSON, or JSON holding a control character in some string (refused field by field).
    FUZZ_CHECK(e.status() == 400 && (e.code() == "invalid_json" || e.code() == "validation_failed"));
  }

  try {
    http::no_body(ctx);
    FUZZ_CHECK(in.empty() || http::json_body(ctx).empty());
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.status() == 400);
  }

  ctx.query = in;
  try {
    const http::Page page = http::pagination(ctx, 20);
    FUZZ_CHECK(page.page >= 1 && page.page <= 100000 && page.limit >= 1 && page.limit <= 100);
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.status() == 400 && e.code() == "invalid_query");
  }
  try {
    (void)ctx.query_param("n");
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.status() == 400 && e.code() == "invalid_query");  // a control character in the value
  }
  return 0;
}
