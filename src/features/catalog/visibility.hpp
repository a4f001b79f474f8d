#pragma once
#include <chrono>
#include <optional>

#include "features/memberships/tiers.hpp"

namespace mc::catalog {

using Clock = std::chrono::system_clock;

// SPEC §2 early access: supporters hear a scheduled release 24 h early, superfans 48 h early.
Clock::time_point available_from(memberships::Tier tier, Clock::time_point release_at);

struct Visibility {
  bool listed = false;    // appears at all (unpublished drafts only for their artist)
  bool playable = false;  // the viewer may stream it now
  std::optional<memberships::Tier> locked_by_tier;  // a higher tier would unlock it
  std::optional<Clock::time_point> available_at;    // scheduled: when this viewer may play it
};

// What one viewer may do with one item, given its minimum tier and schedule.
Visibility evaluate(const memberships::Access& access, memberships::Tier min_tier, bool published,
                    std::optional<Clock::time_point> release_at, Clock::time_point now);

}  // namespace mc::catalog
