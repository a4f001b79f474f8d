#include "features/buying/store.hpp"

#include <string>

#include "db/sql_time.hpp"

namespace mc::buying::store {
namespace {

using db::params;
using db::Query;

#define MC_PURCHASE_COLUMNS                                                                   \
  "p.id, p.fan_id, p.artist_id, p.item_type, p.item_id, p.item_title, p.currency, p.status, " \
  "p.amount_cents, "                                                                          \
  "p.checkout_id, p.payment_id, " MC_ISO("p.created_at") " "

constexpr Query kReleaseItem{
    "buying_release_item",
    "SELECT r.id, r.artist_id, r.title, a.stage_name, a.slug, NULL::uuid, r.published, r.price_cents, "
    "r.name_your_price FROM releases r JOIN artist_profiles a ON a.user_id = r.artist_id WHERE r.id = "
    "$1::uuid"};
constexpr Query kTrackItem{
    "buying_track_item",
    "SELECT t.id, t.artist_id, t.title, a.stage_name, a.slug, t.release_id, r.published AND t.hidden_at IS "
    "NULL, "
    "t.price_cents, t.name_your_price FROM tracks t JOIN releases r ON r.id = t.release_id "
    "JOIN artist_profiles a ON a.user_id = t.artist_id WHERE t.id = $1::uuid"};
constexpr Query kSetReleasePrice{
    "buying_set_release_price",
    "UPDATE releases SET price_cents = $3, name_your_price = $4, updated_at = now() "
    "WHERE id = $1::uuid AND artist_id = $2::uuid"};
constexpr Query kSetTrackPrice{"buying_set_track_price",
                               "UPDATE tracks SET price_cents = $3, name_your_price = $4, updated_at = now() "
                               "WHERE id = $1::uuid AND artist_id = $2::uuid"};
constexpr Query kOffers{
    "buying_offers",
    "SELECT 'release', r.id, r.artist_id, r.title, a.stage_name, a.slug, NULL::uuid, r.published, "
    "r.price_cents, r.name_your_price FROM releases r JOIN artist_profiles a ON a.user_id = r.artist_id "
    "WHERE r.artist_id = $1::uuid AND r.price_cents IS NOT NULL AND ($2 OR r.published) "
    "UNION ALL "
    "SELECT 'track', t.id, t.artist_id, t.title, a.stage_name, a.slug, t.release_id, "
    "r.published AND t.hidden_at IS NULL, t.price_cents, t.name_your_price FROM tracks t "
    "JOIN releases r ON r.id = t.release_id JOIN artist_profiles a ON a.user_id = t.artist_id "
    "WHERE t.artist_id = $1::uuid AND t.price_cents IS NOT NULL AND ($2 OR (r.published AND t.hidden_at IS "
    "NULL)) "
    "LIMIT 2000"};
constexpr Query kOwnedItems{"buying_owned_items",
                            "SELECT item_id FROM purchases WHERE fan_id = $1::uuid AND artist_id = $2::uuid "
                            "AND status = 'active' LIMIT 2000"};
constexpr Query kLockLive{"buying_lock_live",
                          "SELECT " MC_PURCHASE_COLUMNS
                          ", c.url, c.status FROM purchases p LEFT JOIN checkouts c ON c.id = p.checkout_id "
                          "WHERE p.fan_id = $1::uuid AND p.item_type = $2 "
                          "AND p.item_id = $3::uuid AND p.status IN ('pending', 'active') FOR UPDATE OF p"};
constexpr Query kOwnsReleaseOf{
    "buying_owns_release_of",
    "SELECT 1 FROM purchases p JOIN tracks t ON t.release_id = p.item_id WHERE t.id = $2::uuid "
    "AND p.fan_id = $1::uuid AND p.item_type = 'release' AND p.status = 'active'"};
constexpr Query kExpirePending{
    "buying_expire_pending",
    "WITH p AS (UPDATE purchases SET status = 'expired' WHERE id = $1::uuid AND status = 'pending' "
    "RETURNING checkout_id) "
    "UPDATE checkouts SET status = 'expired' WHERE id IN (SELECT checkout_id FROM p) AND status = 'open'"};
constexpr Query kInsertPurchase{
    "buying_insert_purchase",
    "INSERT INTO purchases (id, fan_id, artist_id, item_type, item_id, item_title, amount_cents, currency, "
    "checkout_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (fan_id, item_type, item_id) WHERE status IN ('pending', 'active') DO NOTHING"};
// A checkout paid after its order was replaced (another amount) still buys the item, unless the
// fan owns it by now: the other, unpaid order gives way. A paid duplicate keeps its order expired,
// with the payment, so the artist sees it among the sales and can refund it.
constexpr Query kYieldPending{
    "buying_yield_pending",
    "WITH mine AS (SELECT fan_id, item_type, item_id FROM purchases WHERE checkout_id = $1::uuid), "
    "gone AS (UPDATE purchases o SET status = 'expired' FROM mine WHERE o.fan_id = mine.fan_id "
    "AND o.item_type = mine.item_type AND o.item_id = mine.item_id AND o.status = 'pending' "
    "AND o.checkout_id IS DISTINCT FROM $1::uuid AND NOT EXISTS (SELECT 1 FROM purchases a WHERE "
    "a.fan_id = mine.fan_id AND a.item_type = mine.item_type AND a.item_id = mine.item_id AND a.status = "
    "'active') "
    "RETURNING o.checkout_id) "
    "UPDATE checkouts SET status = 'expired' WHERE id IN (SELECT checkout_id FROM gone) AND status = 'open'"};
constexpr Query kActivate{
    "buying_activate",
    "UPDATE purchases p SET payment_id = $2::uuid, completed_at = now(), "
    "status = CASE WHEN EXISTS (SELECT 1 FROM purchases a WHERE a.fan_id = p.fan_id AND a.item_type = "
    "p.item_type "
    "AND a.item_id = p.item_id AND a.id <> p.id AND a.status IN ('pending', 'active')) THEN p.status ELSE "
    "'active' END "
    "WHERE p.checkout_id = $1::uuid AND p.status IN ('pending', 'expired') AND p.payment_id IS NULL "
    "RETURNING " MC_PURCHASE_COLUMNS};
constexpr Query kExpireByCheckout{"buying_expire_by_checkout",
                                  "UPDATE purchases SET status = 'expired' WHERE checkout_id = $1::uuid "
                                  "AND status = 'pending'"};
constexpr Query kRevoke{
    "buying_revoke",
    "UPDATE purchases p SET status = 'revoked', revoked_at = now() "
    "WHERE p.payment_id = $1::uuid AND p.status = 'active' RETURNING " MC_PURCHASE_COLUMNS};
// A won dispute gives the item back unless the fan bought it again meanwhile.
constexpr Query kReinstate{
    "buying_reinstate",
    "UPDATE purchases p SET status = 'active', revoked_at = NULL WHERE p.payment_id = $1::uuid "
    "AND p.status = 'revoked' AND NOT EXISTS (SELECT 1 FROM purchases o WHERE o.fan_id = p.fan_id "
    "AND o.item_type = p.item_type AND o.item_id = p.item_id AND o.status IN ('pending', 'active'))"};
constexpr Query kCollection{
    "buying_collection",
    "SELECT " MC_PURCHASE_COLUMNS
    ", a.stage_name, a.slug, coalesce(r.id, t.release_id), coalesce(r.cover_key, tr.cover_key), "
    "t.artwork_key "
    "FROM purchases p JOIN artist_profiles a ON a.user_id = p.artist_id "
    "LEFT JOIN releases r ON p.item_type = 'release' AND r.id = p.item_id "
    "LEFT JOIN tracks t ON p.item_type = 'track' AND t.id = p.item_id "
    "LEFT JOIN releases tr ON tr.id = t.release_id "
    "WHERE p.fan_id = $1::uuid AND p.status = 'active' ORDER BY p.completed_at DESC, p.id LIMIT 500"};
constexpr Query kCollectionTracks{
    "buying_collection_tracks",
    "SELECT p.id, t.id, t.title, t.status, t.position, t.duration_s, t.original_key IS NOT NULL "
    "FROM purchases p JOIN tracks t ON (p.item_type = 'release' AND t.release_id = p.item_id) "
    "OR (p.item_type = 'track' AND t.id = p.item_id) "
    "WHERE p.fan_id = $1::uuid AND p.status = 'active' ORDER BY p.id, t.position LIMIT 5000"};
constexpr Query kOwnsTrack{
    "buying_owns_track",
    "SELECT 1 FROM purchases p, tracks t WHERE t.id = $2::uuid AND p.fan_id = $1::uuid "
    "AND p.status = 'active' AND ((p.item_type = 'track' AND p.item_id = t.id) "
    "OR (p.item_type = 'release' AND p.item_id = t.release_id)) LIMIT 1"};
constexpr Query kSales{
    "buying_sales",
    "SELECT pay.id, p.id, p.item_type, p.item_id, p.item_title, coalesce(u.username, ''), pay.currency, "
    "pay.status, " MC_ISO("pay.created_at") ", pay.amount_cents, pay.processor_fee_cents, "
    "pay.platform_fee_cents, pay.artist_cents, pay.refunded_cents, p.status, count(*) OVER () "
    "FROM purchases p JOIN payments pay ON pay.id = p.payment_id LEFT JOIN users u ON u.id = p.fan_id "
    "WHERE p.artist_id = $1::uuid ORDER BY pay.created_at DESC, pay.id LIMIT $2 OFFSET $3"};
constexpr Query kSaleArtist{"buying_sale_artist",
                            "SELECT artist_id FROM payments WHERE id = $1::uuid AND kind = 'purchase' "
                            "AND artist_id IS NOT NULL"};
constexpr Query kRendition{
    "buying_rendition",
    "SELECT status, storage_key, error FROM track_renditions WHERE track_id = $1::uuid "
    "AND media_version = $2 AND format = $3"};
constexpr Query kWantRendition{"buying_want_rendition",
                               "INSERT INTO track_renditions (track_id, media_version, format) "
                               "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"};
constexpr Query kFinishRendition{
    "buying_finish_rendition",
    "UPDATE track_renditions SET status = CASE WHEN $4::text IS NULL THEN 'failed' ELSE 'ready' END, "
    "storage_key = $4, size_bytes = $5, error = $6, updated_at = now() "
    "WHERE track_id = $1::uuid AND media_version = $2 AND format = $3"};
constexpr Query kRenderSource{
    "buying_render_source",
    "SELECT t.title, a.stage_name, r.title, t.media_version, t.original_key FROM tracks t "
    "JOIN releases r ON r.id = t.release_id JOIN artist_profiles a ON a.user_id = t.artist_id "
    "WHERE t.id = $1::uuid"};

Item item_from(const db::Result& r, int i, int first, const std::string& type) {
  Item it;
  it.type = type;
  it.id = r.str(i, first);
  it.artist_id = r.str(i, first + 1);
  it.title = r.str(i, first + 2);
  it.artist_name = r.str(i, first + 3);
  it.artist_slug = r.str(i, first + 4);
  it.release_id = r.opt_str(i, first + 5);
  it.published = r.boolean(i, first + 6);
  if (!r.is_null(i, first + 7)) it.price_cents = r.int64(i, first + 7);
  it.name_your_price = r.boolean(i, first + 8);
  return it;
}

Purchase purchase_from(const db::Result& r, int i) {
  Purchase p;
  p.id = r.str(i, 0);
  p.fan_id = r.str(i, 1);
  p.artist_id = r.str(i, 2);
  p.item_type = r.str(i, 3);
  p.item_id = r.str(i, 4);
  p.item_title = r.str(i, 5);
  p.currency = r.str(i, 6);
  p.status = r.str(i, 7);
  p.amount_cents = r.int64(i, 8);
  p.checkout_id = r.opt_str(i, 9);
  p.payment_id = r.opt_str(i, 10);
  p.created_at = r.str(i, 11);
  return p;
}

}  // namespace

awaitable<std::optional<Item>> item(db::Cluster& db, const std::string& type, const std::string& id,
                                    std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(type == "release" ? kReleaseItem : kTrackItem, params(id), token);
  if (r.empty()) co_return std::nullopt;
  co_return item_from(r, 0, 0, type);
}

awaitable<bool> set_price(db::Transaction& tx, const std::string& type, const std::string& id,
                          const std::string& artist_id, std::optional<int64_t> price, bool name_your_price) {
  const db::Result r = co_await tx.exec(type == "release" ? kSetReleasePrice : kSetTrackPrice,
                                        params(id, artist_id, price, price ? name_your_price : false));
  co_return r.affected() == 1;
}

awaitable<std::vector<Item>> offers(db::Cluster& db, const std::string& artist_id, bool all,
                                    std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kOffers, params(artist_id, all), token);
  std::vector<Item> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(item_from(r, i, 1, r.str(i, 0)));
  co_return out;
}

