#include "features/catalog/visibility.hpp"

namespace mc::catalog {

using memberships::Tier;

Clock::time_point available_from(Tier tier, Clock::time_point release_at) {
  switch (tier) {
    case Tier::superfan:
      return release_at - std::chrono::hours(48);
    case Tier::supporter:
      return release_at - std::chrono::hours(24);
    case Tier::free:
      return release_at;
  }
  return release_at;
}

Visibility evaluate(const memberships::Access& access, Tier min_tier, bool published,
                    std::optional<Clock::time_point> release_at, Clock::time_point now) {
  Visibility v;
  if (access.sees_everything) {
    v.listed = true;
    v.playable = true;
    return v;
  }
  if (!published) return v;
  v.listed = true;
  if (!access.allows(min_tier)) v.locked_by_tier = min_tier;
  if (release_at) {
    const auto from = available_from(access.tier, *release_at);
    if (now < from) v.available_at = from;
  }
  v.playable = !v.locked_by_tier && !v.available_at;
  return v;
}

}  // namespace mc::catalog
