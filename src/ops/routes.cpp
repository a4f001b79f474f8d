#include "ops/routes.hpp"

#include <boost/json.hpp>

#include "core/build_info.hpp"
#include "core/embedded_file.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "db/migrations.hpp"
#include "features/artists/genres.hpp"
#include "http/context.hpp"
#include "http/response.hpp"
#include "mail/mailer.hpp"
#include "ops/metrics.hpp"

namespace mc::ops {
namespace {

namespace bj = boost::json;
using boost::asio::awaitable;
using http::Context;
using http::Response;
using http::Verb;

constexpr db::Query kPing{"ops_ping", "SELECT 1"};
const http::RouteOptions kOps{.api_rate_limited = false};

}  // namespace

void register_routes(http::Router& router, const Config& config, const std::atomic<bool>& draining) {
  router.add(
      Verb::get, "/health",
      [](Context&) -> awaitable<Response> {
        static const std::string body = R"({"status":"ok"})";
        co_return http::text_response(200, body, "application/json");
      },
      kOps);

  router.add(
      Verb::get, "/ready",
      [&draining](Context& ctx) -> awaitable<Response> {
        bj::object checks;
        bool ready = !draining.load();
        checks["draining"] = draining.load();
        try {
          auto conn = co_await ctx.db().writer();
          const db::SchemaState schema = co_await db::schema_state(*conn);
          checks["database"] = "ok";
          checks["schemaVersion"] = schema.applied;
          checks["expectedSchemaVersion"] = schema.expected;
          // Ahead but declared compatible: the previous release's pods keep serving while a new
          // release rolls out, and after a rollback (docs/operations.md, "Schema changes").
          checks["schemaCompatible"] = schema.compatible;
          if (!schema.compatible) ready = false;
        } catch (const std::exception& e) {
          checks["database"] = e.what();
          ready = false;
        }
        if (auto* reader = ctx.db().reader_pool()) {
          try {
            auto lease = co_await reader->acquire();
            co_await lease->exec(kPing);
            checks["replica"] = "ok";
          } catch (const std::exception& e) {
            checks["replica"] = std::string("degraded: ") + e.what();  // reads fall back to the writer
          }
        }
        co_return http::json_response(
            ready ? 200 : 503, bj::object{{"status", ready ? "ready" : "not_ready"}, {"checks", checks}});
      },
      kOps);

  router.add(
      Verb::get, "/metrics",
      [](Context&) -> awaitable<Response> {
        co_return http::text_response(200, metrics().render(), "text/plain; version=0.0.4");
      },
      kOps);

  router.add(Verb::get, "/api/openapi.json", [](Context&) -> awaitable<Response> {
    const auto doc = find_embedded(embedded_docs(), "openapi.json");
    co_return http::text_response(200, std::string(doc.value_or("{}")), "application/json");
  });

  router.add(Verb::get, "/api/genres", [](Context&) -> awaitable<Response> {
    bj::array out;
    for (auto g : artists::genres()) out.emplace_back(g);
    co_return http::json_response(200, bj::object{{"genres", std::move(out)}});
  });

  if (config.is_development()) {
    router.add(Verb::get, "/api/dev/mail", [&config](Context&) -> awaitable<Response> {
      auto job = [&config] { return mail::list_sink(config.var_dir); };
      auto messages = co_await offload(std::move(job));
      co_return http::json_response(200, bj::object{{"messages", std::move(messages)}});
    });
  }
}

}  // namespace mc::ops
