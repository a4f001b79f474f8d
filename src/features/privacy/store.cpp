#include "features/privacy/store.hpp"

#include <array>
#include <stdexcept>
#include <utility>

#include "db/sql_time.hpp"

namespace mc::privacy::store {
namespace {

using db::params;
using db::Query;

// Every table's rows as one JSON array; $1 is the user's id.
#define MC_ROWS(sql) "SELECT coalesce(json_agg(row_to_json(t)), '[]'::json)::text FROM (" sql ") t"

// What an export holds, per table: the user's own rows, and rows of others only where they are
// about the user and the user already sees them in the product (their conversations' messages,
// their subscribers). Secrets (password hash, token hashes) are never exported.
// Sizes are deduced: a table added to a list can never leave an empty slot behind.
constexpr std::pair<std::string_view, Query> kExportTables[] = {
    {"users",
     {"privacy_export_users",
      MC_ROWS("SELECT id, username, email, role, email_verified_at, created_at, updated_at "
              "FROM users WHERE id = $1")}},
    {"artist_profiles",
     {"privacy_export_artist_profiles", MC_ROWS("SELECT * FROM artist_profiles WHERE user_id = $1")}},
    {"sessions",
     {"privacy_export_sessions",
      MC_ROWS("SELECT id, user_agent, ip, created_at, last_used_at, expires_at, revoked_at, "
              "revoke_reason FROM sessions WHERE user_id = $1 ORDER BY created_at")}},
    {"refresh_tokens",
     {"privacy_export_refresh_tokens",
      MC_ROWS("SELECT r.session_id, r.created_at, r.expires_at, r.used_at FROM refresh_tokens r "
              "JOIN sessions s ON s.id = r.session_id WHERE s.user_id = $1 ORDER BY r.created_at")}},
    {"account_tokens",
     {"privacy_export_account_tokens",
      MC_ROWS("SELECT purpose, email, created_at, expires_at, used_at FROM account_tokens "
              "WHERE user_id = $1 ORDER BY created_at")}},
    {"follows",
     {"privacy_export_follows",
      MC_ROWS("SELECT f.fan_id, f.artist_id, a.stage_name AS artist_name, f.created_at FROM follows f "
              "JOIN artist_profiles a ON a.user_id = f.artist_id WHERE f.fan_id = $1 "
              "ORDER BY f.created_at")}},
    {"artist_tiers",
     {"privacy_export_artist_tiers", MC_ROWS("SELECT * FROM artist_tiers WHERE artist_id = $1")}},
    {"subscriptions",
     {"privacy_export_subscriptions",
      MC_ROWS("SELECT * FROM subscriptions WHERE fan_id = $1 OR artist_id = $1 ORDER BY created_at")}},
    {"releases",
     {"privacy_export_releases", MC_ROWS("SELECT * FROM releases WHERE artist_id = $1 ORDER BY created_at")}},
    {"tracks",
     {"privacy_export_tracks",
      MC_ROWS("SELECT id, release_id, position, title, min_tier, release_at, status, duration_s, "
              "original_format, credits, tags, play_count, like_count, created_at, updated_at "
              "FROM tracks WHERE artist_id = $1 ORDER BY created_at")}},
    {"likes",
     {"privacy_export_likes",
      MC_ROWS("SELECT l.track_id, t.title AS track_title, l.created_at FROM likes l "
              "JOIN tracks t ON t.id = l.track_id WHERE l.user_id = $1 ORDER BY l.created_at")}},
    {"play_windows",
     {"privacy_export_play_windows",
      MC_ROWS("SELECT track_id, counted_at FROM play_windows WHERE listener_key = 'u:' || $1")}},
    {"plays",
     {"privacy_export_plays",
      MC_ROWS("SELECT id, track_id, played_at FROM plays WHERE user_id = $1 ORDER BY id")}},
    {"play_events",
     {"privacy_export_play_events",
      MC_ROWS("SELECT track_id, artist_id, country, played_at FROM play_events WHERE user_id = $1 "
              "ORDER BY played_at")}},
    // Analytics events: the user's own follows, memberships and listening windows. An artist also
    // gets the events of their page, without the other fans' ids (fan_id only where it is the user).
    {"follow_events",
     {"privacy_export_follow_events",
      MC_ROWS(
          "SELECT at, artist_id, CASE WHEN fan_id = $1 THEN fan_id END AS fan_id, delta FROM follow_events "
          "WHERE fan_id = $1 OR artist_id = $1 ORDER BY at")}},
    {"subscription_events",
     {"privacy_export_subscription_events",
      MC_ROWS("SELECT at, artist_id, CASE WHEN fan_id = $1 THEN fan_id END AS fan_id, subscription_id, kind, "
              "currency, supporter_delta, superfan_delta, mrr_delta_cents FROM subscription_events "
              "WHERE fan_id = $1 OR artist_id = $1 ORDER BY at")}},
    {"analytics_fan_windows",
     {"privacy_export_analytics_fan_windows",
      MC_ROWS("SELECT artist_id, plays_7d, plays_30d, plays_90d, plays_365d FROM analytics_fan_windows "
              "WHERE user_id = $1 ORDER BY artist_id")}},
    {"analytics_fan_top",
     {"privacy_export_analytics_fan_top",
      MC_ROWS("SELECT artist_id, days, plays FROM analytics_fan_top WHERE user_id = $1 "
              "ORDER BY artist_id, days")}},
    // An artist's own figures (the rollups of docs/analytics.md): counts, no other user's id.
    {"analytics_daily",
     {"privacy_export_analytics_daily",
      MC_ROWS("SELECT * FROM analytics_daily WHERE artist_id = $1 ORDER BY day")}},
    {"analytics_track_daily",
     {"privacy_export_analytics_track_daily",
      MC_ROWS("SELECT * FROM analytics_track_daily WHERE artist_id = $1 ORDER BY day, track_id")}},
    {"analytics_country_daily",
     {"privacy_export_analytics_country_daily",
      MC_ROWS("SELECT * FROM analytics_country_daily WHERE artist_id = $1 ORDER BY day, country")}},
    {"analytics_subscription_daily",
     {"privacy_export_analytics_subscription_daily",
      MC_ROWS("SELECT * FROM analytics_subscription_daily WHERE artist_id = $1 ORDER BY day, currency")}},
    {"analytics_revenue_daily",
     {"privacy_export_analytics_revenue_daily",
      MC_ROWS("SELECT * FROM analytics_revenue_daily WHERE artist_id = $1 ORDER BY day, currency")}},
    {"analytics_fan_listeners",
     {"privacy_export_analytics_fan_listeners",
      MC_ROWS("SELECT * FROM analytics_fan_listeners WHERE artist_id = $1 ORDER BY days")}},
    {"comments",
     {"privacy_export_comments",
      MC_ROWS(
          "SELECT id, track_id, post_id, parent_id, body, created_at, edited_at, deleted_at FROM comments "
          "WHERE user_id = $1 ORDER BY created_at")}},
    {"comment_reports",
     {"privacy_export_comment_reports",
      MC_ROWS("SELECT comment_id, reason, created_at FROM comment_reports WHERE reporter_id = $1")}},
    {"reports",
     {"privacy_export_reports",
      MC_ROWS("SELECT id, target_type, target_id, reason, note, status, created_at, resolved_at FROM reports "
              "WHERE reporter_id = $1 ORDER BY id")}},
    {"feature_flag_users",
     {"privacy_export_feature_flag_users",
      MC_ROWS("SELECT flag_key FROM feature_flag_users WHERE user_id = $1 ORDER BY flag_key")}},
    {"upload_sessions",
     {"privacy_export_upload_sessions",
      MC_ROWS("SELECT id, track_id, size, received, filename, created_at, updated_at, expires_at "
              "FROM upload_sessions WHERE owner_id = $1 ORDER BY created_at")}},
    {"provider_customers",
     {"privacy_export_provider_customers",
      MC_ROWS("SELECT provider, customer_id, created_at FROM provider_customers "
              "WHERE user_id = $1")}},
    {"provider_prices",
     {"privacy_export_provider_prices", MC_ROWS("SELECT * FROM provider_prices WHERE artist_id = $1")}},
    {"payout_accounts",
     {"privacy_export_payout_accounts", MC_ROWS("SELECT * FROM payout_accounts WHERE artist_id = $1")}},
    {"checkouts",
     {"privacy_export_checkouts",
      MC_ROWS("SELECT id, kind, fan_id, artist_id, subscription_id, tier, amount_cents, currency, "
              "message, provider, status, created_at, completed_at FROM checkouts "
              "WHERE fan_id = $1 OR artist_id = $1 ORDER BY created_at")}},
    {"payments",
     {"privacy_export_payments",
      MC_ROWS("SELECT * FROM payments WHERE fan_id = $1 OR artist_id = $1 ORDER BY created_at")}},
    {"payouts",
     {"privacy_export_payouts", MC_ROWS("SELECT * FROM payouts WHERE artist_id = $1 ORDER BY created_at")}},
    {"ledger_accounts",
     {"privacy_export_ledger_accounts", MC_ROWS("SELECT * FROM ledger_accounts WHERE owner_id = $1")}},
    // The ledger lines that concern the user: their own payments (as a fan) and their artist accounts.
    {"ledger_transactions",
     {"privacy_export_ledger_transactions",
      MC_ROWS("SELECT x.id, x.kind, x.reference, x.payment_id, x.payout_id, x.artist_id, x.currency, x.memo, "
              "x.created_at, (SELECT json_agg(json_build_object('account', a.kind, 'ownerId', a.owner_id, "
              "'amountCents', e.amount_cents) ORDER BY e.id) FROM ledger_entries e "
              "JOIN ledger_accounts a ON a.id = e.account_id WHERE e.txn_id = x.id) AS entries "
              "FROM ledger_transactions x WHERE x.artist_id = $1 "
              "OR x.payment_id IN (SELECT id FROM payments WHERE fan_id = $1) ORDER BY x.id")}},
    {"conversations",
     {"privacy_export_conversations",
      MC_ROWS("SELECT * FROM conversations WHERE fan_id = $1 OR artist_id = $1 "
              "ORDER BY created_at")}},
    {"conversation_members",
     {"privacy_export_conversation_members",
      MC_ROWS("SELECT * FROM conversation_members WHERE user_id = $1")}},
    // Sent and received: every message of the user's conversations.
    {"messages",
     {"privacy_export_messages",
      MC_ROWS("SELECT m.id, m.conversation_id, m.sender_id, m.sender_id = $1 AS sent, m.body, "
              "m.attachment, m.created_at FROM messages m WHERE m.conversation_id IN "
              "(SELECT conversation_id FROM conversation_members WHERE user_id = $1) "
              "OR m.sender_id = $1 ORDER BY m.seq")}},
    // The user's direct-message uploads (sent or not): what each is; the files themselves are in the
    // conversations, readable through the app.
    {"message_attachments",
     {"privacy_export_message_attachments",
      MC_ROWS(
          "SELECT id, kind, content_type, size_bytes, width, height, duration_ms, message_id, "
          "attached_at, created_at FROM message_attachments WHERE uploader_id = $1 ORDER BY created_at")}},
    {"user_blocks",
     {"privacy_export_user_blocks",
      MC_ROWS("SELECT blocked_id, created_at FROM user_blocks WHERE blocker_id = $1")}},
    {"dm_quota", {"privacy_export_dm_quota", MC_ROWS("SELECT * FROM dm_quota WHERE fan_id = $1")}},
    {"notifications",
     {"privacy_export_notifications",
      MC_ROWS("SELECT id, type, data, created_at, read_at, email, emailed_at FROM notifications "
              "WHERE user_id = $1 ORDER BY id")}},
    {"notification_preferences",
     {"privacy_export_notification_preferences",
      MC_ROWS("SELECT type, delivery FROM notification_preferences WHERE user_id = $1")}},
    {"parties",
     {"privacy_export_parties", MC_ROWS("SELECT * FROM parties WHERE artist_id = $1 ORDER BY created_at")}},
    {"party_cohosts",
     {"privacy_export_party_cohosts", MC_ROWS("SELECT * FROM party_cohosts WHERE user_id = $1")}},
    {"party_mutes", {"privacy_export_party_mutes", MC_ROWS("SELECT * FROM party_mutes WHERE user_id = $1")}},
    {"party_messages",
     {"privacy_export_party_messages",
      MC_ROWS("SELECT id, party_id, body, created_at, deleted_at FROM party_messages "
              "WHERE user_id = $1 ORDER BY id")}},
    {"consent_records",
     {"privacy_export_consent_records",
      MC_ROWS("SELECT purpose, granted, source, ip, user_agent, created_at FROM consent_records "
              "WHERE user_id = $1 ORDER BY id")}},
    {"data_exports",
     {"privacy_export_data_exports",
      MC_ROWS("SELECT id, status, size_bytes, created_at, finished_at, expires_at FROM data_exports "
              "WHERE user_id = $1 ORDER BY created_at")}},
    {"posts",
     {"privacy_export_posts",
      MC_ROWS("SELECT id, title, body, visibility, min_tier, track_ids, image_key, publish_at, like_count, "
              "created_at FROM posts WHERE artist_id = $1 ORDER BY created_at")}},
    {"post_likes",
     {"privacy_export_post_likes",
      MC_ROWS("SELECT post_id, created_at FROM post_likes WHERE user_id = $1 ORDER BY created_at")}},
    {"purchases",
     {"privacy_export_purchases",
      MC_ROWS("SELECT * FROM purchases WHERE fan_id = $1 OR artist_id = $1 ORDER BY created_at")}},
    {"audit_log",
     {"privacy_export_audit_log",
      MC_ROWS("SELECT id, actor_id, actor_role, action, target_type, target_id, ip, user_agent, details, "
              "created_at FROM audit_log WHERE actor_id = $1 OR target_id = $1::text ORDER BY id")}},
    {"ledger_entries",
     {"privacy_export_ledger_entries",
      MC_ROWS("SELECT e.id, e.txn_id, a.kind AS account, e.amount_cents FROM ledger_entries e "
              "JOIN ledger_accounts a ON a.id = e.account_id WHERE a.owner_id = $1 ORDER BY e.id")}},
};

#define MC_EXPORT_COLUMNS                                                                           \
  "id, user_id, status, " MC_ISO("created_at") ", storage_key, " MC_ISO("finished_at") ", " MC_ISO( \
      "expires_at") ", error, size_bytes "

constexpr Query kInsertExport{"privacy_insert_export",
                              "INSERT INTO data_exports (user_id) VALUES ($1) ON CONFLICT DO NOTHING "
                              "RETURNING " MC_EXPORT_COLUMNS};
constexpr Query kPendingExport{"privacy_pending_export",
                               "SELECT " MC_EXPORT_COLUMNS
                               "FROM data_exports WHERE user_id = $1 AND status = 'pending'"};
constexpr Query kFindExport{"privacy_find_export",
                            "SELECT " MC_EXPORT_COLUMNS "FROM data_exports WHERE id = $1 AND user_id = $2"};
constexpr Query kListExports{"privacy_list_exports", "SELECT " MC_EXPORT_COLUMNS
                                                     "FROM data_exports WHERE user_id = $1 "
                                                     "ORDER BY created_at DESC LIMIT 20"};
constexpr Query kFinishExport{
    "privacy_finish_export",
    "UPDATE data_exports SET status = 'ready', storage_key = $2, size_bytes = $3, finished_at = now(), "
    "expires_at = now() + make_interval(secs => $4::double precision) WHERE id = $1 AND status = 'pending'"};
constexpr Query kFailExport{"privacy_fail_export",
                            "UPDATE data_exports SET status = 'failed', error = $2, finished_at = now() "
                            "WHERE id = $1 AND status = 'pending'"};

constexpr Query kConsentHistory{
    "privacy_consent_history",
    "SELECT id, purpose, granted, source, " MC_ISO(
        "created_at") " FROM consent_records WHERE user_id = $1 ORDER BY id DESC LIMIT 50"};
constexpr Query kRecordConsent{
    "privacy_record_consent",
    "INSERT INTO consent_records (user_id, purpose, granted, source, ip, user_agent) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, purpose, granted, source, " MC_ISO("created_at")};
constexpr Query kMarketingConsent{"privacy_marketing_consent",
                                  "SELECT coalesce((SELECT granted FROM consent_records WHERE user_id = $1 "
                                  "AND purpose = 'marketing_email' ORDER BY id DESC LIMIT 1), false)"};

constexpr Query kLockAccount{"privacy_lock_account",
                             "SELECT u.role, EXISTS (SELECT 1 FROM artist_profiles a WHERE a.user_id = u.id) "
                             "FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL FOR UPDATE"};
constexpr Query kRenewingAsFan{
    "privacy_renewing_as_fan",
    "SELECT count(*) FROM subscriptions WHERE fan_id = $1 "
    "AND status IN ('active', 'past_due', 'incomplete') AND NOT cancel_at_period_end"};
constexpr Query kRenewingSubscribers{
    "privacy_renewing_subscribers",
    "SELECT count(*) FROM subscriptions WHERE artist_id = $1 "
    "AND status IN ('active', 'past_due', 'incomplete') AND NOT cancel_at_period_end"};
constexpr Query kStorageRefs{
    "privacy_storage_refs",
    "SELECT coalesce((SELECT array_agg(id::text) FROM tracks WHERE artist_id = $1), '{}'), "
    "coalesce((SELECT array_agg(id::text) FROM upload_sessions WHERE owner_id = $1 "
    "OR track_id IN (SELECT id FROM tracks WHERE artist_id = $1)), '{}'), "
    "coalesce((SELECT array_agg(storage_key) FROM data_exports WHERE user_id = $1 AND storage_key IS NOT "
    "NULL), "
    "'{}')"};
constexpr Query kDeleteSessions{"privacy_delete_sessions",
                                "DELETE FROM sessions WHERE user_id = $1 RETURNING id, revoked_at IS NULL "
                                "AND expires_at > now()"};

// An analytics rollup holds this row for its whole transaction (analytics_lock_state) and writes
// what it read from events before its statements' snapshots; an erasure committed meanwhile would
// find nothing yet to remove and the rollup would then write the account's windows and top-fan rows
// back. Erasure takes the row first (shared: erasures do not wait for each other), so a rollup under
// way finishes before it and a later one reads the erased events.
constexpr Query kAwaitRollup{"privacy_await_rollup", "SELECT 1 FROM analytics_state FOR SHARE"};

// The erasure, in order (docs/privacy.md, "Account deletion"). Comments, messages and memberships
// stay, attributed to the tombstone; everything else personal goes.
constexpr Query kErase[] = {
    {"privacy_erase_like_counts",
     "UPDATE tracks SET like_count = greatest(like_count - 1, 0) "
     "WHERE id IN (SELECT track_id FROM likes WHERE user_id = $1)"},
    {"privacy_erase_likes", "DELETE FROM likes WHERE user_id = $1"},
    {"privacy_erase_post_like_counts",
     "UPDATE posts SET like_count = greatest(like_count - 1, 0) "
     "WHERE id IN (SELECT post_id FROM post_likes WHERE user_id = $1)"},
    {"privacy_erase_post_likes", "DELETE FROM post_likes WHERE user_id = $1"},
    {"privacy_erase_follows", "DELETE FROM follows WHERE fan_id = $1"},
    {"privacy_erase_plays", "UPDATE plays SET user_id = NULL WHERE user_id = $1"},
    {"privacy_erase_play_windows", "DELETE FROM play_windows WHERE listener_key = 'u:' || $1"},
    // Analytics events stay for the artists' figures, without the listener (after the follows went,
    // so their unfollow events are anonymised too); the per-fan windows go.
    {"privacy_erase_play_events", "UPDATE play_events SET user_id = NULL WHERE user_id = $1"},
    {"privacy_erase_follow_events", "UPDATE follow_events SET fan_id = NULL WHERE fan_id = $1"},
    {"privacy_erase_subscription_events", "UPDATE subscription_events SET fan_id = NULL WHERE fan_id = $1"},
    {"privacy_erase_fan_windows", "DELETE FROM analytics_fan_windows WHERE user_id = $1"},
    {"privacy_erase_fan_top", "DELETE FROM analytics_fan_top WHERE user_id = $1"},
    {"privacy_erase_comment_reports", "DELETE FROM comment_reports WHERE reporter_id = $1"},
    {"privacy_erase_reports",
     "DELETE FROM reports WHERE reporter_id = $1 OR (target_type = 'user' AND target_id = $1)"},
    {"privacy_erase_feature_flag_users", "DELETE FROM feature_flag_users WHERE user_id = $1"},
    {"privacy_erase_upload_sessions", "DELETE FROM upload_sessions WHERE owner_id = $1"},
    {"privacy_erase_provider_customers", "DELETE FROM provider_customers WHERE user_id = $1"},
    {"privacy_erase_payment_messages",
     "UPDATE payments SET message = NULL WHERE fan_id = $1 AND message IS NOT NULL"},
    {"privacy_erase_checkout_messages",
     "UPDATE checkouts SET message = NULL WHERE fan_id = $1 AND message IS NOT NULL"},
    {"privacy_erase_blocks", "DELETE FROM user_blocks WHERE blocker_id = $1 OR blocked_id = $1"},
    {"privacy_erase_dm_quota", "DELETE FROM dm_quota WHERE fan_id = $1"},
    // Direct-message attachments the user uploaded: the rows go here (their files with dm/<user>/
    // in the purge job), and the messages that carried them, kept for the other member, lose them.
    {"privacy_erase_dm_attachments",
     "WITH a AS (DELETE FROM message_attachments WHERE uploader_id = $1 RETURNING message_id) "
     "UPDATE messages SET attachment = NULL WHERE id IN (SELECT message_id FROM a WHERE message_id IS NOT "
     "NULL)"},
    {"privacy_erase_notifications", "DELETE FROM notifications WHERE user_id = $1"},
    {"privacy_erase_notification_preferences", "DELETE FROM notification_preferences WHERE user_id = $1"},
    {"privacy_erase_party_roles",
     "WITH c AS (DELETE FROM party_cohosts WHERE user_id = $1) DELETE FROM party_mutes WHERE user_id = $1"},
    {"privacy_erase_party_messages", "DELETE FROM party_messages WHERE user_id = $1"},
    {"privacy_erase_account_tokens", "DELETE FROM account_tokens WHERE user_id = $1"},
    {"privacy_erase_exports", "DELETE FROM data_exports WHERE user_id = $1"},
    // Proof of what was consented to stays; where from (address, browser) does not.
    {"privacy_erase_consent_origin",
     "UPDATE consent_records SET ip = NULL, user_agent = NULL WHERE user_id = $1 "
     "AND (ip IS NOT NULL OR user_agent IS NOT NULL)"},
    // An artist's public side: profile, catalog (tracks cascade to their likes, plays, comments),
    // tiers, parties, payout accounts. Payments and payouts keep their rows (artist_id set null);
    // the ledger has no foreign keys to accounts and is never touched.
    {"privacy_erase_artist_profile", "DELETE FROM artist_profiles WHERE user_id = $1"},
    // An artist's analytics history and figures go with their page (as the tracks' plays do): nobody
    // can read them any more. After the profile, whose cascade (follows, memberships) writes the last
    // events. A fan has none of these, so for them the statements find nothing.
    {"privacy_erase_artist_play_events", "DELETE FROM play_events WHERE artist_id = $1"},
    {"privacy_erase_artist_follow_events", "DELETE FROM follow_events WHERE artist_id = $1"},
    {"privacy_erase_artist_subscription_events", "DELETE FROM subscription_events WHERE artist_id = $1"},
    {"privacy_erase_artist_fan_windows", "DELETE FROM analytics_fan_windows WHERE artist_id = $1"},
    {"privacy_erase_artist_fan_top", "DELETE FROM analytics_fan_top WHERE artist_id = $1"},
    {"privacy_erase_artist_fan_listeners", "DELETE FROM analytics_fan_listeners WHERE artist_id = $1"},
    {"privacy_erase_artist_daily", "DELETE FROM analytics_daily WHERE artist_id = $1"},
    {"privacy_erase_artist_track_daily", "DELETE FROM analytics_track_daily WHERE artist_id = $1"},
    {"privacy_erase_artist_country_daily", "DELETE FROM analytics_country_daily WHERE artist_id = $1"},
    {"privacy_erase_artist_subscription_daily",
     "DELETE FROM analytics_subscription_daily WHERE artist_id = $1"},
    {"privacy_erase_artist_revenue_daily", "DELETE FROM analytics_revenue_daily WHERE artist_id = $1"},
    {"privacy_erase_tombstone",
     "UPDATE users SET username = 'deleted user', email = id::text || '@deleted.invalid', password_hash = "
     "'!', "
     "role = 'fan', email_verified_at = NULL, failed_login_count = 0, failed_login_window_start = NULL, "
     "locked_until = NULL, deleted_at = now(), updated_at = now() WHERE id = $1"},
};

constexpr Query kPruneNotifications{
    "privacy_prune_notifications",
    "DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE "
    "(read_at IS NOT NULL AND created_at < now() - make_interval(days => $1::int)) OR "
    "created_at < now() - make_interval(days => $2::int) LIMIT $3)"};
constexpr Query kPruneSessions{
    "privacy_prune_sessions",
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() - "
    "make_interval(days => $1::int) OR revoked_at < now() - make_interval(days => $1::int) LIMIT $2)"};
constexpr Query kPruneAccountTokens{
    "privacy_prune_account_tokens",
    "DELETE FROM account_tokens WHERE token_hash IN (SELECT token_hash FROM account_tokens WHERE "
    "expires_at < now() - make_interval(days => $1::int) LIMIT $2)"};
constexpr Query kExpiredExports{
    "privacy_expired_exports",
    "SELECT id, coalesce(storage_key, '') FROM data_exports WHERE status = 'ready' "
    "AND expires_at < now() ORDER BY expires_at LIMIT $1"};
constexpr Query kMarkExpired{"privacy_mark_export_expired",
                             "UPDATE data_exports SET status = 'expired', storage_key = NULL WHERE id = $1"};

Export export_from(const db::Result& r, int i) {
  Export e;
  e.id = r.str(i, 0);
  e.user_id = r.str(i, 1);
  e.status = r.str(i, 2);
  e.created_at = r.str(i, 3);
  e.storage_key = r.opt_str(i, 4);
  e.finished_at = r.opt_str(i, 5);
  e.expires_at = r.opt_str(i, 6);
  e.error = r.opt_str(i, 7);
  if (!r.is_null(i, 8)) e.size_bytes = r.int64(i, 8);
  return e;
}

Consent consent_from(const db::Result& r, int i) {
  return Consent{r.int64(i, 0), r.str(i, 1), r.str(i, 3), r.str(i, 4), r.boolean(i, 2)};
}

// text[] as PostgreSQL prints it: {a,b,c} (ids and keys need no quoting).
std::vector<std::string> text_array(std::string_view v) {
  std::vector<std::string> out;
  if (v.size() < 2) return out;
  v = v.substr(1, v.size() - 2);
  while (!v.empty()) {
    const auto comma = v.find(',');
    std::string item(v.substr(0, comma));
    if (item.size() >= 2 && item.front() == '"') item = item.substr(1, item.size() - 2);
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

const std::vector<std::string_view>& export_tables() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& [name, q] : kExportTables) out.push_back(name);
    return out;
  }();
  return names;
}

awaitable<std::string> export_table(db::Cluster& db, std::string_view table, const std::string& user_id) {
  for (const auto& [name, q] : kExportTables) {
    if (name != table) continue;
    auto conn = co_await db.writer();
    const auto r = co_await conn->exec(q, params(user_id));
    co_return r.str(0, 0);
  }
  throw std::invalid_argument("no export query for table " + std::string(table));
}

awaitable<std::optional<Export>> insert_export(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kInsertExport, params(user_id));
  if (r.empty()) co_return std::nullopt;
  co_return export_from(r, 0);
}