awaitable<std::vector<std::string>> owned_item_ids(db::Cluster& db, const std::string& fan_id,
                                                   const std::string& artist_id,
                                                   std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kOwnedItems, params(fan_id, artist_id), token);
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
  co_return out;
}

awaitable<std::optional<Purchase>> lock_live(db::Transaction& tx, const std::string& fan_id,
                                             const std::string& type, const std::string& id) {
  const db::Result r = co_await tx.exec(kLockLive, params(fan_id, type, id));
  if (r.empty()) co_return std::nullopt;
  Purchase p = purchase_from(r, 0);
  p.checkout_url = r.opt_str(0, 12);
  p.checkout_status = r.opt_str(0, 13);
  co_return p;
}

awaitable<bool> owns_release_of(db::Transaction& tx, const std::string& fan_id, const std::string& track_id) {
  const db::Result r = co_await tx.exec(kOwnsReleaseOf, params(fan_id, track_id));
  co_return !r.empty();
}

awaitable<void> expire_pending(db::Transaction& tx, const std::string& purchase_id) {
  co_await tx.exec(kExpirePending, params(purchase_id));
  co_return;
}

awaitable<bool> insert_purchase(db::Transaction& tx, const NewPurchase& p) {
  const db::Result r =
      co_await tx.exec(kInsertPurchase, params(p.id, p.fan_id, p.artist_id, p.item_type, p.item_id,
                                               p.item_title, p.amount_cents, p.currency, p.checkout_id));
  co_return r.affected() == 1;
}

