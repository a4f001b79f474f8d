#include "features/memberships/handlers.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "events/outbox.hpp"
#include "features/buying/store.hpp"
#include "features/memberships/store.hpp"
#include "features/memberships/tiers.hpp"
#include "payments/fields.hpp"
#include "payments/ledger.hpp"
#include "payments/money.hpp"

namespace mc::memberships {
namespace {

namespace bj = boost::json;
namespace f = payments::fields;
using boost::asio::awaitable;
using payments::Event;

constexpr int kFailedAttemptsForPastDue = 3;  // SPEC §3: after the processor's 3rd failed attempt

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int rank(const std::string& tier) {
  const auto t = parse_tier(tier);
  return t ? static_cast<int>(*t) : 0;
}

// The tier and price a provider subscription is on: its (first) item's price, tagged with our tier.
struct ProviderPlan {
  std::optional<std::string> tier;
  int64_t price = 0;
  int64_t period_start = 0;
  int64_t period_end = 0;
};

ProviderPlan plan_of(const bj::object* sub) {
  ProviderPlan p;
  const bj::object* item = f::first(sub, "items");
  const bj::object* price = f::object(item, "price");
  p.tier = f::str(f::object(price, "metadata"), "tier");
  if (!p.tier) p.tier = f::str(f::object(sub, "metadata"), "tier");
  if (p.tier && !parse_tier(*p.tier)) p.tier.reset();
  if (p.tier == "free") p.tier.reset();
  p.price = f::num(price, "unit_amount");
  // API versions before 2025-03 carry the period on the subscription, later ones on the item.
  p.period_start = f::num(sub, "current_period_start");
  p.period_end = f::num(sub, "current_period_end");
  if (p.period_end == 0) {
    p.period_start = f::num(item, "current_period_start");
    p.period_end = f::num(item, "current_period_end");
  }
  return p;
}

payments::Split split_of(const store::Payment& p) {
  return payments::Split{p.amount_cents, p.processor_fee, p.platform_fee, p.artist_cents};
}

// Access paid for by a refunded or disputed payment ends now.
awaitable<void> revoke(db::Transaction& tx, const std::string& provider, const std::optional<std::string>& sub_id) {
  if (!sub_id) co_return;
  auto s = co_await store::lock_subscription(tx, sub_id, provider, std::nullopt);
  if (!s) co_return;
  s->status = "canceled";
  s->cancel_at_period_end = false;
  s->pending_tier.reset();
  s->pending_price_cents.reset();
  s->period_end = std::min(s->period_end, now_seconds());
  co_await store::save_subscription(tx, *s);
  const bj::object event{{"subscriptionId", s->id}, {"fanId", s->fan_id}, {"artistId", s->artist_id},
                         {"status", "canceled"}, {"reason", "payment_reversed"}};
  co_await events::append(tx, "subscription.changed", s->artist_id, event);
  co_return;
}

// What a refunded or disputed payment bought is no longer the fan's (any part refunded: all of it).
awaitable<void> revoke_purchases(db::Transaction& tx, const std::string& payment_id) {
  const auto revoked = co_await buying::store::revoke_by_payment(tx, payment_id);
  for (const auto& r : revoked) {
    const bj::object event{{"purchaseId", r.id},      {"fanId", r.fan_id},   {"artistId", r.artist_id},
                           {"itemType", r.item_type}, {"itemId", r.item_id}, {"status", "revoked"}};
    co_await events::append(tx, "purchase.revoked", r.artist_id, event);
  }
  co_return;
}

class Handlers {
 public:
  explicit Handlers(HandlerOptions o) : o_(std::move(o)) {}

