#include "features/accounts/store.hpp"

#include "db/sql_time.hpp"

namespace mc::accounts::store {
namespace {

using db::params;
using db::Query;

#define MC_USER_COLUMNS                                                                        \
  "u.id, u.username, u.email, u.role, u.email_verified_at IS NOT NULL, a.stage_name, a.slug, " \
  "a.genre, to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "

constexpr Query kInsertUser{
    "accounts_insert_user",
    "INSERT INTO users (username, email, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id"};
constexpr Query kInsertArtist{
    "accounts_insert_artist_profile",
    "INSERT INTO artist_profiles (user_id, stage_name, slug, genre, genres) "
    "SELECT $1::uuid, $2, CASE WHEN EXISTS (SELECT 1 FROM artist_profiles WHERE slug = $3) "
    "THEN $3 || '-' || substr(replace($1::uuid::text, '-', ''), 1, 8) ELSE $3 END, $4::text, "
    "CASE WHEN $4::text IS NULL THEN '{}'::text[] ELSE ARRAY[$4::text] END"};
constexpr Query kInsertSession{
    "accounts_insert_session",
    "INSERT INTO sessions (user_id, user_agent, ip, expires_at) "
    "VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision)) RETURNING id"};
constexpr Query kInsertRefresh{
    "accounts_insert_refresh_token",
    "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) "
    "VALUES (decode($1, 'hex'), $2, now() + make_interval(secs => $3::double precision))"};
constexpr Query kInsertAccountToken{
    "accounts_insert_account_token",
    "INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at) "
    "VALUES (decode($1, 'hex'), $2, $3, $4, now() + make_interval(secs => $5::double precision))"};
constexpr Query kUserInSession{
    "accounts_user_in_session",
    "SELECT " MC_USER_COLUMNS
    "FROM users u JOIN sessions s ON s.user_id = u.id AND s.id = $2 AND s.revoked_at IS NULL "
    "AND s.expires_at > now() LEFT JOIN artist_profiles a ON a.user_id = u.id WHERE u.id = $1"};
constexpr Query kUserById{"accounts_user_by_id",
                          "SELECT " MC_USER_COLUMNS
                          "FROM users u LEFT JOIN artist_profiles a ON a.user_id = u.id WHERE u.id = $1"};
constexpr Query kFindLogin{"accounts_find_login",
                           "SELECT id, password_hash, role, "
                           "coalesce(ceil(extract(epoch FROM (locked_until - now())))::int, 0) "
                           "FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL"};
#define MC_NEW_WINDOW \
  "(failed_login_window_start IS NULL OR failed_login_window_start < now() - interval '15 minutes')"
#define MC_ATTEMPT "(CASE WHEN " MC_NEW_WINDOW " THEN 1 ELSE failed_login_count + 1 END)"
// Counts the attempt before the password is checked, in one statement on the locked row, so
// concurrent guesses cannot all read "unlocked": at most 5 per window reach argon2, the 5th sets the
// lock, and a right password clears it again (reset_login_failures).
constexpr Query kClaimLoginAttempt{"accounts_claim_login_attempt",
                                   "UPDATE users SET failed_login_count = " MC_ATTEMPT
                                   ", "
                                   "failed_login_window_start = CASE WHEN " MC_NEW_WINDOW
                                   " THEN now() ELSE failed_login_window_start END, "
                                   "locked_until = CASE WHEN " MC_ATTEMPT
                                   " >= 5 THEN now() + interval '15 minutes' ELSE locked_until END "
                                   "WHERE lower(email) = lower($1) AND deleted_at IS NULL AND (locked_until "
                                   "IS NULL OR locked_until <= now()) "
                                   "RETURNING id, password_hash, role, suspended_at IS NOT NULL"};
constexpr Query kResetFailures{
    "accounts_reset_login_failures",
    "UPDATE users SET failed_login_count = 0, failed_login_window_start = NULL, locked_until = NULL "
    "WHERE id = $1 AND (failed_login_count <> 0 OR locked_until IS NOT NULL)"};
constexpr Query kIdentityTaken{"accounts_identity_taken",
                               "SELECT EXISTS (SELECT 1 FROM users WHERE username = $1), "
                               "EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($2))"};
constexpr Query kAccountTokenValid{
    "accounts_account_token_valid",
    "SELECT 1 FROM account_tokens t JOIN users u ON u.id = t.user_id "
    "WHERE t.token_hash = decode($1, 'hex') AND t.purpose = $2 AND t.used_at IS NULL "
    "AND t.expires_at > now() AND lower(t.email) = lower(u.email)"};
constexpr Query kUserIdByEmail{"accounts_user_id_by_email",
                               "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL"};
constexpr Query kLockRefresh{
    "accounts_lock_refresh_token",
    "SELECT rt.session_id, s.user_id, u.role, rt.used_at IS NOT NULL, rt.expires_at <= now(), "
    "s.revoked_at IS NOT NULL, s.expires_at <= now(), rt.used_at > now() - make_interval(secs => $2::int) "
    "FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id JOIN users u ON u.id = s.user_id "
    "WHERE rt.token_hash = decode($1, 'hex') FOR UPDATE OF rt, s"};
constexpr Query kRefreshSuccessor{"accounts_refresh_successor",
                                  "SELECT used_at IS NOT NULL, expires_at <= now() FROM refresh_tokens "
                                  "WHERE token_hash = decode($1, 'hex') AND session_id = $2 FOR UPDATE"};
constexpr Query kMarkRefreshUsed{
    "accounts_mark_refresh_used",
    "UPDATE refresh_tokens SET used_at = now() WHERE token_hash = decode($1, 'hex')"};
constexpr Query kTouchSession{"accounts_touch_session",
                              "UPDATE sessions SET last_used_at = now() WHERE id = $1"};
constexpr Query kSessionLive{
    "accounts_session_live",
    "SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()"};
constexpr Query kRevokeSession{"accounts_revoke_session",
                               "UPDATE sessions SET revoked_at = now(), revoke_reason = $3 "
                               "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"};
constexpr Query kRevokeFamily{
    "accounts_revoke_family",
    "UPDATE sessions SET revoked_at = now(), revoke_reason = $2 WHERE id = $1 AND revoked_at IS NULL"};
constexpr Query kRevokeAll{
    "accounts_revoke_all_sessions",
    "UPDATE sessions SET revoked_at = now(), revoke_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL"};
constexpr Query kRevokeOthers{"accounts_revoke_other_sessions",
                              "UPDATE sessions SET revoked_at = now(), revoke_reason = $3 "
                              "WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL"};
constexpr Query kListSessions{
    "accounts_list_sessions",
    "SELECT id, " MC_ISO("created_at") ", " MC_ISO("last_used_at") ", " MC_ISO("expires_at")
    ", user_agent, ip FROM sessions "
    "WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() "
    "ORDER BY last_used_at DESC LIMIT 100"};
constexpr Query kLockAccountToken{
    "accounts_lock_account_token",
    "SELECT t.user_id, t.email, "
    "(t.used_at IS NULL AND t.expires_at > now() AND lower(t.email) = lower(u.email)) "
    "FROM account_tokens t JOIN users u ON u.id = t.user_id "
    "WHERE t.token_hash = decode($1, 'hex') AND t.purpose = $2 FOR UPDATE OF t"};
constexpr Query kMarkAccountTokenUsed{
    "accounts_mark_account_token_used",
    "UPDATE account_tokens SET used_at = now() WHERE token_hash = decode($1, 'hex')"};
constexpr Query kMarkEmailVerified{
    "accounts_mark_email_verified",
    "UPDATE users SET email_verified_at = now(), updated_at = now() WHERE id = $1"};
constexpr Query kSetPassword{
    "accounts_set_password",
    "UPDATE users SET password_hash = $2, failed_login_count = 0, failed_login_window_start = NULL, "
    "locked_until = NULL, updated_at = now() WHERE id = $1"};
constexpr Query kPasswordRecord{"accounts_password_record",
                                "SELECT password_hash, email, email_verified_at IS NOT NULL, username FROM "
                                "users WHERE id = $1 FOR UPDATE"};
constexpr Query kSetEmail{
    "accounts_set_email",
    "UPDATE users SET email = $2, email_verified_at = NULL, updated_at = now() WHERE id = $1"};

User user_from(const db::Result& r, int row) {
  return User{r.str(row, 0),     r.str(row, 1),     r.str(row, 2),     r.str(row, 3), r.boolean(row, 4),
              r.opt_str(row, 5), r.opt_str(row, 6), r.opt_str(row, 7), r.str(row, 8)};
}

}  // namespace

awaitable<std::string> insert_user(db::Transaction& tx, const RegisterInput& in, const std::string& hash) {
  const auto r = co_await tx.exec(kInsertUser, params(in.username, in.email, hash, in.role));
  co_return r.str(0, 0);
}

awaitable<void> insert_artist_profile(db::Transaction& tx, const std::string& user_id,
                                      const std::string& stage_name, const std::string& slug,
                                      const std::optional<std::string>& genre) {
  co_await tx.exec(kInsertArtist, params(user_id, stage_name, slug, genre));
}

awaitable<std::string> insert_session(db::Transaction& tx, const std::string& user_id, const Client& client,
                                      long ttl_seconds) {
  const auto r = co_await tx.exec(kInsertSession, params(user_id, client.user_agent, client.ip, ttl_seconds));
  co_return r.str(0, 0);
}

awaitable<void> insert_refresh_token(db::Transaction& tx, const std::string& token_hash_hex,
                                     const std::string& session_id, long ttl_seconds) {
  co_await tx.exec(kInsertRefresh, params(token_hash_hex, session_id, ttl_seconds));
}

awaitable<void> insert_account_token(db::Transaction& tx, const std::string& token_hash_hex,
                                     const std::string& user_id, std::string_view purpose,
                                     const std::string& email, long ttl_seconds) {
  co_await tx.exec(kInsertAccountToken, params(token_hash_hex, user_id, purpose, email, ttl_seconds));
}

awaitable<std::optional<User>> find_user_in_session(db::Cluster& db, std::optional<db::Lsn> token,
                                                    const std::string& user_id,
                                                    const std::string& session_id) {
  const auto r = co_await db.read(kUserInSession, params(user_id, session_id), token);
  if (r.empty()) co_return std::nullopt;
  co_return user_from(r, 0);
}

awaitable<std::optional<User>> find_user_tx(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kUserById, params(user_id));
  if (r.empty()) co_return std::nullopt;
  co_return user_from(r, 0);
}

