#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/admin/audit.hpp"
#include "features/artists/service.hpp"
#include "features/memberships/store.hpp"
#include "payments/provider.hpp"
#include "payments/sandbox.hpp"

namespace mc::memberships {

using boost::asio::awaitable;
using db::Written;

struct TierUpdate {
  std::optional<int64_t> price_cents;
  std::optional<std::string> currency;
  std::optional<std::vector<std::string>> perks;
};

// Rules for tiers, subscriptions, tips and payment history (SPEC §2, §3, §4.7). Requests start
// checkouts and ask the provider for changes; the provider's events (webhooks) are what change
// state, so the sandbox and Stripe behave alike.
class MembershipsService {
 public:
  MembershipsService(const Config& config, payments::Provider& provider, payments::SandboxProvider* sandbox,
                     artists::ArtistsService& artists)
      : config_(config), provider_(provider), sandbox_(sandbox), artists_(artists) {}

  awaitable<boost::json::object> pricing(db::Cluster& db, const std::string& artist,
                                         std::optional<db::Lsn> token);
  awaitable<Written<boost::json::object>> update_tier(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& tier, const TierUpdate& u);

  awaitable<Written<boost::json::object>> subscribe(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& artist, const std::string& tier,
                                                    const std::optional<std::string>& currency);
  awaitable<boost::json::object> active(db::Cluster& db, const AccessClaims& who,
                                        std::optional<db::Lsn> token);
  awaitable<Written<boost::json::object>> set_cancel(db::Cluster& db, const AccessClaims& who,
                                                     const std::string& id, bool cancel);
  awaitable<Written<boost::json::object>> change_tier(db::Cluster& db, const AccessClaims& who,
                                                      const std::string& id, const std::string& tier);
  awaitable<Written<boost::json::object>> tip(db::Cluster& db, const AccessClaims& who,
                                              const std::string& artist, int64_t amount_cents,
                                              const std::optional<std::string>& currency,
                                              const std::optional<std::string>& message);
  awaitable<boost::json::object> history(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                         std::optional<db::Lsn> token);
  awaitable<boost::json::object> subscribers(db::Cluster& db, const AccessClaims& who,
                                             const std::optional<std::string>& tier, int page, int limit,
                                             std::optional<db::Lsn> token);
  awaitable<Written<boost::json::object>> refund(db::Cluster& db, const AccessClaims& who,
                                                 const std::string& payment_id,
                                                 std::optional<int64_t> amount_cents,
                                                 const audit::Origin& origin);
  awaitable<Written<boost::json::object>> connect_payouts(db::Cluster& db, const AccessClaims& who);
  // Refunds (part of) a payment at the provider, without an authorisation check: the caller decided
  // who may (admins any payment, artists their own sales). Subscriptions it paid for end now.
  awaitable<Written<boost::json::object>> refund_payment(db::Cluster& db, const std::string& payment_id,
                                                         std::optional<int64_t> amount_cents);
  // The provider's customer for a user (created once).
  awaitable<std::string> ensure_customer(db::Cluster& db, const std::string& user_id);

  // The sandbox (404 when Stripe is configured).
  bool sandbox_enabled() const { return sandbox_ != nullptr; }
  // The sandbox's hosted checkout, for the checkout's own fan only (others: 404).
  awaitable<boost::json::object> sandbox_checkout(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& id);
  awaitable<boost::json::object> sandbox_pay(db::Cluster& db, const AccessClaims& who, const std::string& id,
                                             bool pay);
  awaitable<Written<boost::json::object>> sandbox_simulate(db::Cluster& db, const AccessClaims& who,
                                                           const std::string& id, const std::string& action);
  awaitable<Written<boost::json::object>> sandbox_dispute(db::Cluster& db, const AccessClaims& who,
                                                          const std::string& payment_id,
                                                          const std::string& action);

 private:
  awaitable<std::string> ensure_price(db::Cluster& db, const std::string& artist_id, const std::string& tier,
                                      int64_t price_cents, const std::string& currency);
  awaitable<store::Subscription> owned(db::Cluster& db, const AccessClaims& who, const std::string& id);
  awaitable<Written<boost::json::object>> fresh(db::Cluster& db, const std::string& id);
  payments::SandboxProvider& sandbox() const;

  const Config& config_;
  payments::Provider& provider_;
  payments::SandboxProvider* sandbox_;
  artists::ArtistsService& artists_;
};

boost::json::object to_json(const store::Subscription& s);
boost::json::object to_json(const store::Payment& p);
std::string new_uuid();

}  // namespace mc::memberships
