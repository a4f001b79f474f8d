#include "features/flags/service.hpp"

#include "core/error.hpp"
#include "db/sql_time.hpp"
#include "features/admin/audit.hpp"

namespace mc::flags {
namespace {

namespace bj = boost::json;
using db::params;
using db::Query;

constexpr Query kForViewer{
    "flags_for_viewer",
    "SELECT f.key, f.enabled, f.rollout_percent, $1::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM "
    "feature_flag_users u WHERE u.flag_key = f.key AND u.user_id = $1::uuid) FROM feature_flags f ORDER BY "
    "f.key"};
#define MC_FLAG_COLUMNS \
  "f.key, f.description, f.enabled, f.rollout_percent, " MC_ISO("f.created_at") ", " MC_ISO(         \
      "f.updated_at") ", (SELECT coalesce(array_to_json(array_agg(u.user_id ORDER BY u.user_id)), '[]')::text " \
                      "FROM feature_flag_users u WHERE u.flag_key = f.key) "
constexpr Query kList{"flags_list", "SELECT " MC_FLAG_COLUMNS "FROM feature_flags f ORDER BY f.key"};
constexpr Query kGet{"flags_get", "SELECT " MC_FLAG_COLUMNS "FROM feature_flags f WHERE f.key = $1"};
constexpr Query kKnownUsers{"flags_known_users",
                            "SELECT coalesce(array_to_json(array_agg(id))::text, '[]') FROM users "
                            "WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL"};
constexpr Query kUpsert{
    "flags_upsert",
    "INSERT INTO feature_flags AS f (key, description, enabled, rollout_percent) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (key) DO UPDATE SET description = EXCLUDED.description, enabled = EXCLUDED.enabled, "
    "rollout_percent = EXCLUDED.rollout_percent, updated_at = now() RETURNING (xmax = 0)"};
constexpr Query kClearUsers{"flags_clear_users", "DELETE FROM feature_flag_users WHERE flag_key = $1"};
constexpr Query kAddUsers{"flags_add_users",
                          "INSERT INTO feature_flag_users (flag_key, user_id) "
                          "SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING"};
constexpr Query kDelete{"flags_delete", "DELETE FROM feature_flags WHERE key = $1 RETURNING key"};

void require_admin(const AccessClaims& who) {
  if (who.role != "admin") throw ApiError(403, "forbidden", "Only admins can do this");
}

bj::object flag_from(const db::Result& r, int i) {
  boost::system::error_code ec;
  bj::value users = bj::parse(r.str(i, 6), ec);
  if (ec) users = bj::array{};
  return bj::object{{"key", r.str(i, 0)},         {"description", r.str(i, 1)},
                    {"enabled", r.boolean(i, 2)}, {"rolloutPercent", r.int64(i, 3)},
                    {"createdAt", r.str(i, 4)},   {"updatedAt", r.str(i, 5)},
                    {"userIds", std::move(users)}};
}

}  // namespace

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || key[0] < 'a' || key[0] > 'z') return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

int bucket(std::string_view key, std::string_view user_id) {
  uint32_t h = 2166136261u;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 16777619u;
    }
  };
  mix(key);
  mix(":");
  mix(user_id);
  return static_cast<int>(h % 100u);
}

bool is_on(bool enabled, int rollout_percent, bool targeted, std::string_view key,
           const std::optional<std::string>& user_id) {
  if (!enabled) return false;
  if (targeted || rollout_percent >= 100) return true;
  if (!user_id || rollout_percent <= 0) return false;  // anonymous viewers get only 100 % flags
  return bucket(key, *user_id) < rollout_percent;
}

awaitable<bj::object> FlagService::for_viewer(db::Cluster& db, const std::optional<AccessClaims>& who,
                                              std::optional<db::Lsn> token) {
  const std::optional<std::string> user_id = who ? std::optional<std::string>(who->user_id) : std::nullopt;
  const auto r = co_await db.read(kForViewer, params(user_id), token);
  bj::object flags;
  for (int i = 0; i < r.rows(); ++i) {
    const std::string key = r.str(i, 0);
    flags[key] = is_on(r.boolean(i, 1), static_cast<int>(r.int64(i, 2)), r.boolean(i, 3), key, user_id);
  }
  co_return bj::object{{"flags", std::move(flags)}};
}

awaitable<db::Written<bj::object>> FlagService::list(db::Cluster& db, const AccessClaims& who,
                                                     const admin::Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  const auto r = co_await tx.exec(kList);
  audit::Entry entry{who.user_id,  who.role,  "flags.viewed",    std::nullopt,
                     std::nullopt, origin.ip, origin.user_agent, {}};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  bj::array items;
  for (int i = 0; i < r.rows(); ++i) items.push_back(flag_from(r, i));
  co_return db::Written<bj::object>{bj::object{{"flags", std::move(items)}}, lsn};
}

awaitable<db::Written<bj::object>> FlagService::put(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& key, const FlagInput& input,
                                                    const admin::Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  if (!input.user_ids.empty()) {
    const auto known_r = co_await tx.exec(kKnownUsers, params(input.user_ids));
    const bj::value known = bj::parse(known_r.str(0, 0));
    std::vector<std::string> missing;
    for (const auto& id : input.user_ids) {
      bool found = false;
      for (const auto& k : known.as_array()) found = found || k.as_string() == id;
      if (!found) missing.push_back(id);
    }
    if (!missing.empty()) {
      throw ApiError(
          422, "unknown_users", "Some targeted users do not exist",
          {{"userIds", "no such user: " + missing.front() +
                           (missing.size() > 1 ? " and " + std::to_string(missing.size() - 1) + " more"
                                               : std::string())}});
    }
  }
  const auto up =
      co_await tx.exec(kUpsert, params(key, input.description, input.enabled, input.rollout_percent));
  const bool created = up.boolean(0, 0);
  co_await tx.exec(kClearUsers, params(key));
  if (!input.user_ids.empty()) co_await tx.exec(kAddUsers, params(key, input.user_ids));
  bj::object details{{"enabled", input.enabled},
                     {"rolloutPercent", input.rollout_percent},
                     {"targetedUsers", static_cast<int64_t>(input.user_ids.size())}};
  audit::Entry entry{
      who.user_id,       who.role,          created ? "flag.created" : "flag.updated", "flag", key, origin.ip,
      origin.user_agent, std::move(details)};
  co_await audit::record(tx, entry);
  const auto row = co_await tx.exec(kGet, params(key));
  const db::Lsn lsn = co_await tx.commit();
  co_return db::Written<bj::object>{flag_from(row, 0), lsn};
}

awaitable<db::Lsn> FlagService::remove(db::Cluster& db, const AccessClaims& who, const std::string& key,
                                       const admin::Origin& origin) {
  require_admin(who);
  auto tx = co_await db.begin();
  const auto r = co_await tx.exec(kDelete, params(key));
  if (r.empty()) throw ApiError::not_found("No such flag");
  audit::Entry entry{who.user_id, who.role, "flag.deleted", "flag", key, origin.ip, origin.user_agent, {}};
  co_await audit::record(tx, entry);
  co_return co_await tx.commit();
}

}  // namespace mc::flags
