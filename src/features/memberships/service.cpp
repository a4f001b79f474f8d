#include "features/memberships/service.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <ctime>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "events/outbox.hpp"
#include "features/memberships/tiers.hpp"
#include "payments/money.hpp"

namespace mc::memberships {
namespace {

namespace bj = boost::json;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bj::value iso(int64_t t) {
  if (t <= 0) return nullptr;
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return bj::value(buf);
}

bj::value opt(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

int rank(const std::string& tier) {
  const auto t = parse_tier(tier);
  return t ? static_cast<int>(*t) : 0;
}

// What the subscription grants right now, by the same rule as access_for.
std::string effective_tier(const store::Subscription& s) {
  const int64_t now = now_seconds();
  if (s.status == "active" && !(s.cancel_at_period_end && s.period_end <= now)) return s.tier;
  if (s.status == "canceled" && s.period_end > now) return s.tier;
  return "free";
}

bj::object tiers_json(const std::vector<TierPrice>& prices) {
  const std::string currency = prices.empty() ? "USD" : prices.front().currency;
  bj::array tiers;
  tiers.push_back(bj::object{{"tier", "free"},
                             {"rank", 0},
                             {"priceCents", 0},
                             {"currency", currency},
                             {"perks", bj::array{"Stream public tracks at 128 kbps", "Follow and comment"}}});
  for (const auto& t : prices) {
    bj::array perks;
    for (const auto& p : t.perks) perks.emplace_back(p);
    tiers.push_back(bj::object{{"tier", t.tier},
                               {"rank", rank(t.tier)},
                               {"priceCents", t.price_cents},
                               {"currency", t.currency},
                               {"perks", std::move(perks)}});
  }
  return bj::object{{"currency", currency}, {"tiers", std::move(tiers)}};
}

const TierPrice& price_of(const std::vector<TierPrice>& prices, const std::string& tier) {
  for (const auto& p : prices) {
    if (p.tier == tier) return p;
  }
  throw ApiError(400, "validation_failed", "Request body is invalid",
                 {{"tier", "must be supporter or superfan"}});
}

void require_tier(const std::string& tier) {
  if (tier != "supporter" && tier != "superfan") {
    throw ApiError(400, "validation_failed", "Request body is invalid",
                   {{"tier", "must be supporter or superfan"}});
  }
}

ApiError checkout_in_progress(const std::optional<std::string>& subscription_id) {
  bj::object details;
  if (subscription_id) details["subscriptionId"] = *subscription_id;
  return ApiError(409, "checkout_in_progress",
                  "A checkout for this artist was just started; finish it or try again in a moment",
                  std::move(details));
}

}  // namespace

std::string new_uuid() {
  std::string b = random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  const std::string h = to_hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

bj::object to_json(const store::Subscription& s) {
  return bj::object{
      {"id", s.id},
      {"artistId", s.artist_id},
      {"artist", bj::object{{"id", s.artist_id}, {"stageName", s.artist_name}, {"slug", s.artist_slug}}},
      {"tier", s.tier},
      {"status", s.status},
      {"access", effective_tier(s)},
      {"priceCents", s.price_cents},
      {"currency", s.currency},
      {"currentPeriodStart", iso(s.period_start)},
      {"currentPeriodEnd", s.status == "incomplete" ? bj::value(nullptr) : iso(s.period_end)},
      {"cancelAtPeriodEnd", s.cancel_at_period_end},
      {"pendingTier", opt(s.pending_tier)},
      {"pendingPriceCents", s.pending_price_cents ? bj::value(*s.pending_price_cents) : bj::value(nullptr)},
      {"failedPaymentAttempts", s.failed_attempts},
      {"provider", s.provider},
      {"createdAt", iso(s.created_at)}};
}

bj::object to_json(const store::Payment& p) {
  return bj::object{{"id", p.id},
                    {"kind", p.kind},
                    {"artistId", opt(p.artist_id)},
                    {"artistName", p.artist_name},
                    {"subscriptionId", opt(p.subscription_id)},
                    {"tier", opt(p.tier)},
                    {"amountCents", p.amount_cents},
                    {"currency", p.currency},
                    {"refundedCents", p.refunded_cents},
                    {"status", p.status},
                    {"message", opt(p.message)},
                    {"createdAt", p.created_at}};
}

payments::SandboxProvider& MembershipsService::sandbox() const {
  if (!sandbox_) throw ApiError::not_found("The payments sandbox is not enabled (Stripe is configured)");
  return *sandbox_;
}

awaitable<bj::object> MembershipsService::pricing(db::Cluster& db, const std::string& artist,
                                                  std::optional<db::Lsn> token) {
  const std::string artist_id = co_await artists_.resolve_id(db, artist, token);
  const auto prices = co_await tier_prices(db, artist_id, token);
  bj::object out = tiers_json(prices);
  out["artistId"] = artist_id;
  co_return out;
}

awaitable<Written<bj::object>> MembershipsService::update_tier(db::Cluster& db, const AccessClaims& who,
                                                               const std::string& tier, const TierUpdate& u) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have tiers");
  require_tier(tier);
  const auto prices = co_await tier_prices(db, who.user_id, std::nullopt);
  const std::string old_currency = prices.front().currency;
  const std::string currency = u.currency.value_or(old_currency);
  std::vector<TierPrice> next = prices;
  for (auto& p : next) {
    p.currency = currency;
    if (p.tier != tier) continue;
    if (u.price_cents) p.price_cents = *u.price_cents;
    if (u.perks) p.perks = *u.perks;
  }
  if (next.size() == 2 && next[0].price_cents >= next[1].price_cents) {
    throw ApiError(422, "tier_price_order", "The superfan tier must cost more than the supporter tier",
                   {{"priceCents", "supporter < superfan"}});
  }
  auto tx = co_await db.begin();
  if (currency != old_currency) {
    const int64_t live = co_await store::live_subscription_count(tx, who.user_id);
    if (live > 0) {
      throw ApiError(409, "currency_locked", "The currency cannot change while there are subscribers",
                     {{"currency", old_currency}});
    }
  }
  for (const auto& p : next) {
    // Only the edited tier is written, unless the currency changed (both tiers share one).
    if (p.tier != tier && currency == old_currency) continue;
    co_await store::upsert_tier(tx, who.user_id, p.tier, p.price_cents, p.currency, p.perks);
  }
  const bj::object event{{"artistId", who.user_id}, {"tier", tier}};
  co_await events::append(tx, "artist.tiers_updated", who.user_id, event);
  const db::Lsn lsn = co_await tx.commit();
  bj::object out = co_await pricing(db, who.user_id, lsn);
  co_return Written<bj::object>{std::move(out), lsn};
}

awaitable<std::string> MembershipsService::ensure_customer(db::Cluster& db, const std::string& user_id) {
  const std::string provider(provider_.name());
  const auto existing = co_await store::customer(db, user_id, provider);
  if (existing) co_return *existing;
  const std::string email = co_await store::user_email(db, user_id);
  const std::string created = co_await provider_.create_customer(db, user_id, email);
  const std::string saved = co_await store::save_customer(db, user_id, provider, created);
  co_return saved;
}

awaitable<std::string> MembershipsService::ensure_price(db::Cluster& db, const std::string& artist_id,
                                                        const std::string& tier, int64_t price_cents,
                                                        const std::string& currency) {
  const std::string provider(provider_.name());
  const auto existing = co_await store::price(db, provider, artist_id, tier, price_cents, currency);
  if (existing) co_return *existing;
  const auto name = co_await store::artist_name(db, artist_id);
  payments::PriceSpec spec{artist_id, name.value_or("Artist"), tier, price_cents, currency};
  const std::string created = co_await provider_.create_price(db, spec);
  const std::string saved =
      co_await store::save_price(db, provider, artist_id, tier, price_cents, currency, created);
  co_return saved;
}

awaitable<Written<bj::object>> MembershipsService::subscribe(db::Cluster& db, const AccessClaims& who,
                                                             const std::string& artist,
                                                             const std::string& tier,
                                                             const std::optional<std::string>& currency) {
  require_tier(tier);
  const std::string artist_id = co_await artists_.resolve_id(db, artist, std::nullopt);
  if (artist_id == who.user_id) {
    throw ApiError(422, "cannot_subscribe_self", "Artists cannot subscribe to themselves");
  }
  const auto prices = co_await tier_prices(db, artist_id, std::nullopt);
  const TierPrice price = price_of(prices, tier);
  if (currency && *currency != price.currency) {
    throw ApiError(422, "currency_mismatch", "This artist's tiers are priced in another currency",
                   {{"currency", price.currency}});
  }
  std::string unfinished;  // an incomplete subscription seen now is a checkout left unfinished
  {
    auto tx = co_await db.begin();
    const auto live = co_await store::live_subscription(tx, who.user_id, artist_id);
    if (live && live->status != "incomplete") {
      throw ApiError(409, "already_subscribed", "You already have a subscription to this artist",
                     {{"subscriptionId", live->id}, {"tier", live->tier}, {"status", live->status}});
    }
    if (live) unfinished = live->id;
  }
  const std::string subscription_id = new_uuid();
  const std::string checkout_id = new_uuid();
  payments::CheckoutRequest req;
  req.checkout_id = checkout_id;
  req.mode = "subscription";
  req.fan_id = who.user_id;
  req.artist_id = artist_id;
  req.subscription_id = subscription_id;
  req.tier = tier;
  req.amount_cents = price.price_cents;
  req.currency = price.currency;
  req.success_url = config_.public_url + "/checkout/success?checkout=" + checkout_id;
  req.cancel_url = config_.public_url + "/checkout/cancel?checkout=" + checkout_id;
  payments::CheckoutSession session;
  std::optional<payments::ProviderError> failure;
  try {
    req.customer_id = co_await ensure_customer(db, who.user_id);
    req.price_id = co_await ensure_price(db, artist_id, tier, price.price_cents, price.currency);
    session = co_await provider_.create_checkout(db, req);
  } catch (const payments::ProviderError& e) {
    failure = e;
  }
  if (failure) throw payments::api_error_of(*failure);
  auto tx = co_await db.begin();
  const auto live = co_await store::live_subscription(tx, who.user_id, artist_id);
  if (live && live->status != "incomplete") {
    throw ApiError(409, "already_subscribed", "You already have a subscription to this artist",
                   {{"subscriptionId", live->id}, {"tier", live->tier}, {"status", live->status}});
  }
  // One that appeared while the provider was asked, or a concurrent insert, is a duplicate request
  // (a double click, a retry): its checkout stands and this one is refused.
  if (live && live->id != unfinished) throw checkout_in_progress(live->id);
  if (live) co_await store::abandon_incomplete(tx, live->id);  // a checkout left unfinished
  const std::string provider(provider_.name());
  if (!co_await store::insert_subscription(tx, subscription_id, who.user_id, artist_id, tier,
                                           price.price_cents, price.currency, provider, req.customer_id)) {
    throw checkout_in_progress(std::nullopt);
  }
  store::NewCheckout c;
  c.id = checkout_id;
  c.kind = "subscription";
  c.fan_id = who.user_id;
  c.artist_id = artist_id;
  c.subscription_id = subscription_id;
  c.tier = tier;
  c.amount_cents = price.price_cents;
  c.currency = price.currency;
  c.provider = provider;
  c.provider_session_id = session.id;
  c.url = session.url;
  co_await store::insert_checkout(tx, c);
  const db::Lsn lsn = co_await tx.commit();
  bj::object out{{"subscriptionId", subscription_id},
                 {"checkoutId", checkout_id},
                 {"checkoutUrl", session.url},
                 {"clientSecret", opt(session.client_secret)},
                 {"provider", provider},
                 {"status", "incomplete"},
                 {"tier", tier},
                 {"priceCents", price.price_cents},
                 {"currency", price.currency}};
  co_return Written<bj::object>{std::move(out), lsn};
}

awaitable<bj::object> MembershipsService::active(db::Cluster& db, const AccessClaims& who,
                                                 std::optional<db::Lsn> token) {
  const auto subs = co_await store::fan_subscriptions(db, who.user_id, token);
  bj::array items;
  for (const auto& s : subs) items.push_back(to_json(s));
  co_return bj::object{{"subscriptions", std::move(items)}};
}

awaitable<store::Subscription> MembershipsService::owned(db::Cluster& db, const AccessClaims& who,
                                                         const std::string& id) {
  auto s = co_await store::subscription(db, id, std::nullopt);
  if (!s || (s->fan_id != who.user_id && who.role != "admin"))
    throw ApiError::not_found("No such subscription");
  co_return std::move(*s);
}

awaitable<Written<bj::object>> MembershipsService::fresh(db::Cluster& db, const std::string& id) {
  auto tx = co_await db.begin();
  const auto s = co_await store::lock_subscription(tx, id, std::string(provider_.name()), std::nullopt);
  const db::Lsn lsn = co_await tx.commit();
  if (!s) throw ApiError::not_found("No such subscription");
  co_return Written<bj::object>{to_json(*s), lsn};
}

awaitable<Written<bj::object>> MembershipsService::set_cancel(db::Cluster& db, const AccessClaims& who,
                                                              const std::string& id, bool cancel) {
  const store::Subscription s = co_await owned(db, who, id);
  if (cancel) {
    if (s.status != "active" && s.status != "past_due") {
      throw ApiError(409, "not_active", "Only an active subscription can be cancelled",
                     {{"status", s.status}});
    }
  } else if (s.status != "active" || !s.cancel_at_period_end || s.period_end <= now_seconds()) {
    throw ApiError(409, "cannot_resume",
                   "Only a subscription cancelled at a period end that is still ahead can resume",
                   {{"status", s.status}});
  }
  if (!s.provider_subscription_id) throw ApiError(409, "not_active", "The checkout has not completed yet");
  if (s.cancel_at_period_end != cancel) {
    std::optional<payments::ProviderError> failure;
    try {
      co_await provider_.set_cancel_at_period_end(db, *s.provider_subscription_id, cancel);
    } catch (const payments::ProviderError& e) {
      failure = e;
    }
    if (failure) throw payments::api_error_of(*failure);
    auto tx = co_await db.begin();
    auto locked = co_await store::lock_subscription(tx, s.id, s.provider, std::nullopt);
    if (locked && locked->status != "canceled") {
      locked->cancel_at_period_end = cancel;
      co_await store::save_subscription(tx, *locked);
    }
    co_await tx.commit();
  }
  auto out = co_await fresh(db, s.id);
  co_return out;
}

awaitable<Written<bj::object>> MembershipsService::change_tier(db::Cluster& db, const AccessClaims& who,
                                                               const std::string& id,
                                                               const std::string& tier) {
  require_tier(tier);
  const store::Subscription s = co_await owned(db, who, id);
  if (s.status != "active") {
    throw ApiError(409, "not_active", "Only an active subscription can change tier", {{"status", s.status}});
  }
  if (!s.provider_subscription_id) throw ApiError(409, "not_active", "The checkout has not completed yet");
  if (tier == s.tier && !s.pending_tier)
    throw ApiError(409, "same_tier", "The subscription is already on this tier");
  const auto prices = co_await tier_prices(db, s.artist_id, std::nullopt);
  const TierPrice target = price_of(prices, tier);
  if (target.currency != s.currency) {
    throw ApiError(409, "currency_mismatch", "The artist now prices tiers in another currency",
                   {{"currency", target.currency}});
  }
  const bool upgrade = rank(tier) > rank(s.tier);
  // Back to the current tier (undoing a pending downgrade) keeps the price already paid.
  const int64_t price = tier == s.tier ? s.price_cents : target.price_cents;
  std::optional<payments::ProviderError> failure;
  try {
    const std::string price_id = co_await ensure_price(db, s.artist_id, tier, price, s.currency);
    const payments::PriceChange change{*s.provider_subscription_id, s.id, price_id, tier, upgrade};
    co_await provider_.change_price(db, change);
  } catch (const payments::ProviderError& e) {
    failure = e;
  }
  if (failure) throw payments::api_error_of(*failure);
  auto tx = co_await db.begin();
  auto locked = co_await store::lock_subscription(tx, s.id, s.provider, std::nullopt);
  if (locked && locked->status == "active") {
    if (upgrade) {
      locked->tier = tier;
      locked->price_cents = price;
      locked->pending_tier.reset();
      locked->pending_price_cents.reset();
    } else if (tier == locked->tier) {
      locked->pending_tier.reset();
      locked->pending_price_cents.reset();
    } else {
      locked->pending_tier = tier;
      locked->pending_price_cents = price;
    }
    co_await store::save_subscription(tx, *locked);
  }
  co_await tx.commit();
  auto out = co_await fresh(db, s.id);
  co_return out;
}

awaitable<Written<bj::object>> MembershipsService::tip(db::Cluster& db, const AccessClaims& who,
                                                       const std::string& artist, int64_t amount_cents,
                                                       const std::optional<std::string>& currency,
                                                       const std::optional<std::string>& message) {
  const std::string artist_id = co_await artists_.resolve_id(db, artist, std::nullopt);
  if (artist_id == who.user_id) throw ApiError(422, "cannot_tip_self", "Artists cannot tip themselves");
  const auto prices = co_await tier_prices(db, artist_id, std::nullopt);
  const std::string artist_currency = prices.front().currency;
  if (currency && *currency != artist_currency) {
    throw ApiError(422, "currency_mismatch", "This artist takes payments in another currency",
                   {{"currency", artist_currency}});
  }
  const auto name = co_await store::artist_name(db, artist_id);
  const std::string checkout_id = new_uuid();
  payments::CheckoutRequest req;
  req.checkout_id = checkout_id;
  req.mode = "payment";
  req.fan_id = who.user_id;
  req.artist_id = artist_id;
  req.amount_cents = amount_cents;
  req.currency = artist_currency;
  req.description = "Tip for " + name.value_or("an artist");
  req.success_url = config_.public_url + "/checkout/success?checkout=" + checkout_id;
  req.cancel_url = config_.public_url + "/checkout/cancel?checkout=" + checkout_id;
  payments::CheckoutSession session;
  std::optional<payments::ProviderError> failure;
  try {
    req.customer_id = co_await ensure_customer(db, who.user_id);
    session = co_await provider_.create_checkout(db, req);
  } catch (const payments::ProviderError& e) {
    failure = e;
  }
  if (failure) throw payments::api_error_of(*failure);
  store::NewCheckout c;
  c.id = checkout_id;
  c.kind = "tip";
  c.fan_id = who.user_id;
  c.artist_id = artist_id;
  c.amount_cents = amount_cents;
  c.currency = artist_currency;
  c.message = message;
  c.provider = std::string(provider_.name());
  c.provider_session_id = session.id;
  c.url = session.url;
  auto tx = co_await db.begin();
  co_await store::insert_checkout(tx, c);
  const db::Lsn lsn = co_await tx.commit();
  bj::object out{{"checkoutId", checkout_id},
                 {"checkoutUrl", session.url},
                 {"clientSecret", opt(session.client_secret)},
                 {"provider", c.provider},
                 {"amountCents", amount_cents},
                 {"currency", artist_currency},
                 {"message", opt(message)}};
  co_return Written<bj::object>{std::move(out), lsn};
}

awaitable<bj::object> MembershipsService::history(db::Cluster& db, const AccessClaims& who, int page,
                                                  int limit, std::optional<db::Lsn> token) {
  const auto [payments, total] = co_await store::fan_payments(db, who.user_id, page, limit, token);
  bj::array items;
  for (const auto& p : payments) items.push_back(to_json(p));
  co_return bj::object{{"payments", std::move(items)}, {"page", page}, {"limit", limit}, {"total", total}};
}

awaitable<bj::object> MembershipsService::subscribers(db::Cluster& db, const AccessClaims& who,
                                                      const std::optional<std::string>& tier, int page,
                                                      int limit, std::optional<db::Lsn> token) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have subscribers");
  const auto [subs, total] = co_await store::subscribers(db, who.user_id, tier, page, limit, token);
  const auto counts = co_await store::subscriber_counts(db, who.user_id, token);
  bj::object by_tier{{"supporter", 0}, {"superfan", 0}};
  for (const auto& [t, n] : counts) by_tier[t] = n;
  bj::array items;
  for (const auto& s : subs) {
    items.push_back(bj::object{{"subscriptionId", s.subscription_id},
                               {"fan", bj::object{{"id", s.fan_id}, {"username", s.username}}},
                               {"tier", s.tier},
                               {"status", s.status},
                               {"since", s.since},
                               {"currentPeriodEnd", iso(s.period_end)},
                               {"cancelAtPeriodEnd", s.cancel_at_period_end}});
  }
  co_return bj::object{{"counts", std::move(by_tier)},
                       {"subscribers", std::move(items)},
                       {"page", page},
                       {"limit", limit},
                       {"total", total}};
}

awaitable<Written<bj::object>> MembershipsService::refund(db::Cluster& db, const AccessClaims& who,
                                                          const std::string& payment_id,
                                                          std::optional<int64_t> amount_cents,
                                                          const audit::Origin& origin) {
  if (who.role != "admin") throw ApiError(403, "forbidden", "Only admins can refund payments");
  auto out = co_await refund_payment(db, payment_id, amount_cents);
  // The refund itself happens at the provider (its webhook updates the ledger); the entry records
  // the admin's request once the provider accepted it.
  auto tx = co_await db.begin();
  bj::object details{{"amountCents", amount_cents ? bj::value(*amount_cents) : bj::value(nullptr)}};
  audit::Entry entry{who.user_id, who.role,  "payment.refunded", "payment",
                     payment_id,  origin.ip, origin.user_agent,  std::move(details)};
  co_await audit::record(tx, entry);
  out.lsn = co_await tx.commit();
  co_return out;
}

awaitable<Written<bj::object>> MembershipsService::refund_payment(db::Cluster& db,
                                                                  const std::string& payment_id,
                                                                  std::optional<int64_t> amount_cents) {
  const auto p = co_await store::payment(db, payment_id, std::nullopt);
  if (!p) throw ApiError::not_found("No such payment");
  const int64_t remaining = p->amount_cents - p->refunded_cents;
  const int64_t amount = amount_cents.value_or(remaining);
  if (p->status == "disputed" || p->status == "dispute_lost") {
    throw ApiError(409, "payment_disputed", "A disputed payment cannot be refunded");
  }
  if (amount <= 0 || amount > remaining) {
    throw ApiError(422, "refund_exceeds_payment",
                   "The refund must be between 1 cent and what is left of the payment",
                   {{"amountCents", remaining}});
  }
  if (!p->payment_intent)
    throw ApiError(409, "not_refundable", "The payment has no provider payment to refund");
  std::optional<payments::ProviderError> failure;
  try {
    const std::string key = p->id + ":" + std::to_string(p->refunded_cents + amount);
    co_await provider_.refund(db, *p->payment_intent, amount, key);
    if (p->subscription_id) {
      const auto s = co_await store::subscription(db, *p->subscription_id, std::nullopt);
      if (s && s->provider_subscription_id && s->status != "canceled") {
        co_await provider_.cancel_now(db, *s->provider_subscription_id);
      }
    }
  } catch (const payments::ProviderError& e) {
    failure = e;
  }
  if (failure) throw payments::api_error_of(*failure);
  auto tx = co_await db.begin();
  const auto after = co_await store::payment(tx, payment_id);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{to_json(*after), lsn};
}

awaitable<Written<bj::object>> MembershipsService::connect_payouts(db::Cluster& db, const AccessClaims& who) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists receive payouts");
  const std::string provider(provider_.name());
  auto account = co_await store::payout_account(db, who.user_id, provider, std::nullopt);
  std::string link;
  std::optional<payments::ProviderError> failure;
  db::Lsn lsn;
  try {
    if (!account) {
      const std::string email = co_await store::user_email(db, who.user_id);
      const payments::ConnectAccount created = co_await provider_.create_account(db, who.user_id, email);
      auto tx = co_await db.begin();
      co_await store::save_payout_account(tx, who.user_id, provider, created.id, created.payouts_enabled);
      lsn = co_await tx.commit();
      account = co_await store::payout_account(db, who.user_id, provider, lsn);
    }
    const std::string back = config_.public_url + "/studio/payouts";
    link = co_await provider_.onboarding_link(db, account->account_id, back + "?refresh=1", back);
  } catch (const payments::ProviderError& e) {
    failure = e;
  }
  if (failure) throw payments::api_error_of(*failure);
  bj::object out{{"accountId", account->account_id},
                 {"payoutsEnabled", account->payouts_enabled},
                 {"onboardingUrl", link},
                 {"provider", provider}};
  co_return Written<bj::object>{std::move(out), lsn};
}

