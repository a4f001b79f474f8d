#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"

// The SQL of buying music: prices on releases and tracks, purchases, the fan's collection, the
// artist's sales and the cached download renditions.
namespace mc::buying::store {

using boost::asio::awaitable;

// A release or track as something to sell.
struct Item {
  std::string type;  // release | track
  std::string id, artist_id, title, artist_name, artist_slug;
  std::optional<std::string> release_id;  // a track's release
  bool published = false;
  std::optional<int64_t> price_cents;
  bool name_your_price = false;
};

struct Purchase {
  std::string id, fan_id, artist_id, item_type, item_id, item_title, currency, status;
  int64_t amount_cents = 0;
  std::optional<std::string> checkout_id, payment_id;
  std::string created_at;
  // lock_live only: the order's checkout.
  std::optional<std::string> checkout_url, checkout_status;
};

struct NewPurchase {
  std::string id, fan_id, artist_id, item_type, item_id, item_title, currency, checkout_id;
  int64_t amount_cents = 0;
};

// 404-free lookups: nullopt when there is no such item.
awaitable<std::optional<Item>> item(db::Cluster& db, const std::string& type, const std::string& id,
                                    std::optional<db::Lsn> token);
// Sets or clears (price nullopt) an item's price if `artist_id` owns it; false when it does not.
awaitable<bool> set_price(db::Transaction& tx, const std::string& type, const std::string& id,
                          const std::string& artist_id, std::optional<int64_t> price, bool name_your_price);
// The priced items of an artist; `all` includes unpublished ones (for the artist).
awaitable<std::vector<Item>> offers(db::Cluster& db, const std::string& artist_id, bool all,
                                    std::optional<db::Lsn> token);
// Which items of `artist_id` the fan owns (item ids, releases and tracks).
awaitable<std::vector<std::string>> owned_item_ids(db::Cluster& db, const std::string& fan_id,
                                                   const std::string& artist_id,
                                                   std::optional<db::Lsn> token);

// The fan's pending or active purchase of an item, locked.
awaitable<std::optional<Purchase>> lock_live(db::Transaction& tx, const std::string& fan_id,
                                             const std::string& type, const std::string& id);
// Whether the fan owns a track's release (for a track) — buying the track then is a repeat.
awaitable<bool> owns_release_of(db::Transaction& tx, const std::string& fan_id, const std::string& track_id);
// Expires a pending purchase whose checkout was left unfinished (and that checkout).
awaitable<void> expire_pending(db::Transaction& tx, const std::string& purchase_id);
// false when another live purchase of the item exists (a concurrent "buy").
awaitable<bool> insert_purchase(db::Transaction& tx, const NewPurchase& p);

// Event handlers (inside the webhook's transaction).
awaitable<std::optional<Purchase>> activate_by_checkout(db::Transaction& tx, const std::string& checkout_id,
                                                        const std::string& payment_id);
awaitable<void> expire_by_checkout(db::Transaction& tx, const std::string& checkout_id);
// Refund or dispute: the purchases the payment paid for are revoked; a won dispute reinstates them.
awaitable<std::vector<Purchase>> revoke_by_payment(db::Transaction& tx, const std::string& payment_id);
awaitable<void> reinstate_by_payment(db::Transaction& tx, const std::string& payment_id);

struct CollectionTrack {
  std::string id, title, status;
  int position = 0;
  std::optional<double> duration_s;
  bool has_original = false;
};
struct CollectionEntry {
  Purchase purchase;
  std::string artist_name, artist_slug;
  std::optional<std::string> release_id, cover_key, artwork_key;
  std::vector<CollectionTrack> tracks;
};
awaitable<std::vector<CollectionEntry>> collection(db::Cluster& db, const std::string& fan_id,
                                                   std::optional<db::Lsn> token);
// An active purchase of the track or of its release.
awaitable<bool> owns_track(db::Cluster& db, const std::string& fan_id, const std::string& track_id);

struct Sale {
  std::string payment_id, purchase_id, item_type, item_id, item_title, fan_username, currency, status,
      created_at;
  int64_t amount_cents = 0, processor_fee = 0, platform_fee = 0, artist_cents = 0, refunded_cents = 0;
  std::string purchase_status;
};
awaitable<std::pair<std::vector<Sale>, int64_t>> sales(db::Cluster& db, const std::string& artist_id,
                                                       int page, int limit, std::optional<db::Lsn> token);
// The artist of a purchase payment (nullopt: not a purchase payment).
awaitable<std::optional<std::string>> sale_artist(db::Cluster& db, const std::string& payment_id);

struct Rendition {
  std::string status;
  std::optional<std::string> key, error;
};
awaitable<std::optional<Rendition>> rendition(db::Cluster& db, const std::string& track_id, int version,
                                              const std::string& format);
// Records that a rendition is wanted; true when this call created the row (enqueue the job then).
awaitable<bool> want_rendition(db::Transaction& tx, const std::string& track_id, int version,
                               const std::string& format);
awaitable<void> finish_rendition(db::Transaction& tx, const std::string& track_id, int version,
                                 const std::string& format, const std::optional<std::string>& key,
                                 int64_t size, const std::optional<std::string>& error);

struct RenderSource {
  std::string title, artist_name, release_title;
  int media_version = 0;
  std::optional<std::string> original_key;
};
awaitable<std::optional<RenderSource>> render_source(db::Cluster& db, const std::string& track_id);

}  // namespace mc::buying::store