awaitable<std::optional<LoginRecord>> find_login(db::Connection& c, const std::string& email) {
  const auto r = co_await c.exec(kFindLogin, params(email));
  if (r.empty()) co_return std::nullopt;
  co_return LoginRecord{r.str(0, 0), r.str(0, 1), r.str(0, 2), static_cast<int>(r.int64(0, 3))};
}

awaitable<std::optional<LoginRecord>> claim_login_attempt(db::Connection& c, const std::string& email) {
  const auto r = co_await c.exec(kClaimLoginAttempt, params(email));
  if (r.empty()) co_return std::nullopt;
  co_return LoginRecord{r.str(0, 0), r.str(0, 1), r.str(0, 2), 0, r.boolean(0, 3)};
}

awaitable<void> reset_login_failures(db::Transaction& tx, const std::string& user_id) {
  co_await tx.exec(kResetFailures, params(user_id));
}

awaitable<IdentityTaken> identity_taken(db::Connection& c, const std::string& username,
                                        const std::string& email) {
  const auto r = co_await c.exec(kIdentityTaken, params(username, email));
  co_return IdentityTaken{r.boolean(0, 0), r.boolean(0, 1)};
}

awaitable<bool> account_token_valid(db::Connection& c, const std::string& hash_hex,
                                    std::string_view purpose) {
  const auto r = co_await c.exec(kAccountTokenValid, params(hash_hex, purpose));
  co_return !r.empty();
}

