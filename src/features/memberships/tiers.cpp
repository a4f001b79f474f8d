#include "features/memberships/tiers.hpp"

#include <boost/json.hpp>

namespace mc::memberships {
namespace {
constexpr db::Query kCurrentTier{
    "memberships_current_tier",
    "SELECT tier FROM subscriptions WHERE fan_id = $1 AND artist_id = $2 "
    "AND ((status = 'active' AND NOT (cancel_at_period_end AND current_period_end <= now())) "
    "OR (status = 'canceled' AND current_period_end > now())) "
    "ORDER BY status = 'active' DESC, current_period_end DESC LIMIT 1"};
// Defaults for tiers the artist has not configured (artist_tiers holds only configured ones).
constexpr db::Query kPrices{
    "memberships_tier_prices",
    "SELECT d.tier, coalesce(t.price_cents, d.price), coalesce(t.currency, o.currency, 'USD'), "
    "array_to_json(coalesce(t.perks, d.perks))::text "
    // The defaults promise only what the product delivers (issue 13): the stream quality caps of
    // streaming::rung_cap, tier-gated releases, the early-access windows, superfan messages, the
    // download path of docs/buying.md and the tier badge of listening-party chat.
    "FROM (VALUES (1, 'supporter', 500, ARRAY['Streams up to 256 kbps', 'Supporter-only tracks and "
    "releases', "
    "'Early access 24 h before release', 'Supporter badge in listening-party chat']), "
    "(2, 'superfan', 1000, ARRAY['Lossless streaming', 'Everything, including superfan-only releases', "
    "'Early access 48 h before release', '5 direct messages a month', "
    "'Downloads: original files, FLAC, MP3 320 and AAC 256', "
    "'Superfan badge in listening-party chat'])) AS d (rank, tier, price, perks) "
    "LEFT JOIN artist_tiers t ON t.artist_id = $1 AND t.tier = d.tier "
    "LEFT JOIN LATERAL (SELECT currency FROM artist_tiers WHERE artist_id = $1 LIMIT 1) o ON true "
    "ORDER BY d.rank"};
}  // namespace

std::string_view to_string(Tier t) {
  switch (t) {
    case Tier::free:
      return "free";
    case Tier::supporter:
      return "supporter";
    case Tier::superfan:
      return "superfan";
  }
  return "free";
}

std::optional<Tier> parse_tier(std::string_view s) {
  if (s == "free") return Tier::free;
  if (s == "supporter") return Tier::supporter;
  if (s == "superfan") return Tier::superfan;
  return std::nullopt;
}

boost::asio::awaitable<Access> access_for(db::Cluster& db, const Viewer& viewer, const std::string& artist_id,
                                          std::optional<db::Lsn> token) {
  Access access;
  if (!viewer.user_id) co_return access;
  if (viewer.role == "admin" || *viewer.user_id == artist_id) {
    access.sees_everything = true;
    access.tier = Tier::superfan;
    co_return access;
  }
  const db::Result r = co_await db.read(kCurrentTier, db::params(*viewer.user_id, artist_id), token);
  if (!r.empty()) access.tier = parse_tier(r.view(0, 0)).value_or(Tier::free);
  co_return access;
}

boost::asio::awaitable<Tier> tier_in(db::Transaction& tx, const std::string& fan_id,
                                     const std::string& artist_id) {
  const db::Result r = co_await tx.exec(kCurrentTier, db::params(fan_id, artist_id));
  co_return r.empty() ? Tier::free : parse_tier(r.view(0, 0)).value_or(Tier::free);
}

boost::asio::awaitable<std::vector<TierPrice>> tier_prices(db::Cluster& db, const std::string& artist_id,
                                                           std::optional<db::Lsn> token) {
  const db::Result r = co_await db.read(kPrices, db::params(artist_id), token);
  std::vector<TierPrice> out;
  for (int i = 0; i < r.rows(); ++i) {
    TierPrice p{r.str(i, 0), r.int64(i, 1), r.str(i, 2), {}};
    const auto perks = boost::json::parse(r.view(i, 3));
    if (perks.is_array()) {
      for (const auto& e : perks.as_array()) {
        if (e.is_string()) p.perks.emplace_back(e.as_string());
      }
    }
    out.push_back(std::move(p));
  }
  co_return out;
}

}  // namespace mc::memberships