awaitable<std::optional<Purchase>> activate_by_checkout(db::Transaction& tx, const std::string& checkout_id,
                                                        const std::string& payment_id) {
  co_await tx.exec(kYieldPending, params(checkout_id));
  const db::Result r = co_await tx.exec(kActivate, params(checkout_id, payment_id));
  if (r.empty()) co_return std::nullopt;
  co_return purchase_from(r, 0);
}

awaitable<void> expire_by_checkout(db::Transaction& tx, const std::string& checkout_id) {
  co_await tx.exec(kExpireByCheckout, params(checkout_id));
  co_return;
}

awaitable<std::vector<Purchase>> revoke_by_payment(db::Transaction& tx, const std::string& payment_id) {
  const db::Result r = co_await tx.exec(kRevoke, params(payment_id));
  std::vector<Purchase> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(purchase_from(r, i));
  co_return out;
}

awaitable<void> reinstate_by_payment(db::Transaction& tx, const std::string& payment_id) {
  co_await tx.exec(kReinstate, params(payment_id));
  co_return;
}

awaitable<std::vector<CollectionEntry>> collection(db::Cluster& db, const std::string& fan_id,
                                                   std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kCollection, params(fan_id), token);
  std::vector<CollectionEntry> out;
  for (int i = 0; i < r.rows(); ++i) {
    CollectionEntry e;
    e.purchase = purchase_from(r, i);
    e.artist_name = r.str(i, 12);
    e.artist_slug = r.str(i, 13);
    e.release_id = r.opt_str(i, 14);
    e.cover_key = r.opt_str(i, 15);
    e.artwork_key = r.opt_str(i, 16);
    out.push_back(std::move(e));
  }
  if (out.empty()) co_return out;
  const db::Result t = co_await db.read(kCollectionTracks, params(fan_id), token);
  for (int i = 0; i < t.rows(); ++i) {
    const std::string purchase = t.str(i, 0);
    CollectionTrack ct;
    ct.id = t.str(i, 1);
    ct.title = t.str(i, 2);
    ct.status = t.str(i, 3);
    ct.position = static_cast<int>(t.int64(i, 4));
    if (!t.is_null(i, 5)) ct.duration_s = std::stod(t.str(i, 5));
    ct.has_original = t.boolean(i, 6);
    for (auto& e : out) {
      if (e.purchase.id == purchase) e.tracks.push_back(ct);
    }
  }
  co_return out;
}