awaitable<std::optional<std::string>> find_user_id_by_email(db::Connection& c, const std::string& email) {
  const auto r = co_await c.exec(kUserIdByEmail, params(email));
  if (r.empty()) co_return std::nullopt;
  co_return r.str(0, 0);
}

awaitable<std::optional<RefreshRecord>> lock_refresh_token(db::Transaction& tx, const std::string& hash_hex,
                                                           int reuse_grace_s) {
  const auto r = co_await tx.exec(kLockRefresh, params(hash_hex, reuse_grace_s));
  if (r.empty()) co_return std::nullopt;
  co_return RefreshRecord{r.str(0, 0),     r.str(0, 1),     r.str(0, 2),     r.boolean(0, 3),
                          r.boolean(0, 4), r.boolean(0, 5), r.boolean(0, 6), r.boolean(0, 7)};
}

awaitable<std::optional<SuccessorRecord>> lock_refresh_successor(db::Transaction& tx,
                                                                 const std::string& hash_hex,
                                                                 const std::string& session_id) {
  const auto r = co_await tx.exec(kRefreshSuccessor, params(hash_hex, session_id));
  if (r.empty()) co_return std::nullopt;
  co_return SuccessorRecord{r.boolean(0, 0), r.boolean(0, 1)};
}

awaitable<void> mark_refresh_used(db::Transaction& tx, const std::string& hash_hex) {
  co_await tx.exec(kMarkRefreshUsed, params(hash_hex));
}

