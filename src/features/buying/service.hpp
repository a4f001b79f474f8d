#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/artists/service.hpp"
#include "features/memberships/service.hpp"
#include "payments/provider.hpp"

namespace mc::buying {

using boost::asio::awaitable;
using db::Written;

inline constexpr int64_t kMinPriceCents = 100;
inline constexpr int64_t kMaxPriceCents = 100'000;
inline constexpr int64_t kMaxPaidCents = 1'000'000;  // what a fan may pay for one item, name-your-price

// Buying music (docs/buying.md): artists price releases and tracks (fixed, or name-your-price with
// a minimum); fans buy them through the same hosted checkout, payments and ledger as memberships;
// what they bought is their collection. The checkout's completion (a provider event) is what makes
// a purchase theirs, and a refund or dispute takes it back.
class BuyingService {
 public:
  BuyingService(const Config& config, payments::Provider& provider,
                memberships::MembershipsService& memberships, artists::ArtistsService& artists)
      : config_(config), provider_(provider), memberships_(memberships), artists_(artists) {}

  // `type`: release | track. price nullopt: no longer for sale.
  awaitable<Written<boost::json::object>> set_price(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& type, const std::string& id,
                                                    std::optional<int64_t> price, bool name_your_price);
  awaitable<boost::json::object> offers(db::Cluster& db, const std::optional<AccessClaims>& viewer,
                                        const std::string& artist, std::optional<db::Lsn> token);
  awaitable<Written<boost::json::object>> buy(db::Cluster& db, const AccessClaims& who,
                                              const std::string& type, const std::string& id,
                                              std::optional<int64_t> amount_cents);
  awaitable<boost::json::object> collection(db::Cluster& db, const AccessClaims& who,
                                            std::optional<db::Lsn> token);
  awaitable<boost::json::object> sales(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                       std::optional<db::Lsn> token);
  // The artist refunds one of their sales in full (admins any).
  awaitable<Written<boost::json::object>> refund_sale(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& payment_id);

 private:
  const Config& config_;
  payments::Provider& provider_;
  memberships::MembershipsService& memberships_;
  artists::ArtistsService& artists_;
};

}  // namespace mc::buying