  awaitable<bool> checkout_completed(db::Transaction& tx, const Event& ev) {
    const bj::object* session = ev.object;
    auto checkout_id = f::uuid(f::str(f::object(session, "metadata"), "checkout_id"));
    if (!checkout_id) checkout_id = f::uuid(f::str(session, "client_reference_id"));
    if (!checkout_id) co_return false;
    const auto c = co_await store::lock_checkout(tx, *checkout_id);
    if (!c) co_return false;
    co_await store::set_checkout_status(tx, c->id, "completed");
    if (c->kind == "subscription") {
      auto s = co_await store::lock_subscription(tx, c->subscription_id, o_.provider, f::str(session, "subscription"));
      if (s && !s->provider_subscription_id) {
        s->provider_subscription_id = f::str(session, "subscription");
        if (const auto customer = f::str(session, "customer")) s->provider_customer_id = customer;
        co_await store::save_subscription(tx, *s);
      }
      co_return true;
    }
    if (f::str(session, "payment_status") != "paid") co_return true;
    const int64_t amount = f::num(session, "amount_total");
    const std::string currency = f::upper(f::str(session, "currency").value_or(c->currency));
    if (amount <= 0 || amount > payments::kMaxAmountCents) co_return true;
    const payments::Split split = payments::split(amount, o_.platform_fee_bps);
    const bool purchase = c->kind == "purchase";
    store::NewPayment p;
    p.kind = purchase ? "purchase" : "tip";
    p.fan_id = c->fan_id;
    p.artist_id = c->artist_id;
    p.amount_cents = amount;
    p.currency = currency;
    p.processor_fee = split.processor_fee;
    p.platform_fee = split.platform_fee;
    p.artist_cents = split.artist;
    p.message = c->message;
    p.provider = o_.provider;
    p.provider_ref = f::str(session, "id").value_or(ev.id);
    p.payment_intent = f::str(session, "payment_intent");
    const auto payment_id = co_await store::insert_payment(tx, p);
    if (!payment_id) co_return true;
    const auto posting =
        payments::ledger::charge(p.kind, p.provider_ref, *payment_id, c->artist_id, currency, split);
    co_await payments::ledger::post(tx, posting);
    if (purchase) {
      // The fan owns the item from now on (docs/buying.md).
      const auto bought = co_await buying::store::activate_by_checkout(tx, c->id, *payment_id);
      if (bought && bought->status == "active") {
        const bj::object event{
            {"purchaseId", bought->id}, {"paymentId", *payment_id},      {"fanId", c->fan_id},
            {"artistId", c->artist_id}, {"itemType", bought->item_type}, {"itemId", bought->item_id},
            {"amountCents", amount},    {"currency", currency}};
        co_await events::append(tx, "purchase.completed", c->artist_id, event);
      }
      co_return true;
    }
    bj::object event{{"paymentId", *payment_id}, {"fanId", c->fan_id},   {"artistId", c->artist_id},
                     {"amountCents", amount},    {"currency", currency}, {"message", c->message ? bj::value(*c->message) : bj::value(nullptr)}};
    co_await events::append(tx, "tip.received", c->artist_id, event);
    co_return true;
  }

  awaitable<bool> checkout_expired(db::Transaction& tx, const Event& ev) {
    auto checkout_id = f::uuid(f::str(f::object(ev.object, "metadata"), "checkout_id"));
    if (!checkout_id) checkout_id = f::uuid(f::str(ev.object, "client_reference_id"));
    if (!checkout_id) co_return false;
    const auto c = co_await store::lock_checkout(tx, *checkout_id);
    if (!c) co_return false;
    const bool changed = co_await store::set_checkout_status(tx, c->id, "expired");
    if (changed && c->subscription_id) co_await store::abandon_incomplete(tx, *c->subscription_id);
    if (changed && c->kind == "purchase") co_await buying::store::expire_by_checkout(tx, c->id);
    co_return true;
  }