awaitable<bj::object> MembershipsService::sandbox_checkout(db::Cluster& db, const AccessClaims& who,
                                                           const std::string& id) {
  auto out = co_await sandbox().checkout_session(db, id, who.user_id);
  co_return out;
}

awaitable<bj::object> MembershipsService::sandbox_pay(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& id, bool pay) {
  payments::SandboxProvider& s = sandbox();
  if (pay) {
    auto out = co_await s.pay(db, id, who.user_id);
    co_return out;
  }
  auto out = co_await s.decline(db, id, who.user_id);
  co_return out;
}

awaitable<Written<bj::object>> MembershipsService::sandbox_simulate(db::Cluster& db, const AccessClaims& who,
                                                                    const std::string& id,
                                                                    const std::string& action) {
  payments::SandboxProvider& s = sandbox();
  const store::Subscription sub = co_await owned(db, who, id);
  if (!sub.provider_subscription_id) throw ApiError(409, "not_active", "The checkout has not completed yet");
  co_await s.simulate_subscription(db, *sub.provider_subscription_id, action);
  auto out = co_await fresh(db, sub.id);
  co_return out;
}

awaitable<Written<bj::object>> MembershipsService::sandbox_dispute(db::Cluster& db, const AccessClaims& who,
                                                                   const std::string& payment_id,
                                                                   const std::string& action) {
  payments::SandboxProvider& s = sandbox();
  const auto p = co_await store::payment(db, payment_id, std::nullopt);
  if (!p || (p->fan_id != who.user_id && who.role != "admin")) throw ApiError::not_found("No such payment");
  if (!p->payment_intent) throw ApiError(409, "not_disputable", "The payment has no provider payment");
  co_await s.simulate_dispute(db, *p->payment_intent, action);
  auto tx = co_await db.begin();
  const auto after = co_await store::payment(tx, payment_id);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{to_json(*after), lsn};
}

}  // namespace mc::memberships
