#include "payments/webhooks.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "payments/signature.hpp"

namespace mc::payments {
namespace {

namespace bj = boost::json;
using db::params;
using db::Query;

// Stored first (its own transaction): a later failure still leaves the event on record.
constexpr Query kStore{"webhook_store",
                       "INSERT INTO webhook_events (provider, id, type, payload, body) "
                       "VALUES ($1, $2, $3, $4::jsonb, $5) "
                       "ON CONFLICT (provider, id) DO UPDATE SET deliveries = webhook_events.deliveries + 1 "
                       "RETURNING processed_at IS NOT NULL"};
constexpr Query kLock{"webhook_lock",
                      "SELECT type, payload::text, processed_at IS NOT NULL FROM webhook_events "
                      "WHERE provider = $1 AND id = $2 FOR UPDATE"};
constexpr Query kDone{"webhook_done",
                      "UPDATE webhook_events SET processed_at = now(), outcome = $3, last_error = NULL "
                      "WHERE provider = $1 AND id = $2"};
constexpr Query kFailed{
    "webhook_failed",
    "UPDATE webhook_events SET last_error = left($3, 2000) WHERE provider = $1 AND id = $2"};

ApiError invalid_event(const std::string& why) {
  return ApiError(400, "invalid_event", "The event payload is not a valid event", {{"payload", why}});
}

// jsonb refuses U+0000 (and text cannot hold it): the queryable copy of an event has U+FFFD in its
// place. The body column keeps the original.
void replace_nul(bj::value& v) {
  if (v.is_string()) {
    auto& s = v.get_string();
    if (s.find('\0') == bj::string::npos) return;
    std::string out;
    for (char c : s) out += c == '\0' ? std::string_view("\xEF\xBF\xBD") : std::string_view(&c, 1);
    s = out;
  } else if (v.is_array()) {
    for (auto& e : v.get_array()) replace_nul(e);
  } else if (v.is_object()) {
    bj::object cleaned;
    for (auto& kv : v.get_object()) {
      bj::value key(kv.key());
      replace_nul(key);
      replace_nul(kv.value());
      cleaned[key.get_string()] = std::move(kv.value());
    }
    v = std::move(cleaned);
  }
}

}  // namespace

WebhookPipeline::WebhookPipeline(std::string provider, std::vector<std::string> secrets)
    : provider_(std::move(provider)), secrets_(std::move(secrets)) {
  if (secrets_.empty() || secrets_.front().empty())
    throw std::invalid_argument("a webhook secret is required");
}

void WebhookPipeline::on(const std::string& type, EventHandler handler) {
  handlers_[type] = std::move(handler);
}

awaitable<Delivery> WebhookPipeline::receive(db::Cluster& db, std::string_view body,
                                             std::string_view signature_header, int64_t now_seconds) {
  const SignatureCheck check = verify_signature(signature_header, body, secrets_, now_seconds);
  if (check != SignatureCheck::ok) {
    throw ApiError(400, "invalid_signature", "The webhook signature could not be verified",
                   {{"signature", to_string(check)}});
  }
  bj::value parsed;
  boost::system::error_code ec;
  parsed = bj::parse(body, ec);
  if (ec || !parsed.is_object()) throw invalid_event("must be a JSON object");
  const auto& obj = parsed.as_object();
  const auto* id = obj.if_contains("id");
  const auto* type = obj.if_contains("type");
  const auto* data = obj.if_contains("data");
  if (!id || !id->is_string() || id->as_string().empty() || id->as_string().size() > 255 ||
      json::has_control_characters(id->as_string(), false)) {
    throw invalid_event("id must be a string of 1-255 characters without control characters");
  }
  if (!type || !type->is_string() || type->as_string().empty() || type->as_string().size() > 100 ||
      json::has_control_characters(type->as_string(), false)) {
    throw invalid_event("type must be a string of 1-100 characters without control characters");
  }
  if (!data || !data->is_object() || !data->as_object().contains("object") ||
      !data->as_object().at("object").is_object()) {
    throw invalid_event("data.object must be an object");
  }
  const std::string event_id(id->as_string());
  const std::string event_type(type->as_string());
  replace_nul(parsed);
  const std::string queryable = json::serialize(parsed);
  {
    auto tx = co_await db.begin();
    const db::Result r =
        co_await tx.exec(kStore, params(provider_, event_id, event_type, queryable, std::string(body)));
    const bool already = r.boolean(0, 0);
    co_await tx.commit();
    if (already) co_return Delivery::duplicate;
  }
  const Delivery d = co_await process(db, event_id);
  co_return d;
}

awaitable<Delivery> WebhookPipeline::process(db::Cluster& db, const std::string& id) {
  std::exception_ptr failure;
  std::string failure_text;
  Delivery outcome = Delivery::processed;
  try {
    auto tx = co_await db.begin();
    const db::Result row = co_await tx.exec(kLock, params(provider_, id));
    if (row.empty() || row.boolean(0, 2)) co_return Delivery::duplicate;  // another delivery did it
    const std::string type = row.str(0, 0);
    const bj::value payload = bj::parse(row.view(0, 1));
    const auto& obj = payload.as_object();
    Event event;
    event.id = id;
    event.type = type;
    if (const auto* c = obj.if_contains("created"); c && c->is_int64()) event.created = c->as_int64();
    if (const auto* a = obj.if_contains("account"); a && a->is_string())
      event.account = std::string(a->as_string());
    event.object = &obj.at("data").as_object().at("object").as_object();
    bool handled = false;
    const auto h = handlers_.find(type);
    if (h != handlers_.end()) handled = co_await h->second(tx, event);
    outcome = handled ? Delivery::processed : Delivery::ignored;
    const std::string outcome_text = to_string(outcome);
    co_await tx.exec(kDone, params(provider_, id, outcome_text));
    co_await tx.commit();
  } catch (const std::exception& e) {
    failure = std::current_exception();
    failure_text = e.what();
  }
  if (failure) {
    log::warn("webhook event failed", {{"provider", provider_}, {"event", id}, {"error", failure_text}});
    auto tx = co_await db.begin();
    co_await tx.exec(kFailed, params(provider_, id, failure_text));
    co_await tx.commit();
    std::rethrow_exception(failure);
  }
  co_return outcome;
}

const char* to_string(Delivery d) {
  switch (d) {
    case Delivery::processed:
      return "processed";
    case Delivery::ignored:
      return "ignored";
    case Delivery::duplicate:
      return "duplicate";
  }
  return "processed";
}

}  // namespace mc::payments