awaitable<void> touch_session(db::Transaction& tx, const std::string& session_id) {
  co_await tx.exec(kTouchSession, params(session_id));
}

awaitable<bool> session_live(db::Transaction& tx, const std::string& session_id, const std::string& user_id) {
  const auto r = co_await tx.exec(kSessionLive, params(session_id, user_id));
  co_return !r.empty();
}

awaitable<bool> session_live(db::Cluster& db, const std::string& session_id, const std::string& user_id) {
  const auto r = co_await db.read(kSessionLive, params(session_id, user_id));
  co_return !r.empty();
}

awaitable<long> revoke_session(db::Transaction& tx, const std::string& session_id, const std::string& user_id,
                               std::string_view reason) {
  const auto r = co_await tx.exec(kRevokeSession, params(session_id, user_id, reason));
  co_return r.affected();
}

awaitable<void> revoke_family(db::Transaction& tx, const std::string& session_id, std::string_view reason) {
  co_await tx.exec(kRevokeFamily, params(session_id, reason));
}

awaitable<void> revoke_all_sessions(db::Transaction& tx, const std::string& user_id,
                                    std::string_view reason) {
  co_await tx.exec(kRevokeAll, params(user_id, reason));
}

awaitable<void> revoke_other_sessions(db::Transaction& tx, const std::string& user_id,
                                      const std::string& keep_session_id, std::string_view reason) {
  co_await tx.exec(kRevokeOthers, params(user_id, keep_session_id, reason));
}

awaitable<std::vector<SessionInfo>> list_sessions(db::Connection& c, const std::string& user_id) {
  const auto r = co_await c.exec(kListSessions, params(user_id));
  std::vector<SessionInfo> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(
        SessionInfo{r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.opt_str(i, 4), r.opt_str(i, 5)});
  }
  co_return out;
}

awaitable<std::optional<AccountTokenRecord>> lock_account_token(db::Transaction& tx,
                                                                const std::string& hash_hex,
                                                                std::string_view purpose) {
  const auto r = co_await tx.exec(kLockAccountToken, params(hash_hex, purpose));
  if (r.empty()) co_return std::nullopt;
  co_return AccountTokenRecord{r.str(0, 0), r.str(0, 1), r.boolean(0, 2)};
}

awaitable<void> mark_account_token_used(db::Transaction& tx, const std::string& hash_hex) {
  co_await tx.exec(kMarkAccountTokenUsed, params(hash_hex));
}

awaitable<void> mark_email_verified(db::Transaction& tx, const std::string& user_id) {
  co_await tx.exec(kMarkEmailVerified, params(user_id));
}

awaitable<void> set_password(db::Transaction& tx, const std::string& user_id, const std::string& hash) {
  co_await tx.exec(kSetPassword, params(user_id, hash));
}

awaitable<std::optional<PasswordRecord>> password_record(db::Transaction& tx, const std::string& user_id) {
  const auto r = co_await tx.exec(kPasswordRecord, params(user_id));
  if (r.empty()) co_return std::nullopt;
  co_return PasswordRecord{r.str(0, 0), r.str(0, 1), r.boolean(0, 2), r.str(0, 3)};
}

awaitable<void> set_email(db::Transaction& tx, const std::string& user_id, const std::string& email) {
  co_await tx.exec(kSetEmail, params(user_id, email));
}

}  // namespace mc::accounts::store