  awaitable<bool> subscription_changed(db::Transaction& tx, const Event& ev, bool deleted) {
    const bj::object* obj = ev.object;
    const auto our_id = f::uuid(f::str(f::object(obj, "metadata"), "subscription_id"));
    auto s = co_await store::lock_subscription(tx, our_id, o_.provider, f::str(obj, "id"));
    if (!s) co_return false;
    if (!s->provider_subscription_id) s->provider_subscription_id = f::str(obj, "id");
    if (!s->provider_customer_id) s->provider_customer_id = f::str(obj, "customer");
    const std::string status = f::str(obj, "status").value_or("");
    const ProviderPlan plan = plan_of(obj);
    if (deleted || status == "canceled" || status == "incomplete_expired") {
      int64_t ended = f::num(obj, "ended_at");
      if (ended == 0) ended = now_seconds();
      s->status = "canceled";
      s->cancel_at_period_end = false;
      s->pending_tier.reset();
      s->pending_price_cents.reset();
      s->period_end = std::min(s->period_end, ended);
    } else {
      if (plan.period_end >= s->period_end && plan.period_end > 0) {
        s->period_start = plan.period_start;
        s->period_end = plan.period_end;
      }
      s->cancel_at_period_end = f::flag(obj, "cancel_at_period_end");
      if (plan.tier) {
        if (rank(*plan.tier) > rank(s->tier)) {  // upgrade: at once
          s->tier = *plan.tier;
          if (plan.price > 0) s->price_cents = plan.price;
          s->pending_tier.reset();
          s->pending_price_cents.reset();
        } else if (rank(*plan.tier) < rank(s->tier)) {  // downgrade: from the next period
          s->pending_tier = plan.tier;
          if (plan.price > 0) s->pending_price_cents = plan.price;
        } else {
          s->pending_tier.reset();
          s->pending_price_cents.reset();
        }
      }
      if (s->status != "canceled") {
        if (status == "active" || status == "trialing") {
          if (s->failed_attempts < kFailedAttemptsForPastDue || s->status != "past_due") s->status = "active";
        } else if (status == "past_due" || status == "unpaid") {
          // The processor marks a subscription past_due at the first failure; paid perks stop only
          // after the third failed attempt (invoice.payment_failed counts them).
          if (s->failed_attempts >= kFailedAttemptsForPastDue) s->status = "past_due";
          else if (s->status == "incomplete") s->status = "incomplete";
          else s->status = "active";
        }
      }
    }
    co_await store::save_subscription(tx, *s);
    const bj::object event{{"subscriptionId", s->id}, {"fanId", s->fan_id}, {"artistId", s->artist_id},
                           {"tier", s->tier},         {"status", s->status}};
    co_await events::append(tx, "subscription.changed", s->artist_id, event);
    co_return true;
  }

  // Which of our subscriptions an invoice belongs to (older and newer API shapes).
  awaitable<std::optional<store::Subscription>> invoice_subscription(db::Transaction& tx, const bj::object* inv) {
    const bj::object* details = f::object(inv, "subscription_details");
    if (!details) details = f::path(inv, {"parent", "subscription_details"});
    auto provider_id = f::str(inv, "subscription");
    if (!provider_id) provider_id = f::str(details, "subscription");
    const auto our_id = f::uuid(f::str(f::object(details, "metadata"), "subscription_id"));
    auto s = co_await store::lock_subscription(tx, our_id, o_.provider, provider_id);
    if (s && !s->provider_subscription_id) s->provider_subscription_id = provider_id;
    co_return s;
  }

  awaitable<bool> invoice_paid(db::Transaction& tx, const Event& ev) {
    const bj::object* inv = ev.object;
    auto s = co_await invoice_subscription(tx, inv);
    if (!s) co_return false;
    const std::string reason = f::str(inv, "billing_reason").value_or("subscription_cycle");
    const int64_t amount = f::num(inv, "amount_paid");
    const std::string currency = f::upper(f::str(inv, "currency").value_or(s->currency));
    const std::string invoice_id = f::str(inv, "id").value_or(ev.id);
    const bool proration = reason == "subscription_update";
    if (amount > 0 && amount <= payments::kMaxAmountCents) {
      const payments::Split split = payments::split(amount, o_.platform_fee_bps);
      store::NewPayment p;
      p.kind = proration ? "proration" : "subscription";
      p.fan_id = s->fan_id;
      p.artist_id = s->artist_id;
      p.subscription_id = s->id;
      p.tier = s->tier;
      p.amount_cents = amount;
      p.currency = currency;
      p.processor_fee = split.processor_fee;
      p.platform_fee = split.platform_fee;
      p.artist_cents = split.artist;
      p.provider = o_.provider;
      p.provider_ref = invoice_id;
      p.payment_intent = f::str(inv, "payment_intent");
      p.charge_id = f::str(inv, "charge");
      const auto payment_id = co_await store::insert_payment(tx, p);
      if (payment_id) {
        const auto posting =
            payments::ledger::charge(p.kind, invoice_id, *payment_id, s->artist_id, currency, split);
        co_await payments::ledger::post(tx, posting);
      }
    }
    if (!proration && s->status != "canceled") {
      const bj::object* line = f::first(inv, "lines");
      const int64_t start = f::num(f::object(line, "period"), "start");
      const int64_t end = f::num(f::object(line, "period"), "end");
      if (reason == "subscription_cycle" && s->pending_tier) {
        s->tier = *s->pending_tier;  // a downgrade takes effect with the new period
        if (s->pending_price_cents) s->price_cents = *s->pending_price_cents;
        s->pending_tier.reset();
        s->pending_price_cents.reset();
      }
      if (end > s->period_end) {
        s->period_start = start;
        s->period_end = end;
      }
      s->status = "active";  // paid: new, renewed or recovered
      s->failed_attempts = 0;
    }
    co_await store::save_subscription(tx, *s);
    const bj::object event{{"subscriptionId", s->id}, {"fanId", s->fan_id}, {"artistId", s->artist_id},
                           {"tier", s->tier},         {"status", s->status}, {"amountCents", amount}};
    co_await events::append(tx, "subscription.changed", s->artist_id, event);
    co_return true;
  }