awaitable<bool> owns_track(db::Cluster& db, const std::string& fan_id, const std::string& track_id) {
  const db::Result r = co_await db.read(kOwnsTrack, params(fan_id, track_id), std::nullopt);
  co_return !r.empty();
}

awaitable<std::pair<std::vector<Sale>, int64_t>> sales(db::Cluster& db, const std::string& artist_id,
                                                       int page, int limit, std::optional<db::Lsn> token) {
  const db::Result r =
      co_await db.read(kSales, params(artist_id, limit, static_cast<int64_t>(page - 1) * limit), token);
  std::vector<Sale> out;
  int64_t total = 0;
  for (int i = 0; i < r.rows(); ++i) {
    Sale s;
    s.payment_id = r.str(i, 0);
    s.purchase_id = r.str(i, 1);
    s.item_type = r.str(i, 2);
    s.item_id = r.str(i, 3);
    s.item_title = r.str(i, 4);
    s.fan_username = r.str(i, 5);
    s.currency = r.str(i, 6);
    s.status = r.str(i, 7);
    s.created_at = r.str(i, 8);
    s.amount_cents = r.int64(i, 9);
    s.processor_fee = r.int64(i, 10);
    s.platform_fee = r.int64(i, 11);
    s.artist_cents = r.int64(i, 12);
    s.refunded_cents = r.int64(i, 13);
    s.purchase_status = r.str(i, 14);
    total = r.int64(i, 15);
    out.push_back(std::move(s));
  }
  co_return std::pair{std::move(out), total};
}