awaitable<std::optional<Export>> pending_export(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kPendingExport, params(user_id));
  if (r.empty()) co_return std::nullopt;
  co_return export_from(r, 0);
}

awaitable<std::optional<Export>> find_export(db::Cluster& db, const std::string& user_id,
                                             const std::string& id, std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kFindExport, params(id, user_id), token);
  if (r.empty()) co_return std::nullopt;
  co_return export_from(r, 0);
}

awaitable<std::vector<Export>> list_exports(db::Cluster& db, const std::string& user_id,
                                            std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kListExports, params(user_id), token);
  std::vector<Export> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(export_from(r, i));
  co_return out;
}

awaitable<bool> finish_export(db::Transaction& tx, const std::string& id, const std::string& key,
                              int64_t size, std::chrono::seconds keep) {
  const auto r = co_await tx.exec(kFinishExport, params(id, key, size, static_cast<int64_t>(keep.count())));
  co_return r.affected() == 1;
}

awaitable<void> fail_export(db::Transaction& tx, const std::string& id, const std::string& error) {
  co_await tx.exec(kFailExport, params(id, error.substr(0, 500)));
}

awaitable<std::vector<Consent>> consent_history(db::Cluster& db, const std::string& user_id,
                                                std::optional<db::Lsn> token) {
  const auto r = co_await db.read(kConsentHistory, params(user_id), token);
  std::vector<Consent> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(consent_from(r, i));
  co_return out;
}

