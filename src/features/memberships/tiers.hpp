#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/cluster.hpp"
#include "db/transaction.hpp"

namespace mc::memberships {

// SPEC §2: one vocabulary everywhere, ranked.
enum class Tier { free = 0, supporter = 1, superfan = 2 };

std::string_view to_string(Tier t);
std::optional<Tier> parse_tier(std::string_view s);

// What a viewer may see of one artist's content.
struct Access {
  Tier tier = Tier::free;
  bool sees_everything = false;  // the artist themself, or an admin

  bool allows(Tier required) const {
    return sees_everything || static_cast<int>(tier) >= static_cast<int>(required);
  }
};

struct Viewer {
  std::optional<std::string> user_id;  // nullopt: anonymous
  std::string role;                    // fan | artist | admin
};

// The one answer to "which tier does user U hold for artist A right now": an active
// subscription's tier (renewals keep it active; one cancelled at period end only until that end),
// or a cancelled one's until its period ends; past_due (after the 3rd failed payment attempt),
// incomplete and everything else is free. Anonymous viewers and followers are free.
boost::asio::awaitable<Access> access_for(db::Cluster& db, const Viewer& viewer, const std::string& artist_id,
                                          std::optional<db::Lsn> token = std::nullopt);

// The same answer inside a transaction (rules that must hold at commit, like a superfan's message).
boost::asio::awaitable<Tier> tier_in(db::Transaction& tx, const std::string& fan_id,
                                     const std::string& artist_id);

// An artist's public price list (SPEC §2): the two paid tiers, with the defaults (supporter 500,
// superfan 1000 USD) where the artist has not set their own. Ordered by rank.
struct TierPrice {
  std::string tier;
  int64_t price_cents = 0;
  std::string currency;
  std::vector<std::string> perks;
};
boost::asio::awaitable<std::vector<TierPrice>> tier_prices(db::Cluster& db, const std::string& artist_id,
                                                           std::optional<db::Lsn> token = std::nullopt);

}  // namespace mc::memberships
