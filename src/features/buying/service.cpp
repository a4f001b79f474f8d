#include "features/buying/service.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "events/outbox.hpp"
#include "features/buying/store.hpp"
#include "features/memberships/store.hpp"
#include "features/memberships/tiers.hpp"
#include "media/images.hpp"

namespace mc::buying {
namespace {

namespace bj = boost::json;

bj::value opt(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

ApiError checkout_in_progress(const std::optional<std::string>& purchase_id) {
  bj::object details;
  if (purchase_id) details["purchaseId"] = *purchase_id;
  return ApiError(409, "checkout_in_progress",
                  "A checkout for this item was just started; finish it or try again in a moment",
                  std::move(details));
}

// The same order again: a repeated "buy" (a double click, a retry, a return to an unfinished
// checkout) answers the order that stands.
bj::object order_json(const store::Purchase& p, const std::string& provider) {
  return bj::object{{"purchaseId", p.id},
                    {"checkoutId", opt(p.checkout_id)},
                    {"checkoutUrl", opt(p.checkout_url)},
                    {"clientSecret", nullptr},
                    {"provider", provider},
                    {"status", "pending"},
                    {"itemType", p.item_type},
                    {"itemId", p.item_id},
                    {"amountCents", p.amount_cents},
                    {"currency", p.currency}};
}

bool reusable(const std::optional<store::Purchase>& live, int64_t amount) {
  return live && live->status == "pending" && live->amount_cents == amount &&
         live->checkout_status == "open" && live->checkout_url;
}

ApiError already_owned(const std::string& type) {
  return ApiError(409, "already_owned", "You already own this " + type + "; it is in your collection",
                  {{"itemType", type}});
}

bj::object offer_json(const store::Item& it, const std::string& currency) {
  return bj::object{{"itemType", it.type},
                    {"itemId", it.id},
                    {"title", it.title},
                    {"releaseId", it.type == "release" ? bj::value(it.id) : opt(it.release_id)},
                    {"priceCents", it.price_cents ? bj::value(*it.price_cents) : bj::value(nullptr)},
                    {"nameYourPrice", it.name_your_price},
                    {"currency", currency}};
}

awaitable<std::string> currency_of(db::Cluster& db, const std::string& artist_id,
                                   std::optional<db::Lsn> token) {
  const auto prices = co_await memberships::tier_prices(db, artist_id, token);
  co_return prices.empty() ? std::string("USD") : prices.front().currency;
}

}  // namespace

awaitable<Written<bj::object>> BuyingService::set_price(db::Cluster& db, const AccessClaims& who,
                                                        const std::string& type, const std::string& id,
                                                        std::optional<int64_t> price, bool name_your_price) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists sell music");
  auto tx = co_await db.begin();
  const bool mine = co_await store::set_price(tx, type, id, who.user_id, price, name_your_price);
  if (!mine) throw ApiError::not_found("No such " + type + " of yours");
  const bj::object event{{"artistId", who.user_id}, {"itemType", type}, {"itemId", id}};
  co_await events::append(tx, "catalog.price_changed", who.user_id, event);
  const db::Lsn lsn = co_await tx.commit();
  const auto it = co_await store::item(db, type, id, lsn);
  const std::string currency = co_await currency_of(db, who.user_id, lsn);
  co_return Written<bj::object>{offer_json(*it, currency), lsn};
}

awaitable<bj::object> BuyingService::offers(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                            const std::string& artist, std::optional<db::Lsn> token) {
  const std::string artist_id = co_await artists_.resolve_id(db, artist, token);
  const bool own = viewer && (viewer->user_id == artist_id || viewer->role == "admin");
  const auto items = co_await store::offers(db, artist_id, own, token);
  std::vector<std::string> owned;
  if (viewer) owned = co_await store::owned_item_ids(db, viewer->user_id, artist_id, token);
  const std::string currency = co_await currency_of(db, artist_id, token);
  bj::array list;
  for (const auto& it : items) {
    bj::object o = offer_json(it, currency);
    bool has = false;
    for (const auto& id : owned) has = has || id == it.id;
    // A track of a release the fan owns is theirs too.
    if (!has && it.release_id) {
      for (const auto& id : owned) has = has || id == *it.release_id;
    }
    o["owned"] = has;
    list.push_back(std::move(o));
  }
  bj::array owned_ids;
  for (const auto& id : owned) owned_ids.push_back(bj::value(id));
  co_return bj::object{{"artistId", artist_id},
                       {"currency", currency},
                       {"offers", std::move(list)},
                       {"ownedItemIds", std::move(owned_ids)}};
}

awaitable<Written<bj::object>> BuyingService::buy(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& type, const std::string& id,
                                                  std::optional<int64_t> amount_cents) {
  const auto found = co_await store::item(db, type, id, std::nullopt);
  const bool visible = found && (found->published || found->artist_id == who.user_id);
  if (!visible) throw ApiError::not_found("No such " + type);
  const store::Item it = *found;
  if (it.artist_id == who.user_id)
    throw ApiError(422, "cannot_buy_own", "Artists cannot buy their own music");
  if (!it.published) throw ApiError::not_found("No such " + type);
  if (!it.price_cents) {
    throw ApiError(422, "not_for_sale", "The artist does not sell this " + type, {{"itemType", type}});
  }
  const int64_t price = *it.price_cents;
  const int64_t amount = amount_cents.value_or(price);
  if (amount < price) {
    const std::string rule =
        it.name_your_price ? "must be at least the minimum of " : "must be at least the price of ";
    throw ApiError(422, "amount_below_price",
                   "Pay at least " + std::to_string(price) + " cents for this " + type,
                   {{"amountCents", rule + std::to_string(price) + " cents"}, {"minimumCents", price}});
  }
  const std::string currency = co_await currency_of(db, it.artist_id, std::nullopt);
  std::optional<std::string> unfinished;  // a pending purchase seen now is a checkout left unfinished
  {
    auto tx = co_await db.begin();
    const auto live = co_await store::lock_live(tx, who.user_id, type, id);
    if (live && live->status == "active") throw already_owned(type);
    if (type == "track" && co_await store::owns_release_of(tx, who.user_id, id)) throw already_owned(type);
    if (reusable(live, amount)) {
      const db::Lsn lsn = co_await tx.commit();
      co_return Written<bj::object>{order_json(*live, std::string(provider_.name())), lsn};
    }
    if (live) unfinished = live->id;
  }
  const std::string purchase_id = memberships::new_uuid();
  const std::string checkout_id = memberships::new_uuid();
  payments::CheckoutRequest req;
  req.checkout_id = checkout_id;
  req.mode = "payment";
  req.fan_id = who.user_id;
  req.artist_id = it.artist_id;
  req.amount_cents = amount;
  req.currency = currency;
  req.description = (type == "release" ? "Release: " : "Track: ") + it.title + " by " + it.artist_name;
  req.success_url =
      config_.public_url + "/checkout/success?checkout=" + checkout_id + "&purchase=" + purchase_id;
  req.cancel_url = config_.public_url + "/checkout/cancel?checkout=" + checkout_id;
  payments::CheckoutSession session;
  std::optional<payments::ProviderError> failure;
  try {
    req.customer_id = co_await memberships_.ensure_customer(db, who.user_id);
    session = co_await provider_.create_checkout(db, req);
  } catch (const payments::ProviderError& e) {
    failure = e;
  }
  if (failure) throw payments::api_error_of(*failure);
  auto tx = co_await db.begin();
  const auto live = co_await store::lock_live(tx, who.user_id, type, id);
  if (live && live->status == "active") throw already_owned(type);
  // One that appeared while the provider was asked is a duplicate request (a double click, a
  // retry): its order stands (this checkout is never shown), or with another amount this is refused.
  if (live && live->id != unfinished) {
    if (!reusable(live, amount)) throw checkout_in_progress(live->id);
    const db::Lsn lsn = co_await tx.commit();
    co_return Written<bj::object>{order_json(*live, std::string(provider_.name())), lsn};
  }
  if (live) co_await store::expire_pending(tx, live->id);
  store::NewPurchase p;
  p.id = purchase_id;
  p.fan_id = who.user_id;
  p.artist_id = it.artist_id;
  p.item_type = type;
  p.item_id = id;
  p.item_title = it.title;
  p.amount_cents = amount;
  p.currency = currency;
  p.checkout_id = checkout_id;
  memberships::store::NewCheckout c;
  c.id = checkout_id;
  c.kind = "purchase";
  c.fan_id = who.user_id;
  c.artist_id = it.artist_id;
  c.amount_cents = amount;
  c.currency = currency;
  c.provider = std::string(provider_.name());
  c.provider_session_id = session.id;
  c.url = session.url;
  if (!co_await store::insert_purchase(tx, p)) {
    // A concurrent "buy" inserted first (this insert waited for it to commit, and this transaction
    // has written nothing): answer its order. A new statement sees the committed row.
    const auto winner = co_await store::lock_live(tx, who.user_id, type, id);
    if (winner && winner->status == "active") throw already_owned(type);
    if (!reusable(winner, amount))
      throw checkout_in_progress(winner ? std::optional(winner->id) : std::nullopt);
    const db::Lsn lsn = co_await tx.commit();
    co_return Written<bj::object>{order_json(*winner, std::string(provider_.name())), lsn};
  }
  co_await memberships::store::insert_checkout(tx, c);
  const db::Lsn lsn = co_await tx.commit();
  bj::object out{{"purchaseId", purchase_id},  {"checkoutId", checkout_id},
                 {"checkoutUrl", session.url}, {"clientSecret", opt(session.client_secret)},
                 {"provider", c.provider},     {"status", "pending"},
                 {"itemType", type},           {"itemId", id},
                 {"amountCents", amount},      {"currency", currency}};
  co_return Written<bj::object>{std::move(out), lsn};
}

awaitable<bj::object> BuyingService::collection(db::Cluster& db, const AccessClaims& who,
                                                std::optional<db::Lsn> token) {
  const auto entries = co_await store::collection(db, who.user_id, token);
  bj::array items;
  for (const auto& e : entries) {
    bj::array tracks;
    for (const auto& t : e.tracks) {
      tracks.push_back(bj::object{{"id", t.id},
                                  {"title", t.title},
                                  {"position", t.position},
                                  {"status", t.status},
                                  {"durationS", t.duration_s ? bj::value(*t.duration_s) : bj::value(nullptr)},
                                  {"downloadable", t.has_original}});
    }
    const auto& p = e.purchase;
    const std::optional<std::string> art = e.artwork_key ? e.artwork_key : e.cover_key;
    items.push_back(bj::object{
        {"purchaseId", p.id},
        {"itemType", p.item_type},
        {"itemId", p.item_id},
        {"title", p.item_title},
        {"releaseId", opt(e.release_id)},
        {"artist", bj::object{{"id", p.artist_id}, {"stageName", e.artist_name}, {"slug", e.artist_slug}}},
        {"artwork", media::image_urls(art, media::ImageKind::artwork)},
        {"amountCents", p.amount_cents},
        {"currency", p.currency},
        {"purchasedAt", p.created_at},
        {"tracks", std::move(tracks)}});
  }
  co_return bj::object{{"items", std::move(items)},
                       {"formats", bj::array{"original", "flac", "mp3_320", "aac_256"}}};
}

awaitable<bj::object> BuyingService::sales(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                           std::optional<db::Lsn> token) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have sales");
  const auto [list, total] = co_await store::sales(db, who.user_id, page, limit, token);
  bj::array items;
  for (const auto& s : list) {
    items.push_back(bj::object{{"paymentId", s.payment_id},
                               {"purchaseId", s.purchase_id},
                               {"itemType", s.item_type},
                               {"itemId", s.item_id},
                               {"title", s.item_title},
                               {"fan", bj::object{{"username", s.fan_username}}},
                               {"amountCents", s.amount_cents},
                               {"processorFeeCents", s.processor_fee},
                               {"platformFeeCents", s.platform_fee},
                               {"artistCents", s.artist_cents},
                               {"refundedCents", s.refunded_cents},
                               {"currency", s.currency},
                               {"paymentStatus", s.status},
                               {"purchaseStatus", s.purchase_status},
                               {"createdAt", s.created_at}});
  }
  co_return bj::object{{"sales", std::move(items)}, {"page", page}, {"limit", limit}, {"total", total}};
}

awaitable<Written<bj::object>> BuyingService::refund_sale(db::Cluster& db, const AccessClaims& who,
                                                          const std::string& payment_id) {
  if (who.role != "artist" && who.role != "admin") {
    throw ApiError(403, "forbidden", "Only the artist who made a sale can refund it");
  }
  const auto artist = co_await store::sale_artist(db, payment_id);
  if (!artist || (*artist != who.user_id && who.role != "admin")) throw ApiError::not_found("No such sale");
  auto out = co_await memberships_.refund_payment(db, payment_id, std::nullopt);
  co_return out;
}

}  // namespace mc::buying
