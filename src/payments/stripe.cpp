#include "payments/stripe.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <mutex>

#include "core/crypto.hpp"
#include "core/offload.hpp"
#include "core/trace.hpp"

namespace mc::payments {
namespace {

namespace bj = boost::json;

// The API version whose object shapes the event handlers read (subscription.current_period_end).
constexpr const char* kApiVersion = "2024-06-20";

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > (8u << 20)) return 0;  // a Stripe answer is never this large
  out->append(data, size * n);
  return size * n;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string str(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string form_escape(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

Form& Form::add(std::string key, std::string value) {
  fields_.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::string Form::encode() const {
  std::string out;
  for (const auto& [k, v] : fields_) {
    if (!out.empty()) out += '&';
    out += form_escape(k);
    out += '=';
    out += form_escape(v);
  }
  return out;
}

StripeClient::StripeClient(std::string api_base, std::string secret_key)
    : base_(std::move(api_base)), key_(std::move(secret_key)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bj::object StripeClient::post(const std::string& path, const Form& form,
                              const std::string& idempotency_key) const {
  return call("POST", path, form.encode(), idempotency_key);
}
bj::object StripeClient::get(const std::string& path) const {
  return call("GET", path, {}, {});
}
bj::object StripeClient::del(const std::string& path) const {
  return call("DELETE", path, {}, {});
}

bj::object StripeClient::call(const char* method, const std::string& path, const std::string& body,
                              const std::string& idempotency_key) const {
  CURL* h = curl_easy_init();
  if (!h) throw ProviderError("curl_easy_init failed", 0, "transport", true);
  std::unique_ptr<CURL, void (*)(CURL*)> guard(h, curl_easy_cleanup);
  curl_slist* headers = nullptr;
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers_guard(nullptr, curl_slist_free_all);
  auto add_header = [&](const std::string& line) {
    headers = curl_slist_append(headers, line.c_str());
    headers_guard.release();
    headers_guard.reset(headers);
  };
  // A client span of the request or job that calls, its traceparent sent along (W3C Trace Context).
  trace::Span span(std::string("Stripe ").append(method), trace::Kind::client);
  span.attribute("http.request.method", std::string(method));
  span.attribute("url.path", path);
  add_header("traceparent: " + span.context().traceparent());
  add_header("Authorization: Bearer " + key_);
  add_header(std::string("Stripe-Version: ") + kApiVersion);
  add_header("Accept: application/json");
  if (!idempotency_key.empty()) add_header("Idempotency-Key: " + idempotency_key);
  std::string response;
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string url = base_ + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 80000L);  // Stripe's own client timeout
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  if (std::string_view(method) == "POST") {
    add_header("Content-Type: application/x-www-form-urlencoded");
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (std::string_view(method) == "DELETE") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    span.error(curl_easy_strerror(rc));
    throw ProviderError(std::string("Stripe unreachable: ") + (errbuf[0] ? errbuf : curl_easy_strerror(rc)),
                        0, "transport", true);
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  span.attribute("http.response.status_code", static_cast<std::int64_t>(status));
  if (status >= 500) span.error("HTTP " + std::to_string(status));
  boost::system::error_code ec;
  bj::value parsed = bj::parse(response, ec);
  if (ec || !parsed.is_object()) {
    throw ProviderError("Stripe answered " + std::to_string(status) + " without a JSON object",
                        static_cast<int>(status), "bad_response", status >= 500);
  }
  bj::object obj = std::move(parsed.as_object());
  if (status >= 400) {
    std::string message = "Stripe error " + std::to_string(status);
    std::string code;
    if (const auto* e = obj.if_contains("error"); e && e->is_object()) {
      const auto& err = e->as_object();
      code = str(err, "code");
      if (code.empty()) code = str(err, "type");
      if (const std::string m = str(err, "message"); !m.empty()) message += ": " + m;
    }
    const bool retryable = status >= 500 || status == 429 || status == 409;
    throw ProviderError(message, static_cast<int>(status), code, retryable);
  }
  return obj;
}

StripeProvider::StripeProvider(std::string api_base, std::string secret_key)
    : client_(std::move(api_base), std::move(secret_key)) {}

awaitable<bj::object> StripeProvider::post(std::string path, Form form, std::string idempotency_key) {
  auto job = [this, path = std::move(path), form = std::move(form), key = std::move(idempotency_key)] {
    return client_.post(path, form, key);
  };
  bj::object result = co_await offload(std::move(job));
  co_return result;
}

awaitable<std::string> StripeProvider::create_customer(db::Cluster&, const std::string& user_id,
                                                       const std::string& email) {
  Form f;
  f.add("email", email).add("metadata[user_id]", user_id);
  const bj::object customer = co_await post("/v1/customers", std::move(f), "customer:" + user_id);
  co_return str(customer, "id");
}

awaitable<std::string> StripeProvider::create_price(db::Cluster&, const PriceSpec& spec) {
  Form f;
  f.add("unit_amount", spec.price_cents)
      .add("currency", lower(spec.currency))
      .add("recurring[interval]", "month")
      .add("product_data[name]", spec.artist_name + " — " + spec.tier)
      .add("metadata[artist_id]", spec.artist_id)
      .add("metadata[tier]", spec.tier);
  const std::string key = "price:" + spec.artist_id + ":" + spec.tier + ":" +
                          std::to_string(spec.price_cents) + ":" + spec.currency;
  const bj::object price = co_await post("/v1/prices", std::move(f), key);
  co_return str(price, "id");
}

awaitable<CheckoutSession> StripeProvider::create_checkout(db::Cluster&, const CheckoutRequest& r) {
  Form f;
  f.add("mode", r.mode)
      .add("customer", r.customer_id)
      .add("client_reference_id", r.checkout_id)
      .add("success_url", r.success_url)
      .add("cancel_url", r.cancel_url)
      .add("metadata[checkout_id]", r.checkout_id)
      .add("metadata[fan_id]", r.fan_id)
      .add("metadata[artist_id]", r.artist_id);
  if (r.mode == "subscription") {
    f.add("line_items[0][price]", r.price_id)
        .add("line_items[0][quantity]", "1")
        .add("metadata[subscription_id]", r.subscription_id)
        .add("metadata[tier]", r.tier)
        .add("subscription_data[metadata][subscription_id]", r.subscription_id)
        .add("subscription_data[metadata][checkout_id]", r.checkout_id)
        .add("subscription_data[metadata][fan_id]", r.fan_id)
        .add("subscription_data[metadata][artist_id]", r.artist_id)
        .add("subscription_data[metadata][tier]", r.tier);
  } else {
    f.add("line_items[0][price_data][currency]", lower(r.currency))
        .add("line_items[0][price_data][unit_amount]", r.amount_cents)
        .add("line_items[0][price_data][product_data][name]", r.description)
        .add("line_items[0][quantity]", "1")
        .add("payment_intent_data[metadata][checkout_id]", r.checkout_id)
        .add("payment_intent_data[metadata][fan_id]", r.fan_id)
        .add("payment_intent_data[metadata][artist_id]", r.artist_id);
  }
  const bj::object session =
      co_await post("/v1/checkout/sessions", std::move(f), "checkout:" + r.checkout_id);
  CheckoutSession out{str(session, "id"), str(session, "url"), std::nullopt};
  if (const std::string secret = str(session, "client_secret"); !secret.empty()) out.client_secret = secret;
  co_return out;
}

awaitable<void> StripeProvider::change_price(db::Cluster&, const PriceChange& change) {
  const std::string path = "/v1/subscriptions/" + form_escape(change.provider_subscription_id);
  auto fetch = [this, path] { return client_.get(path); };
  const bj::object sub = co_await offload(std::move(fetch));
  const auto* items = sub.if_contains("items");
  const auto* data = items && items->is_object() ? items->as_object().if_contains("data") : nullptr;
  if (!data || !data->is_array() || data->as_array().empty() || !data->as_array()[0].is_object()) {
    throw ProviderError("Stripe subscription without items", 502, "bad_response");
  }
  const std::string item_id = str(data->as_array()[0].as_object(), "id");
  Form f;
  f.add("items[0][id]", item_id)
      .add("items[0][price]", change.price_id)
      .add("proration_behavior", change.prorate_now ? "always_invoice" : "none")
      .add("metadata[tier]", change.tier);
  const std::string key =
      "change:" + change.provider_subscription_id + ":" + change.price_id + ":" + to_hex(random_bytes(6));
  co_await post(path, std::move(f), key);
  co_return;
}

awaitable<void> StripeProvider::set_cancel_at_period_end(db::Cluster&,
                                                         const std::string& provider_subscription_id,
                                                         bool cancel) {
  Form f;
  f.add("cancel_at_period_end", cancel ? "true" : "false");
  const std::string key = "cancel:" + provider_subscription_id + ":" + to_hex(random_bytes(6));
  co_await post("/v1/subscriptions/" + form_escape(provider_subscription_id), std::move(f), key);
  co_return;
}

awaitable<void> StripeProvider::cancel_now(db::Cluster&, const std::string& provider_subscription_id) {
  const std::string path = "/v1/subscriptions/" + form_escape(provider_subscription_id);
  auto job = [this, path] { return client_.del(path); };
  co_await offload(std::move(job));
  co_return;
}

awaitable<void> StripeProvider::refund(db::Cluster&, const std::string& payment_intent, int64_t amount_cents,
                                       const std::string& idempotency_key) {
  Form f;
  f.add("payment_intent", payment_intent)
      .add("amount", amount_cents)
      .add("metadata[request]", idempotency_key);
  co_await post("/v1/refunds", std::move(f), "refund:" + idempotency_key);
  co_return;
}

awaitable<ConnectAccount> StripeProvider::create_account(db::Cluster&, const std::string& artist_id,
                                                         const std::string& email) {
  Form f;
  f.add("type", "express")
      .add("email", email)
      .add("capabilities[transfers][requested]", "true")
      .add("metadata[artist_id]", artist_id);
  const bj::object account = co_await post("/v1/accounts", std::move(f), "account:" + artist_id);
  const auto* enabled = account.if_contains("payouts_enabled");
  co_return ConnectAccount{str(account, "id"), enabled && enabled->is_bool() && enabled->as_bool()};
}

awaitable<std::string> StripeProvider::onboarding_link(db::Cluster&, const std::string& account_id,
                                                       const std::string& refresh_url,
                                                       const std::string& return_url) {
  Form f;
  f.add("account", account_id)
      .add("refresh_url", refresh_url)
      .add("return_url", return_url)
      .add("type", "account_onboarding");
  const bj::object link = co_await post("/v1/account_links", std::move(f), "link:" + to_hex(random_bytes(8)));
  co_return str(link, "url");
}

awaitable<std::string> StripeProvider::transfer(db::Cluster&, const TransferRequest& r) {
  Form f;
  f.add("amount", r.amount_cents)
      .add("currency", lower(r.currency))
      .add("destination", r.account_id)
      .add("transfer_group", "payout_" + r.payout_id)
      .add("metadata[payout_id]", r.payout_id)
      .add("metadata[artist_id]", r.artist_id);
  const bj::object transfer = co_await post("/v1/transfers", std::move(f), "payout:" + r.payout_id);
  co_return str(transfer, "id");
}

}  // namespace mc::payments