awaitable<Consent> record_consent(db::Transaction& tx, const std::string& user_id, std::string_view purpose,
                                  bool granted, std::string_view source, const std::string& ip,
                                  const std::string& user_agent) {
  const std::optional<std::string> agent =
      user_agent.empty() ? std::nullopt : std::optional<std::string>(user_agent.substr(0, 500));
  const std::optional<std::string> address = ip.empty() ? std::nullopt : std::optional<std::string>(ip);
  const auto r = co_await tx.exec(kRecordConsent, params(user_id, purpose, granted, source, address, agent));
  co_return consent_from(r, 0);
}

awaitable<bool> consents_to_marketing(db::Cluster& db, const std::string& user_id) {
  const auto r = co_await db.read(kMarketingConsent, params(user_id));
  co_return r.boolean(0, 0);
}

awaitable<std::optional<Account>> lock_live_account(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kLockAccount, params(user_id));
  if (r.empty()) co_return std::nullopt;
  co_return Account{r.str(0, 0), r.boolean(0, 1)};
}

awaitable<int64_t> renewing_memberships_as_fan(db::Transaction& tx, const std::string& user_id) {
  co_return (co_await tx.exec(kRenewingAsFan, params(user_id))).int64(0, 0);
}

awaitable<int64_t> renewing_subscribers(db::Transaction& tx, const std::string& user_id) {
  co_return (co_await tx.exec(kRenewingSubscribers, params(user_id))).int64(0, 0);
}