  awaitable<bool> invoice_failed(db::Transaction& tx, const Event& ev) {
    const bj::object* inv = ev.object;
    auto s = co_await invoice_subscription(tx, inv);
    if (!s) co_return false;
    const int attempts = static_cast<int>(std::min<int64_t>(f::num(inv, "attempt_count"), 1000));
    s->failed_attempts = std::max(s->failed_attempts, attempts);
    if (s->failed_attempts >= kFailedAttemptsForPastDue && s->status == "active") s->status = "past_due";
    co_await store::save_subscription(tx, *s);
    const bj::object event{{"subscriptionId", s->id}, {"fanId", s->fan_id},  {"artistId", s->artist_id},
                           {"attempt", attempts},     {"status", s->status}};
    co_await events::append(tx, "payment.failed", s->fan_id, event);
    co_return true;
  }

  awaitable<bool> charge_refunded(db::Transaction& tx, const Event& ev) {
    const bj::object* ch = ev.object;
    auto p = co_await store::lock_payment(tx, o_.provider, f::str(ch, "payment_intent"), f::str(ch, "id"));
    if (!p || !p->artist_id) co_return false;
    const int64_t total = std::min(f::num(ch, "amount_refunded"), p->amount_cents);
    if (total <= p->refunded_cents) co_return true;  // nothing new refunded
    // Differences of cumulative shares: partial refunds add up exactly to the whole payment.
    const payments::Split now_share = payments::reverse_share(split_of(*p), total);
    payments::Split share = now_share;
    if (p->refunded_cents > 0) {
      const payments::Split before = payments::reverse_share(split_of(*p), p->refunded_cents);
      share.amount -= before.amount;
      share.artist -= before.artist;
      share.platform_fee -= before.platform_fee;
      share.processor_fee -= before.processor_fee;
    }
    const std::string reference = f::str(ch, "id").value_or(p->id) + ":" + std::to_string(total);
    const auto posting = payments::ledger::reversal("refund", reference, p->id, *p->artist_id, p->currency, share);
    co_await payments::ledger::post(tx, posting);
    const std::string status = total == p->amount_cents ? "refunded" : "partially_refunded";
    co_await store::set_payment_state(tx, p->id, p->status == "disputed" ? p->status : status, total);
    co_await revoke(tx, o_.provider, p->subscription_id);
    co_await revoke_purchases(tx, p->id);
    co_return true;
  }

