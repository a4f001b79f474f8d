#include "features/memberships/tiers.hpp"

namespace mc::memberships {
namespace {
constexpr db::Query kCurrentTier{
    "memberships_current_tier",
    "SELECT tier FROM subscriptions WHERE fan_id = $1 AND artist_id = $2 "
    "AND (status = 'active' OR (status = 'canceled' AND current_period_end > now())) "
    "ORDER BY status = 'active' DESC, current_period_end DESC LIMIT 1"};
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

}  // namespace mc::memberships