awaitable<StorageRefs> storage_refs(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kStorageRefs, params(user_id));
  co_return StorageRefs{text_array(r.view(0, 0)), text_array(r.view(0, 1)), text_array(r.view(0, 2))};
}

awaitable<std::vector<std::string>> delete_sessions(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kDeleteSessions, params(user_id));
  std::vector<std::string> live;
  for (int i = 0; i < r.rows(); ++i) {
    if (r.boolean(i, 1)) live.push_back(r.str(i, 0));
  }
  co_return live;
}

awaitable<void> erase_account(db::Transaction& tx, const std::string& user_id) {
  co_await tx.exec(kAwaitRollup, {});
  for (const auto& q : kErase) co_await tx.exec(q, params(user_id));
}

awaitable<int64_t> prune_notifications(db::Cluster& db, int read_days, int unread_days, int batch) {
  auto conn = co_await db.writer();
  co_return (co_await conn->exec(kPruneNotifications, params(read_days, unread_days, batch))).affected();
}

awaitable<int64_t> prune_sessions(db::Cluster& db, int days, int batch) {
  auto conn = co_await db.writer();
  co_return (co_await conn->exec(kPruneSessions, params(days, batch))).affected();
}

awaitable<int64_t> prune_account_tokens(db::Cluster& db, int days, int batch) {
  auto conn = co_await db.writer();
  co_return (co_await conn->exec(kPruneAccountTokens, params(days, batch))).affected();
}

awaitable<std::vector<std::pair<std::string, std::string>>> expired_exports(db::Cluster& db, int batch) {
  auto conn = co_await db.writer();
  const auto r = co_await conn->exec(kExpiredExports, params(batch));
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.str(i, 0), r.str(i, 1));
  co_return out;
}

awaitable<void> mark_expired(db::Cluster& db, const std::string& id) {
  auto conn = co_await db.writer();
  co_await conn->exec(kMarkExpired, params(id));
}

}  // namespace mc::privacy::store