  awaitable<bool> dispute(db::Transaction& tx, const Event& ev, bool closed) {
    const bj::object* dp = ev.object;
    auto p = co_await store::lock_payment(tx, o_.provider, f::str(dp, "payment_intent"), f::str(dp, "charge"));
    if (!p || !p->artist_id) co_return false;
    const std::string dispute_id = f::str(dp, "id").value_or(ev.id);
    const int64_t amount = std::min(f::num(dp, "amount"), p->amount_cents);
    if (amount <= 0) co_return true;
    const payments::Split share = payments::reverse_share(split_of(*p), amount);
    if (!closed) {
      const auto posting = payments::ledger::reversal("dispute", dispute_id, p->id, *p->artist_id, p->currency, share);
      co_await payments::ledger::post(tx, posting);
      co_await store::set_payment_state(tx, p->id, "disputed", p->refunded_cents);
      co_await revoke(tx, o_.provider, p->subscription_id);
      co_await revoke_purchases(tx, p->id);
      co_return true;
    }
    const std::string outcome = f::str(dp, "status").value_or("");
    if (outcome == "won") {
      const auto posting = payments::ledger::reinstatement(dispute_id, p->id, *p->artist_id, p->currency, share);
      co_await payments::ledger::post(tx, posting);
      const std::string status = p->refunded_cents > 0 ? "partially_refunded" : "succeeded";
      co_await store::set_payment_state(tx, p->id, status, p->refunded_cents);
      // The fan keeps what they bought after all, unless part of it was refunded.
      if (p->refunded_cents == 0) co_await buying::store::reinstate_by_payment(tx, p->id);
    } else if (outcome == "lost") {
      co_await store::set_payment_state(tx, p->id, "dispute_lost", p->refunded_cents);
    }
    co_return true;
  }

  awaitable<bool> account_updated(db::Transaction& tx, const Event& ev) {
    const bj::object* acct = ev.object;
    const auto id = f::str(acct, "id");
    if (!id) co_return false;
    const auto artist = f::uuid(f::str(f::object(acct, "metadata"), "artist_id"));
    const bool changed =
        co_await store::account_updated(tx, o_.provider, *id, artist, f::flag(acct, "charges_enabled"),
                                        f::flag(acct, "payouts_enabled"), f::flag(acct, "details_submitted"));
    co_return changed;
  }

  // A connected account's own payout to its bank (Connect events name the account).
  awaitable<bool> bank_payout(db::Transaction& tx, const Event& ev) {
    if (!ev.account) co_return false;
    const std::string status = f::str(ev.object, "status").value_or(ev.type == "payout.paid" ? "paid" : "failed");
    co_await store::account_payout_status(tx, o_.provider, *ev.account, status);
    co_return true;
  }

 private:
  HandlerOptions o_;
};

}  // namespace

void register_event_handlers(payments::WebhookPipeline& pipeline, HandlerOptions options) {
  auto h = std::make_shared<Handlers>(std::move(options));
  pipeline.on("checkout.session.completed",
              [h](db::Transaction& tx, const Event& ev) { return h->checkout_completed(tx, ev); });
  pipeline.on("checkout.session.expired",
              [h](db::Transaction& tx, const Event& ev) { return h->checkout_expired(tx, ev); });
  pipeline.on("customer.subscription.created",
              [h](db::Transaction& tx, const Event& ev) { return h->subscription_changed(tx, ev, false); });
  pipeline.on("customer.subscription.updated",
              [h](db::Transaction& tx, const Event& ev) { return h->subscription_changed(tx, ev, false); });
  pipeline.on("customer.subscription.deleted",
              [h](db::Transaction& tx, const Event& ev) { return h->subscription_changed(tx, ev, true); });
  pipeline.on("invoice.paid", [h](db::Transaction& tx, const Event& ev) { return h->invoice_paid(tx, ev); });
  pipeline.on("invoice.payment_failed",
              [h](db::Transaction& tx, const Event& ev) { return h->invoice_failed(tx, ev); });
  pipeline.on("charge.refunded", [h](db::Transaction& tx, const Event& ev) { return h->charge_refunded(tx, ev); });
  pipeline.on("charge.dispute.created",
              [h](db::Transaction& tx, const Event& ev) { return h->dispute(tx, ev, false); });
  pipeline.on("charge.dispute.closed", [h](db::Transaction& tx, const Event& ev) { return h->dispute(tx, ev, true); });
  pipeline.on("account.updated", [h](db::Transaction& tx, const Event& ev) { return h->account_updated(tx, ev); });
  pipeline.on("payout.paid", [h](db::Transaction& tx, const Event& ev) { return h->bank_payout(tx, ev); });
  pipeline.on("payout.failed", [h](db::Transaction& tx, const Event& ev) { return h->bank_payout(tx, ev); });
}

}  // namespace mc::memberships