awaitable<std::optional<std::string>> sale_artist(db::Cluster& db, const std::string& payment_id) {
  const db::Result r = co_await db.read(kSaleArtist, params(payment_id), std::nullopt);
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::optional<Rendition>> rendition(db::Cluster& db, const std::string& track_id, int version,
                                              const std::string& format) {
  const db::Result r = co_await db.read(kRendition, params(track_id, version, format), std::nullopt);
  if (r.empty()) co_return std::nullopt;
  co_return Rendition{r.str(0, 0), r.opt_str(0, 1), r.opt_str(0, 2)};
}

awaitable<bool> want_rendition(db::Transaction& tx, const std::string& track_id, int version,
                               const std::string& format) {
  const db::Result r = co_await tx.exec(kWantRendition, params(track_id, version, format));
  co_return r.affected() == 1;
}

awaitable<void> finish_rendition(db::Transaction& tx, const std::string& track_id, int version,
                                 const std::string& format, const std::optional<std::string>& key,
                                 int64_t size, const std::optional<std::string>& error) {
  co_await tx.exec(kFinishRendition, params(track_id, version, format, key, size, error));
  co_return;
}

awaitable<std::optional<RenderSource>> render_source(db::Cluster& db, const std::string& track_id) {
  const db::Result r = co_await db.read(kRenderSource, params(track_id), std::nullopt);
  if (r.empty()) co_return std::nullopt;
  co_return RenderSource{r.str(0, 0), r.str(0, 1), r.str(0, 2), static_cast<int>(r.int64(0, 3)),
                         r.opt_str(0, 4)};
}

}  // namespace mc::buying::store
