#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/admin/service.hpp"

// Feature flags (SPEC §4.12, docs/admin.md "Feature flags"): a flag is on for a viewer when it is
// enabled and the viewer is targeted, or falls in its rollout percentage by a stable hash of
// (flag key, user id). Admins manage them; the web app reads its viewer's flags.
namespace mc::flags {

using boost::asio::awaitable;

inline constexpr std::size_t kMaxTargetedUsers = 1000;

bool valid_key(std::string_view key);  // ^[a-z][a-z0-9_]{0,63}$
// 0-99: the viewer's bucket for a flag, the same on every node and every run (FNV-1a 32 of
// "key:userId", mod 100). The flag is on when bucket < rollout percent.
int bucket(std::string_view key, std::string_view user_id);
bool is_on(bool enabled, int rollout_percent, bool targeted, std::string_view key,
           const std::optional<std::string>& user_id);

struct FlagInput {
  std::string description;
  bool enabled = false;
  int rollout_percent = 0;
  std::vector<std::string> user_ids;
};

class FlagService {
 public:
  awaitable<boost::json::object> for_viewer(db::Cluster& db, const std::optional<AccessClaims>& who,
                                            std::optional<db::Lsn> token);
  awaitable<db::Written<boost::json::object>> list(db::Cluster& db, const AccessClaims& who,
                                                   const admin::Origin& origin);
  awaitable<db::Written<boost::json::object>> put(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& key, const FlagInput& input,
                                                  const admin::Origin& origin);
  awaitable<db::Lsn> remove(db::Cluster& db, const AccessClaims& who, const std::string& key,
                            const admin::Origin& origin);
};

}  // namespace mc::flags
