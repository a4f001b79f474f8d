#pragma once
#include <array>
#include <string_view>

namespace mc::notifications {

// SPEC §4.9: every kind of notification, as the API and the preferences name it.
inline constexpr std::array<std::string_view, 11> kTypes{
    "new_release",    "new_post",      "new_follower",       "new_subscriber",
    "tip_received",   "comment_reply", "direct_message",     "party_starting",
    "payment_failed", "payout_sent",   "processing_finished"};

inline bool is_type(std::string_view t) {
  for (const auto k : kTypes) {
    if (k == t) return true;
  }
  return false;
}

// A preference: shown in the app (the default), shown and included in the email digest, or neither.
inline bool is_delivery(std::string_view d) {
  return d == "in_app" || d == "email" || d == "off";
}

}  // namespace mc::notifications
