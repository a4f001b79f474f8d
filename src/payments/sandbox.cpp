#include "payments/sandbox.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "payments/money.hpp"
#include "payments/signature.hpp"

namespace mc::payments {
namespace {

namespace bj = boost::json;
using db::params;
using db::Query;

constexpr Query kInsert{"sandbox_insert",
                        "INSERT INTO sandbox_objects (id, object, data) VALUES ($1, $2, $3::jsonb) "
                        "ON CONFLICT (id) DO NOTHING"};
constexpr Query kGet{"sandbox_get", "SELECT object, data::text FROM sandbox_objects WHERE id = $1"};
constexpr Query kGetForUpdate{"sandbox_get_for_update",
                              "SELECT object, data::text FROM sandbox_objects WHERE id = $1 FOR UPDATE"};
constexpr Query kUpdate{"sandbox_update",
                        "UPDATE sandbox_objects SET data = $2::jsonb, updated_at = now() WHERE id = $1"};
constexpr Query kChargeByIntent{"sandbox_charge_by_intent",
                                "SELECT object, data::text FROM sandbox_objects WHERE object = 'charge' AND "
                                "data ->> 'payment_intent' = $1 "
                                "FOR UPDATE"};

using Events = std::vector<std::pair<std::string, bj::object>>;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One calendar month later, clamped to the month's last day (Stripe's monthly interval).
int64_t add_month(int64_t t) {
  using namespace std::chrono;
  const sys_seconds s{seconds{t}};
  const auto day = floor<days>(s);
  const year_month_day ymd{day};
  year_month_day next = ymd + months{1};
  if (!next.ok()) next = next.year() / next.month() / last;
  return (sys_days{next} + (s - day)).time_since_epoch().count();
}

std::string new_id(std::string_view prefix) {
  return std::string(prefix) + to_hex(random_bytes(12));
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

ApiError not_found(const std::string& what) {
  return ApiError(404, "not_found", "No such sandbox " + what);
}

// The checkout's own fan only: anyone else is told there is no such checkout.
void require_payer(const bj::object& session, const std::string& fan_id) {
  const auto* meta = session.if_contains("metadata");
  const auto* fan = meta && meta->is_object() ? meta->as_object().if_contains("fan_id") : nullptr;
  if (!fan || !fan->is_string() || fan->as_string() != fan_id) throw not_found("checkout.session");
}

ApiError conflict(const std::string& code, const std::string& message) {
  return ApiError(409, code, message);
}

awaitable<bj::object> load(db::Transaction& tx, const std::string& id, std::string_view object) {
  const db::Result r = co_await tx.exec(kGetForUpdate, params(id));
  if (r.empty() || r.view(0, 0) != object) throw not_found(std::string(object));
  co_return bj::parse(r.view(0, 1)).as_object();
}

awaitable<void> insert(db::Transaction& tx, const bj::object& o) {
  const std::string id(o.at("id").as_string());
  const std::string object(o.at("object").as_string());
  co_await tx.exec(kInsert, params(id, object, mc::json::serialize(o)));
  co_return;
}

awaitable<void> save(db::Transaction& tx, const bj::object& o) {
  const std::string id(o.at("id").as_string());
  co_await tx.exec(kUpdate, params(id, mc::json::serialize(o)));
  co_return;
}

std::string str(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
int64_t num(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

bj::object& first_item(bj::object& sub) {
  return sub["items"].as_object()["data"].as_array().at(0).as_object();
}

bj::object charge_for(const std::string& payment_intent, int64_t amount, const std::string& currency,
                      const bj::object& metadata, const std::optional<std::string>& invoice) {
  return bj::object{{"id", new_id("ch_sbx_")},
                    {"object", "charge"},
                    {"amount", amount},
                    {"amount_captured", amount},
                    {"amount_refunded", 0},
                    {"currency", currency},
                    {"payment_intent", payment_intent},
                    {"invoice", invoice ? bj::value(*invoice) : bj::value(nullptr)},
                    {"paid", true},
                    {"refunded", false},
                    {"disputed", false},
                    {"status", "succeeded"},
                    {"created", now_seconds()},
                    {"livemode", false},
                    {"metadata", metadata}};
}

// An invoice of a subscription; `paid` also creates its payment intent and charge.
bj::object invoice_for(const bj::object& sub, const std::string& reason, int64_t amount, int64_t start,
                       int64_t end, bool paid, std::optional<bj::object>& charge_out) {
  const bj::object& item = sub.at("items").as_object().at("data").as_array().at(0).as_object();
  const bj::object& price = item.at("price").as_object();
  const std::string currency = str(price, "currency");
  const std::string id = new_id("in_sbx_");
  const std::string intent = new_id("pi_sbx_");
  bj::value charge_id = nullptr;
  if (paid) {
    charge_out = charge_for(intent, amount, currency, sub.at("metadata").as_object(), id);
    charge_id = charge_out->at("id");
  }
  bj::object line{{"object", "line_item"},
                  {"amount", amount},
                  {"currency", currency},
                  {"proration", reason == "subscription_update"},
                  {"period", bj::object{{"start", start}, {"end", end}}},
                  {"price", price}};
  return bj::object{{"id", id},
                    {"object", "invoice"},
                    {"subscription", sub.at("id")},
                    {"customer", sub.at("customer")},
                    {"billing_reason", reason},
                    {"amount_due", amount},
                    {"amount_paid", paid ? amount : 0},
                    {"amount_remaining", paid ? 0 : amount},
                    {"currency", currency},
                    {"status", paid ? "paid" : "open"},
                    {"paid", paid},
                    {"attempted", true},
                    {"attempt_count", 1},
                    {"payment_intent", intent},
                    {"charge", charge_id},
                    {"created", now_seconds()},
                    {"period_start", start},
                    {"period_end", end},
                    {"lines", bj::object{{"object", "list"}, {"data", bj::array{std::move(line)}}}},
                    {"subscription_details", bj::object{{"metadata", sub.at("metadata")}}},
                    {"livemode", false}};
}

}  // namespace

SandboxProvider::SandboxProvider(WebhookPipeline& pipeline, std::string public_url)
    : pipeline_(pipeline), public_url_(std::move(public_url)) {
  while (public_url_.ends_with('/')) public_url_.pop_back();
}

awaitable<void> SandboxProvider::emit(db::Cluster& db, const std::string& type, const bj::object& object,
                                      const std::optional<std::string>& account) {
  const int64_t now = now_seconds();
  bj::object event{{"id", new_id("evt_sbx_")},
                   {"object", "event"},
                   {"api_version", "2024-06-20"},
                   {"created", now},
                   {"livemode", false},
                   {"pending_webhooks", 1},
                   {"type", type},
                   {"data", bj::object{{"object", object}}}};
  if (account) event["account"] = *account;
  const std::string body = mc::json::serialize(event);
  const std::string header = signature_header(body, pipeline_.signing_secret(), now);
  co_await pipeline_.receive(db, body, header, now);
  co_return;
}

awaitable<std::string> SandboxProvider::create_customer(db::Cluster& db, const std::string& user_id,
                                                        const std::string& email) {
  const bj::object customer{{"id", new_id("cus_sbx_")},
                            {"object", "customer"},
                            {"email", email},
                            {"metadata", bj::object{{"user_id", user_id}}}};
  auto tx = co_await db.begin();
  co_await insert(tx, customer);
  co_await tx.commit();
  co_return std::string(customer.at("id").as_string());
}

awaitable<std::string> SandboxProvider::create_price(db::Cluster& db, const PriceSpec& spec) {
  const bj::object price{{"id", new_id("price_sbx_")},
                         {"object", "price"},
                         {"active", true},
                         {"unit_amount", spec.price_cents},
                         {"currency", lower(spec.currency)},
                         {"recurring", bj::object{{"interval", "month"}, {"interval_count", 1}}},
                         {"product", bj::object{{"name", spec.artist_name + " — " + spec.tier}}},
                         {"metadata", bj::object{{"artist_id", spec.artist_id}, {"tier", spec.tier}}}};
  auto tx = co_await db.begin();
  co_await insert(tx, price);
  co_await tx.commit();
  co_return std::string(price.at("id").as_string());
}

awaitable<CheckoutSession> SandboxProvider::create_checkout(db::Cluster& db, const CheckoutRequest& r) {
  const std::string id = new_id("cs_sbx_");
  const std::string url = public_url_ + "/sandbox/checkout/" + id;
  bj::object metadata{{"checkout_id", r.checkout_id}, {"fan_id", r.fan_id}, {"artist_id", r.artist_id}};
  auto tx = co_await db.begin();
  int64_t amount = r.amount_cents;
  std::string currency = lower(r.currency);
  bj::object session{{"id", id},
                     {"object", "checkout.session"},
                     {"mode", r.mode},
                     {"status", "open"},
                     {"payment_status", "unpaid"},
                     {"client_reference_id", r.checkout_id},
                     {"customer", r.customer_id},
                     {"success_url", r.success_url},
                     {"cancel_url", r.cancel_url},
                     {"url", url},
                     {"description", r.description},
                     {"created", now_seconds()},
                     {"livemode", false}};
  if (r.mode == "subscription") {
    const bj::object price = co_await load(tx, r.price_id, "price");
    amount = num(price, "unit_amount");
    currency = str(price, "currency");
    metadata["subscription_id"] = r.subscription_id;
    metadata["tier"] = r.tier;
    session["price"] = r.price_id;
    session["subscription_data"] = bj::object{{"metadata", metadata}};
  } else {
    session["payment_intent_data"] = bj::object{{"metadata", metadata}};
  }
  session["amount_total"] = amount;
  session["currency"] = currency;
  session["metadata"] = metadata;
  co_await insert(tx, session);
  co_await tx.commit();
  co_return CheckoutSession{id, url, std::nullopt};
}

awaitable<bj::object> SandboxProvider::checkout_session(db::Cluster& db, const std::string& id,
                                                        const std::string& fan_id) {
  auto tx = co_await db.begin();  // the writer: the checkout was created a moment ago
  const db::Result r = co_await tx.exec(kGet, params(id));
  co_await tx.commit();
  if (r.empty() || r.view(0, 0) != "checkout.session") throw not_found("checkout.session");
  bj::object session = bj::parse(r.view(0, 1)).as_object();
  require_payer(session, fan_id);
  co_return session;
}

awaitable<bj::object> SandboxProvider::pay(db::Cluster& db, const std::string& session_id,
                                           const std::string& fan_id) {
  Events events;
  bj::object session;
  {
    auto tx = co_await db.begin();
    session = co_await load(tx, session_id, "checkout.session");
    require_payer(session, fan_id);
    if (str(session, "status") != "open")
      throw conflict("checkout_closed", "This checkout is no longer open");
    const int64_t now = now_seconds();
    session["status"] = "complete";
    session["payment_status"] = "paid";
    if (str(session, "mode") == "subscription") {
      const bj::object price = co_await load(tx, str(session, "price"), "price");
      const int64_t end = add_month(now);
      bj::object item{
          {"id", new_id("si_sbx_")}, {"object", "subscription_item"}, {"price", price},
          {"quantity", 1},           {"current_period_start", now},   {"current_period_end", end}};
      bj::object sub{{"id", new_id("sub_sbx_")},
                     {"object", "subscription"},
                     {"status", "active"},
                     {"customer", session.at("customer")},
                     {"created", now},
                     {"current_period_start", now},
                     {"current_period_end", end},
                     {"cancel_at_period_end", false},
                     {"canceled_at", nullptr},
                     {"ended_at", nullptr},
                     {"items", bj::object{{"object", "list"}, {"data", bj::array{std::move(item)}}}},
                     {"metadata", session.at("subscription_data").as_object().at("metadata")},
                     {"livemode", false}};
      std::optional<bj::object> charge;
      bj::object invoice =
          invoice_for(sub, "subscription_create", num(price, "unit_amount"), now, end, true, charge);
      sub["latest_invoice"] = invoice.at("id");
      session["subscription"] = sub.at("id");
      co_await insert(tx, sub);
      co_await insert(tx, invoice);
      co_await insert(tx, *charge);
      events.emplace_back("checkout.session.completed", session);
      events.emplace_back("customer.subscription.created", sub);
      events.emplace_back("invoice.paid", invoice);
    } else {
      const std::string intent = new_id("pi_sbx_");
      const bj::object charge = charge_for(intent, num(session, "amount_total"), str(session, "currency"),
                                           session.at("metadata").as_object(), std::nullopt);
      session["payment_intent"] = intent;
      co_await insert(tx, charge);
      events.emplace_back("checkout.session.completed", session);
    }
    co_await save(tx, session);
    co_await tx.commit();
  }
  for (const auto& [type, object] : events) co_await emit(db, type, object);
  co_return session;
}

awaitable<bj::object> SandboxProvider::decline(db::Cluster& db, const std::string& session_id,
                                               const std::string& fan_id) {
  bj::object session;
  {
    auto tx = co_await db.begin();
    session = co_await load(tx, session_id, "checkout.session");
    require_payer(session, fan_id);
    if (str(session, "status") != "open")
      throw conflict("checkout_closed", "This checkout is no longer open");
    session["status"] = "expired";
    session["payment_status"] = "unpaid";
    co_await save(tx, session);
    co_await tx.commit();
  }
  co_await emit(db, "checkout.session.expired", session);
  co_return session;
}

awaitable<bj::object> SandboxProvider::simulate_subscription(db::Cluster& db,
                                                             const std::string& provider_subscription_id,
                                                             const std::string& action) {
  Events events;
  bj::object sub;
  {
    auto tx = co_await db.begin();
    sub = co_await load(tx, provider_subscription_id, "subscription");
    if (str(sub, "status") == "canceled") throw conflict("subscription_ended", "The subscription has ended");
    const std::string latest_id = str(sub, "latest_invoice");
    bj::object latest = co_await load(tx, latest_id, "invoice");
    const bool open_invoice = str(latest, "status") == "open";
    const int64_t now = now_seconds();
    const bool ends = action == "period_end" && sub.at("cancel_at_period_end").as_bool();
    if (ends) {
      sub["status"] = "canceled";
      sub["ended_at"] = now;
      events.emplace_back("customer.subscription.deleted", sub);
    } else if (action == "renewal" || action == "period_end" ||
               (action == "payment_failure" && !open_invoice)) {
      if (open_invoice)
        throw conflict("invoice_open", "The last renewal is unpaid: simulate recovery or another failure");
      const bj::object& price = first_item(sub).at("price").as_object();
      const int64_t start = num(sub, "current_period_end");
      const int64_t end = add_month(start);
      const bool paid = action != "payment_failure";
      std::optional<bj::object> charge;
      bj::object invoice =
          invoice_for(sub, "subscription_cycle", num(price, "unit_amount"), start, end, paid, charge);
      sub["current_period_start"] = start;
      sub["current_period_end"] = end;
      first_item(sub)["current_period_start"] = start;
      first_item(sub)["current_period_end"] = end;
      sub["latest_invoice"] = invoice.at("id");
      sub["status"] = paid ? "active" : "past_due";
      co_await insert(tx, invoice);
      if (charge) co_await insert(tx, *charge);
      events.emplace_back("customer.subscription.updated", sub);
      events.emplace_back(paid ? "invoice.paid" : "invoice.payment_failed", invoice);
    } else if (action == "payment_failure") {
      latest["attempt_count"] = num(latest, "attempt_count") + 1;
      co_await save(tx, latest);
      events.emplace_back("invoice.payment_failed", latest);
    } else if (action == "recovery") {
      if (!open_invoice) throw conflict("nothing_to_recover", "No unpaid invoice to recover");
      const std::string intent = str(latest, "payment_intent");
      const bj::object charge = charge_for(intent, num(latest, "amount_due"), str(latest, "currency"),
                                           sub.at("metadata").as_object(), latest_id);
      latest["status"] = "paid";
      latest["paid"] = true;
      latest["amount_paid"] = latest.at("amount_due");
      latest["amount_remaining"] = 0;
      latest["charge"] = charge.at("id");
      sub["status"] = "active";
      co_await insert(tx, charge);
      co_await save(tx, latest);
      events.emplace_back("invoice.paid", latest);
      events.emplace_back("customer.subscription.updated", sub);
    } else {
      throw ApiError(400, "validation_failed", "Unknown simulation",
                     {{"event", "must be renewal, payment_failure, recovery or period_end"}});
    }
    co_await save(tx, sub);
    co_await tx.commit();
  }
  for (const auto& [type, object] : events) co_await emit(db, type, object);
  co_return sub;
}

awaitable<void> SandboxProvider::change_price(db::Cluster& db, const PriceChange& change) {
  Events events;
  {
    auto tx = co_await db.begin();
    bj::object sub = co_await load(tx, change.provider_subscription_id, "subscription");
    if (str(sub, "status") == "canceled")
      throw ProviderError("the subscription has ended", 400, "subscription_ended");
    const bj::object price = co_await load(tx, change.price_id, "price");
    const int64_t old_amount = num(first_item(sub).at("price").as_object(), "unit_amount");
    first_item(sub)["price"] = price;
    sub["metadata"].as_object()["tier"] = change.tier;
    events.emplace_back("customer.subscription.updated", sub);
    if (change.prorate_now) {
      const int64_t start = num(sub, "current_period_start");
      const int64_t end = num(sub, "current_period_end");
      const int64_t amount =
          proration(old_amount, num(price, "unit_amount"), end - now_seconds(), end - start);
      if (amount > 0) {
        std::optional<bj::object> charge;
        bj::object invoice =
            invoice_for(sub, "subscription_update", amount, now_seconds(), end, true, charge);
        co_await insert(tx, invoice);
        co_await insert(tx, *charge);
        events.emplace_back("invoice.paid", invoice);
      }
    }
    co_await save(tx, sub);
    co_await tx.commit();
  }
  for (const auto& [type, object] : events) co_await emit(db, type, object);
  co_return;
}

awaitable<void> SandboxProvider::set_cancel_at_period_end(db::Cluster& db,
                                                          const std::string& provider_subscription_id,
                                                          bool cancel) {
  bj::object sub;
  {
    auto tx = co_await db.begin();
    sub = co_await load(tx, provider_subscription_id, "subscription");
    if (str(sub, "status") == "canceled")
      throw ProviderError("the subscription has ended", 400, "subscription_ended");
    sub["cancel_at_period_end"] = cancel;
    sub["canceled_at"] = cancel ? bj::value(now_seconds()) : bj::value(nullptr);
    co_await save(tx, sub);
    co_await tx.commit();
  }
  co_await emit(db, "customer.subscription.updated", sub);
  co_return;
}

awaitable<void> SandboxProvider::cancel_now(db::Cluster& db, const std::string& provider_subscription_id) {
  bj::object sub;
  {
    auto tx = co_await db.begin();
    sub = co_await load(tx, provider_subscription_id, "subscription");
    if (str(sub, "status") == "canceled") co_return;
    sub["status"] = "canceled";
    sub["canceled_at"] = now_seconds();
    sub["ended_at"] = now_seconds();
    co_await save(tx, sub);
    co_await tx.commit();
  }
  co_await emit(db, "customer.subscription.deleted", sub);
  co_return;
}

awaitable<void> SandboxProvider::refund(db::Cluster& db, const std::string& payment_intent,
                                        int64_t amount_cents, const std::string& idempotency_key) {
  bj::object charge;
  {
    auto tx = co_await db.begin();
    const db::Result r = co_await tx.exec(kChargeByIntent, params(payment_intent));
    if (r.empty()) throw ProviderError("no charge for " + payment_intent, 404, "resource_missing");
    charge = bj::parse(r.view(0, 1)).as_object();
    auto& refunds = charge["refunds"];
    if (!refunds.is_object()) refunds = bj::object{{"object", "list"}, {"data", bj::array{}}};
    for (const auto& existing : refunds.as_object()["data"].as_array()) {
      if (str(existing.as_object().at("metadata").as_object(), "idempotency_key") == idempotency_key)
        co_return;
    }
    const int64_t refunded = num(charge, "amount_refunded") + amount_cents;
    if (amount_cents <= 0 || refunded > num(charge, "amount")) {
      throw ProviderError("refund exceeds the charge", 400, "charge_already_refunded");
    }
    charge["amount_refunded"] = refunded;
    charge["refunded"] = refunded == num(charge, "amount");
    refunds.as_object()["data"].as_array().push_back(
        bj::object{{"id", new_id("re_sbx_")},
                   {"object", "refund"},
                   {"amount", amount_cents},
                   {"status", "succeeded"},
                   {"metadata", bj::object{{"idempotency_key", idempotency_key}}}});
    co_await save(tx, charge);
    co_await tx.commit();
  }
  co_await emit(db, "charge.refunded", charge);
  co_return;
}

awaitable<bj::object> SandboxProvider::simulate_dispute(db::Cluster& db, const std::string& payment_intent,
                                                        const std::string& action) {
  bj::object dispute;
  std::string type;
  {
    auto tx = co_await db.begin();
    const db::Result r = co_await tx.exec(kChargeByIntent, params(payment_intent));
    if (r.empty()) throw not_found("charge");
    bj::object charge = bj::parse(r.view(0, 1)).as_object();
    if (action == "dispute_created") {
      if (charge.at("disputed").as_bool())
        throw conflict("already_disputed", "This payment is already disputed");
      const int64_t amount = num(charge, "amount") - num(charge, "amount_refunded");
      if (amount <= 0) throw conflict("nothing_to_dispute", "This payment was refunded in full");
      dispute = bj::object{{"id", new_id("dp_sbx_")},   {"object", "dispute"},
                           {"amount", amount},          {"currency", charge.at("currency")},
                           {"charge", charge.at("id")}, {"payment_intent", payment_intent},
                           {"reason", "fraudulent"},    {"status", "needs_response"},
                           {"created", now_seconds()}};
      charge["disputed"] = true;
      charge["dispute"] = dispute.at("id");
      co_await insert(tx, dispute);
      co_await save(tx, charge);
      type = "charge.dispute.created";
    } else if (action == "dispute_won" || action == "dispute_lost") {
      if (!charge.at("disputed").as_bool()) throw conflict("not_disputed", "This payment is not disputed");
      dispute = co_await load(tx, str(charge, "dispute"), "dispute");
      const std::string status = str(dispute, "status");
      if (status == "won" || status == "lost")
        throw conflict("dispute_closed", "The dispute is already closed");
      dispute["status"] = action == "dispute_won" ? "won" : "lost";
      co_await save(tx, dispute);
      type = "charge.dispute.closed";
    } else {
      throw ApiError(400, "validation_failed", "Unknown simulation",
                     {{"event", "must be dispute_created, dispute_won or dispute_lost"}});
    }
    co_await tx.commit();
  }
  co_await emit(db, type, dispute);
  co_return dispute;
}

awaitable<ConnectAccount> SandboxProvider::create_account(db::Cluster& db, const std::string& artist_id,
                                                          const std::string& email) {
  // The sandbox has nothing to fill in: the account is ready at once, as after onboarding.
  const bj::object account{{"id", new_id("acct_sbx_")}, {"object", "account"},
                           {"type", "express"},         {"email", email},
                           {"charges_enabled", true},   {"payouts_enabled", true},
                           {"details_submitted", true}, {"metadata", bj::object{{"artist_id", artist_id}}}};
  {
    auto tx = co_await db.begin();
    co_await insert(tx, account);
    co_await tx.commit();
  }
  const std::string id(account.at("id").as_string());
  co_await emit(db, "account.updated", account, id);
  co_return ConnectAccount{id, true};
}

awaitable<std::string> SandboxProvider::onboarding_link(db::Cluster&, const std::string&, const std::string&,
                                                        const std::string& return_url) {
  co_return return_url;
}

awaitable<std::string> SandboxProvider::transfer(db::Cluster& db, const TransferRequest& r) {
  // The payout id is the idempotency key: a retried job finds the transfer it already made.
  std::string id = "tr_sbx_";
  for (char c : r.payout_id) {
    if (c != '-') id += c;
  }
  bool created = false;
  bj::object transfer{{"id", id},
                      {"object", "transfer"},
                      {"amount", r.amount_cents},
                      {"amount_reversed", 0},
                      {"currency", lower(r.currency)},
                      {"destination", r.account_id},
                      {"reversed", false},
                      {"created", now_seconds()},
                      {"metadata", bj::object{{"payout_id", r.payout_id}, {"artist_id", r.artist_id}}}};
  {
    auto tx = co_await db.begin();
    const db::Result existing = co_await tx.exec(kGetForUpdate, params(id));
    if (existing.empty()) {
      co_await insert(tx, transfer);
      created = true;
    }
    co_await tx.commit();
  }
  if (created) co_await emit(db, "transfer.created", transfer);
  co_return id;
}

awaitable<void> SandboxProvider::reverse_transfer(db::Cluster& db, const std::string& transfer_id) {
  bj::object transfer;
  {
    auto tx = co_await db.begin();
    transfer = co_await load(tx, transfer_id, "transfer");
    if (transfer.at("reversed").as_bool())
      throw conflict("already_reversed", "The transfer is already reversed");
    transfer["reversed"] = true;
    transfer["amount_reversed"] = transfer.at("amount");
    co_await save(tx, transfer);
    co_await tx.commit();
  }
  co_await emit(db, "transfer.reversed", transfer);
  co_return;
}

}  // namespace mc::payments
