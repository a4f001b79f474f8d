#include "features/accounts/service.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>

#include "core/crypto.hpp"
#include "core/embedded_file.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/offload.hpp"
#include "events/outbox.hpp"
#include "features/accounts/password_strength.hpp"
#include "features/accounts/store.hpp"
#include "features/admin/audit.hpp"
#include "features/artists/genres.hpp"
#include "payments/fields.hpp"

namespace mc::accounts {
namespace {

// A session ended: the one event every path that ends a session appends, so the real-time gateway
// closes that session's sockets wherever they are.
awaitable<void> append_session_revoked(db::Transaction& tx, const std::string& user_id,
                                       const std::string& session_id, std::string_view reason) {
  const boost::json::object event{{"userId", user_id}, {"sessionId", session_id}, {"reason", reason}};
  co_await events::append(tx, "session.revoked", user_id, event);
}

constexpr auto kVerifyTtl = std::chrono::hours(48);
constexpr auto kResetTtl = std::chrono::hours(1);
constexpr std::string_view kInvalidCredentials = "Invalid email or password";

// A security-relevant account action for the audit log (docs/admin.md): the user acting on their
// own account, from where.
audit::Entry security_entry(const std::string& user_id, std::optional<std::string> role, std::string action,
                            const Client& client, boost::json::object details = {}) {
  return audit::Entry{user_id, std::move(role), std::move(action), "user",
                      user_id, client.ip,       client.user_agent, std::move(details)};
}

ApiError invalid_credentials() {
  return ApiError(401, "invalid_credentials", std::string(kInvalidCredentials));
}
ApiError invalid_token() {
  return ApiError(401, "invalid_token", "Access token refused: session is no longer valid")
      .with_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
}
ApiError email_taken() {
  return ApiError(409, "email_taken", "An account with this email already exists",
                  {{"email", "is already registered"}});
}
ApiError username_taken() {
  return ApiError(409, "username_taken", "This username is taken", {{"username", "is already taken"}});
}
ApiError bad_account_token() {
  return ApiError(400, "invalid_or_expired_token", "This link is invalid, already used or expired");
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string slugify(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c)) {
      out.push_back(static_cast<char>(std::tolower(c)));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 60) out.resize(60);
  return out.empty() ? "artist" : out;
}

std::string clip(std::string s, std::size_t n) {
  if (s.size() > n) s.resize(n);
  return s;
}

// A duplicate key tells us which unique index refused the row.
[[noreturn]] void rethrow_conflict(const db::DbError& e) {
  if (e.unique_violation() && e.constraint() == "users_email_key") throw email_taken();
  if (e.unique_violation() && e.constraint() == "users_username_key") throw username_taken();
  throw e;
}

}  // namespace

AccountsService::AccountsService(const Config& config, const JwtCodec& jwt, mail::Mailer& mailer)
    : config_(config),
      jwt_(jwt),
      mailer_(mailer),
      successor_key_(hmac_sha256(config.jwt_secret, "musicconnect refresh-token successor v1")),
      sessions_(config.session_check_ttl),
      hash_pool_(config.password_hash_threads, config.password_hash_queue) {
  const auto list = find_embedded(ops::embedded_docs(), "common_passwords.txt");
  std::istringstream in(std::string(list.value_or("")));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) common_passwords_.insert(lower(line));
  }
  dummy_hash_ = password_hash(random_token(16));
}

bool AccountsService::valid_email(std::string_view email) {
  if (email.size() < 3 || email.size() > 254) return false;
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
    return false;
  const auto domain = email.substr(at + 1);
  const auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
  return std::none_of(email.begin(), email.end(), [](unsigned char c) {
    return c <= 32 || c == 127 || c == '<' || c == '>' || c == ',';
  });
}

void AccountsService::check_new_password(std::string_view field, const std::string& password,
                                         json::FieldReader& errors, std::string_view username,
                                         std::string_view email) const {
  if (errors.has_error(field)) return;
  // Characters, not bytes, as the web app counts them (one rule on every form and here).
  const std::size_t length = json::utf8_length(password);
  if (length < 10) return errors.fail(field, "must be at least 10 characters");
  if (length > 256) return errors.fail(field, "must be at most 256 characters");
  const std::string l = lower(password);
  if (common_passwords_.contains(l)) return errors.fail(field, "is too common; choose another");
  if ((!username.empty() && l == lower(std::string(username))) ||
      (!email.empty() && l == lower(std::string(email)))) {
    return errors.fail(field, "must not be your username or email");
  }
  std::vector<std::string> user_words;
  if (!username.empty()) user_words.push_back(lower(std::string(username)));
  if (const auto at = email.find('@'); at != std::string_view::npos) {
    user_words.push_back(lower(std::string(email.substr(0, at))));
  }
  const PasswordStrength strength = estimate_password(password, user_words);
  if (strength.score < kMinPasswordScore) {
    errors.fail(field, "is too easy to guess (" + strength.weakness +
                           "); use a longer passphrase of several unrelated words");
  }
}

void AccountsService::check_registration(const RegisterInput& in, json::FieldReader& errors) const {
  if (!errors.has_error("username")) {
    const bool ok = in.username.size() >= 3 && in.username.size() <= 30 &&
                    std::all_of(in.username.begin(), in.username.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                    });
    if (!ok) errors.fail("username", "must be 3-30 characters of a-z, 0-9 and _");
  }
  if (!errors.has_error("email") && !valid_email(in.email))
    errors.fail("email", "must be a valid email address");
  check_new_password("password", in.password, errors, in.username, in.email);
  if (!errors.has_error("role") && in.role != "fan" && in.role != "artist") {
    errors.fail("role", "must be \"fan\" or \"artist\"");
  }
  if (in.role == "artist") {
    if (!in.artist_name) {
      errors.fail("artistName", "is required for artists");
    } else if (in.artist_name->empty() || in.artist_name->size() > 100) {
      errors.fail("artistName", "must be 1-100 characters");
    }
  } else if (in.artist_name) {
    errors.fail("artistName", "is only for artists");
  }
  if (in.genre && !artists::is_genre(*in.genre))
    errors.fail("genre", "is not a known genre (see GET /api/genres)");
}

std::string AccountsService::access_token(const std::string& user_id, const std::string& session_id,
                                          const std::string& role) const {
  const int64_t now = unix_now();
  return jwt_.sign(AccessClaims{user_id, session_id, role, now, now + config_.access_token_ttl.count()});
}

namespace {
ApiError hashing_busy() {
  return ApiError::unavailable("Too many sign-ins are being checked right now; try again in a moment")
      .with_header("Retry-After", "1");
}
}  // namespace

awaitable<bool> AccountsService::verify_password(std::string hash, std::string password) {
  auto job = [h = std::move(hash), p = std::move(password)] { return password_verify(h, p); };
  try {
    co_return co_await hash_pool_.run(std::move(job));
  } catch (const PoolFull&) {
    throw hashing_busy();
  }
}

awaitable<std::string> AccountsService::hash_password(std::string password) {
  auto job = [p = std::move(password)] { return password_hash(p); };
  try {
    co_return co_await hash_pool_.run(std::move(job));
  } catch (const PoolFull&) {
    throw hashing_busy();
  }
}

void AccountsService::write_metrics(metrics::Families& out) const {
  metrics::Families::add(out.counter("mc_password_hash_jobs_total", "argon2id hashes and verifications done"),
                         {}, static_cast<double>(hash_pool_.completed()));
  metrics::Families::add(out.counter("mc_password_hash_refused_total",
                                     "password jobs refused with 503 because PASSWORD_HASH_QUEUE was full"),
                         {}, static_cast<double>(hash_pool_.refused()));
  metrics::Families::add(out.gauge("mc_password_hash_pending", "password jobs waiting or running"), {},
                         static_cast<double>(hash_pool_.pending()));
}

awaitable<void> AccountsService::send(mail::Email email) {
  // Sent after commit; a failure is logged and the user can ask again (resend / forgot).
  try {
    auto job = [this, e = std::move(email)] { mailer_.send(e); };
    co_await offload(std::move(job));
  } catch (const std::exception& e) {
    log::error("sending email failed", {{"error", e.what()}});
  }
}

awaitable<std::string> AccountsService::issue_refresh(db::Transaction& tx, const std::string& session_id) {
  std::string token = random_token(32);
  co_await store::insert_refresh_token(tx, to_hex(sha256(token)), session_id,
                                       config_.refresh_token_ttl.count());
  co_return token;
}

awaitable<AccountsService::IssuedSession> AccountsService::open_session(db::Transaction& tx,
                                                                        const std::string& user_id,
                                                                        const std::string& role,
                                                                        const Client& client) {
  const Client clipped{clip(client.user_agent, 256), clip(client.ip, 64)};
  const std::string session_id =
      co_await store::insert_session(tx, user_id, clipped, config_.refresh_token_ttl.count());
  std::string refresh = co_await issue_refresh(tx, session_id);
  co_return IssuedSession{session_id, Tokens{access_token(user_id, session_id, role), std::move(refresh)}};
}

awaitable<std::string> AccountsService::issue_account_token(db::Transaction& tx, const std::string& user_id,
                                                            std::string_view purpose,
                                                            const std::string& email,
                                                            std::chrono::seconds ttl) {
  std::string token = random_token(32);
  co_await store::insert_account_token(tx, to_hex(sha256(token)), user_id, purpose, email, ttl.count());
  co_return token;
}

awaitable<void> AccountsService::require_live_session(db::Transaction& tx, const AccessClaims& who) {
  const bool live = co_await store::session_live(tx, who.session_id, who.user_id);
  if (!live) throw invalid_token();
}

awaitable<AuthResult> AccountsService::register_user(db::Cluster& db, const RegisterInput& in,
                                                     const Client& client) {
  {
    // Cheap refusals first: argon2id is the expensive part, so it runs only for a plausible account.
    auto conn = co_await db.writer();
    const auto taken = co_await store::identity_taken(*conn, in.username, in.email);
    if (taken.email) throw email_taken();
    if (taken.username) throw username_taken();
  }
  const std::string hash = co_await hash_password(in.password);
  auto tx = co_await db.begin();
  std::string user_id;
  try {
    user_id = co_await store::insert_user(tx, in, hash);
  } catch (const db::DbError& e) {
    rethrow_conflict(e);
  }
  if (in.role == "artist") {
    co_await store::insert_artist_profile(tx, user_id, *in.artist_name, slugify(*in.artist_name), in.genre);
  }
  auto session = co_await open_session(tx, user_id, in.role, client);
  const std::string verify = co_await issue_account_token(tx, user_id, "verify_email", in.email, kVerifyTtl);
  const boost::json::object event{{"userId", user_id}, {"role", in.role}};
  co_await events::append(tx, "user.registered", user_id, event);
  auto user = co_await store::find_user_tx(tx, user_id);
  const db::Lsn lsn = co_await tx.commit();
  mail::Email message{in.email, "Verify your MusicConnect email",
                      "Welcome to MusicConnect, " + in.username + "!\n\nConfirm your email address:\n" +
                          config_.public_url + "/verify-email?token=" + verify + "\n\ntoken: " + verify +
                          "\n"};
  co_await send(std::move(message));
  co_return AuthResult{std::move(session.tokens), std::move(user), lsn};
}

awaitable<AuthResult> AccountsService::login(db::Cluster& db, const std::string& email,
                                             const std::string& password, const Client& client) {
  std::optional<store::LoginRecord> record;
  {
    auto conn = co_await db.writer();  // lockout state must be current
    record = co_await store::claim_login_attempt(*conn, email);
    if (!record) {
      const auto existing = co_await store::find_login(*conn, email);
      if (existing && existing->locked_seconds > 0) {
        throw ApiError(429, "account_locked", "Too many failed logins; try again later")
            .with_header("Retry-After", std::to_string(existing->locked_seconds));
      }
    }
  }
  if (!record) {
    co_await verify_password(dummy_hash_, password);
    throw invalid_credentials();
  }
  const bool password_ok = co_await verify_password(record->password_hash, password);
  if (!password_ok) {  // the attempt was counted when claimed
    auto tx = co_await db.begin();
    audit::Entry entry = security_entry(record->user_id, std::nullopt, "login.failed", client);
    entry.actor_id.reset();  // whoever typed the password: not known to be the account's owner
    co_await audit::record(tx, entry);
    co_await tx.commit();
    throw invalid_credentials();
  }
  // Said only to someone who knows the password, so it reveals nothing to a guesser.
  if (record->suspended) {
    throw ApiError(403, "account_suspended",
                   "This account is suspended; contact support to have it restored");
  }
  auto tx = co_await db.begin();
  co_await store::reset_login_failures(tx, record->user_id);
  auto session = co_await open_session(tx, record->user_id, record->role, client);
  auto user = co_await store::find_user_tx(tx, record->user_id);
  const db::Lsn lsn = co_await tx.commit();
  co_return AuthResult{std::move(session.tokens), std::move(user), lsn};
}

awaitable<AuthResult> AccountsService::refresh(db::Cluster& db, const std::string& refresh_token,
                                               const Client& client) {
  const std::string hash = to_hex(sha256(refresh_token));
  auto tx = co_await db.begin();
  const auto rec =
      co_await store::lock_refresh_token(tx, hash, static_cast<int>(config_.refresh_reuse_grace.count()));
  if (!rec) throw ApiError(401, "invalid_refresh_token", "Refresh token is invalid");
  // The successor is derived from the presented token, so every presentation of one token yields
  // the same successor: a client that lost the answer (a tab reloaded mid-request) gets it again,
  // and a thief replaying a captured token joins the owner's chain instead of forking a parallel one
  // that reuse detection would never see (docs/decisions.md).
  const std::string next = successor_of(refresh_token);
  const std::string next_hash = to_hex(sha256(next));
  if (rec->token_used) {
    // A retry is honoured only within the grace period and while the successor is still unused
    // (the chain has not moved on); anything else is a replay: the family is compromised.
    std::optional<store::SuccessorRecord> successor;
    if (rec->used_within_grace && !rec->session_revoked && !rec->session_expired) {
      successor = co_await store::lock_refresh_successor(tx, next_hash, rec->session_id);
    }
    if (!successor || successor->used || successor->expired) {
      co_await store::revoke_family(tx, rec->session_id, "refresh_token_reused");
      co_await append_session_revoked(tx, rec->user_id, rec->session_id, "refresh_token_reused");
      boost::json::object details{{"sessionId", rec->session_id}};
      details["reason"] = "refresh_token_reused";
      const audit::Entry entry =
          security_entry(rec->user_id, rec->role, "session.revoked", client, std::move(details));
      co_await audit::record(tx, entry);
      co_await tx.commit();
      sessions_.forget(rec->session_id);
      log::warn("refresh token reuse detected; session revoked", {{"session_id", rec->session_id}});
      throw ApiError(401, "refresh_token_reused",
                     "Refresh token was already used; the session has been revoked");
    }
    const db::Lsn lsn = co_await tx.commit();
    co_return AuthResult{Tokens{access_token(rec->user_id, rec->session_id, rec->role), next}, std::nullopt,
                         lsn};
  }
  if (rec->token_expired || rec->session_revoked || rec->session_expired) {
    throw ApiError(401, "invalid_refresh_token", "Refresh token is invalid");
  }
  co_await store::mark_refresh_used(tx, hash);
  co_await store::touch_session(tx, rec->session_id);
  co_await store::insert_refresh_token(tx, next_hash, rec->session_id, config_.refresh_token_ttl.count());
  const db::Lsn lsn = co_await tx.commit();
  co_return AuthResult{Tokens{access_token(rec->user_id, rec->session_id, rec->role), next}, std::nullopt,
                       lsn};
}

std::string AccountsService::successor_of(const std::string& refresh_token) const {
  return base64url_encode(hmac_sha256(successor_key_, refresh_token));
}

awaitable<db::Lsn> AccountsService::logout(db::Cluster& db, const AccessClaims& who) {
  auto tx = co_await db.begin();
  co_await store::revoke_session(tx, who.session_id, who.user_id, "logout");
  co_await append_session_revoked(tx, who.user_id, who.session_id, "logout");
  const db::Lsn lsn = co_await tx.commit();
  sessions_.forget(who.session_id);
  co_return lsn;
}

awaitable<bool> AccountsService::session_live(db::Cluster& db, const AccessClaims& claims) {
  // Claims are signed by us, but a malformed id must be refused here rather than reach SQL.
  if (!payments::fields::is_uuid(claims.session_id) || !payments::fields::is_uuid(claims.user_id))
    co_return false;
  const auto now = SessionCache::Clock::now();
  if (const auto cached = sessions_.get(claims.session_id, claims.user_id, now)) co_return *cached;
  const bool live = co_await store::session_live(db, claims.session_id, claims.user_id);
  sessions_.put(claims.session_id, claims.user_id, live, now);
  co_return live;
}

awaitable<User> AccountsService::me(db::Cluster& db, const AccessClaims& who, std::optional<db::Lsn> token) {
  auto user = co_await store::find_user_in_session(db, token, who.user_id, who.session_id);
  if (!user) throw invalid_token();
  co_return std::move(*user);
}

awaitable<Written<User>> AccountsService::verify_email(db::Cluster& db, const std::string& token) {
  const std::string hash = to_hex(sha256(token));
  auto tx = co_await db.begin();
  const auto rec = co_await store::lock_account_token(tx, hash, "verify_email");
  if (!rec || !rec->valid) throw bad_account_token();
  co_await store::mark_account_token_used(tx, hash);
  co_await store::mark_email_verified(tx, rec->user_id);
  const boost::json::object event{{"userId", rec->user_id}};
  co_await events::append(tx, "user.email_verified", rec->user_id, event);
  auto user = co_await store::find_user_tx(tx, rec->user_id);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<User>{std::move(*user), lsn};
}

awaitable<db::Lsn> AccountsService::resend_verification(db::Cluster& db, const AccessClaims& who) {
  auto tx = co_await db.begin();
  co_await require_live_session(tx, who);
  const auto rec = co_await store::password_record(tx, who.user_id);
  if (!rec) throw invalid_token();
  if (rec->email_verified) throw ApiError(409, "already_verified", "This email address is already verified");
  const std::string token =
      co_await issue_account_token(tx, who.user_id, "verify_email", rec->email, kVerifyTtl);
  const db::Lsn lsn = co_await tx.commit();
  mail::Email message{rec->email, "Verify your MusicConnect email",
                      "Confirm your email address:\n" + config_.public_url + "/verify-email?token=" + token +
                          "\n\ntoken: " + token + "\n"};
  co_await send(std::move(message));
  co_return lsn;
}

awaitable<std::optional<db::Lsn>> AccountsService::forgot_password(db::Cluster& db,
                                                                   const std::string& email) {
  std::optional<std::string> user_id;
  {
    auto conn = co_await db.writer();
    user_id = co_await store::find_user_id_by_email(*conn, email);
  }
  if (!user_id) co_return std::nullopt;  // same answer either way: no account enumeration
  auto tx = co_await db.begin();
  const auto rec = co_await store::password_record(tx, *user_id);
  const std::string token =
      co_await issue_account_token(tx, *user_id, "reset_password", rec->email, kResetTtl);
  const db::Lsn lsn = co_await tx.commit();
  mail::Email message{rec->email, "Reset your MusicConnect password",
                      "Someone asked to reset your password. If it was you, open:\n" + config_.public_url +
                          "/reset-password?token=" + token + "\n\ntoken: " + token +
                          "\n\nThe link works once, for one hour. If it was not you, ignore this email.\n"};
  co_await send(std::move(message));
  co_return lsn;
}

awaitable<db::Lsn> AccountsService::reset_password(db::Cluster& db, const std::string& token,
                                                   const std::string& password, const Client& client) {
  const std::string hash = to_hex(sha256(token));
  {
    auto conn = co_await db.writer();  // an invalid link is refused before any hashing
    const bool valid = co_await store::account_token_valid(*conn, hash, "reset_password");
    if (!valid) throw bad_account_token();
  }
  const std::string new_hash = co_await hash_password(password);
  auto tx = co_await db.begin();
  const auto rec = co_await store::lock_account_token(tx, hash, "reset_password");
  if (!rec || !rec->valid) throw bad_account_token();
  // The sign-up rule in full, as for a change: not the username or email either (the route has
  // checked the rest before any hashing).
  if (const auto who = co_await store::password_record(tx, rec->user_id)) {
    const boost::json::object none;
    json::FieldReader rules(none);
    check_new_password("password", password, rules, who->username, who->email);
    rules.finish();
  }
  co_await store::mark_account_token_used(tx, hash);
  co_await store::set_password(tx, rec->user_id, new_hash);
  co_await store::revoke_all_sessions(tx, rec->user_id, "password_reset");
  const boost::json::object event{{"userId", rec->user_id}};
  co_await events::append(tx, "user.password_reset", rec->user_id, event);
  const audit::Entry entry = security_entry(rec->user_id, std::nullopt, "password.reset", client);
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  sessions_.forget_user(rec->user_id);
  co_return lsn;
}

awaitable<db::Lsn> AccountsService::change_password(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& current, const std::string& next,
                                                    const Client& client) {
  store::PasswordRecord record;
  {
    auto tx = co_await db.begin();
    co_await require_live_session(tx, who);
    auto rec = co_await store::password_record(tx, who.user_id);
    if (!rec) throw invalid_token();
    record = std::move(*rec);
  }
  const bool current_ok = co_await verify_password(record.password_hash, current);
  if (!current_ok) {
    throw ApiError(401, "invalid_credentials", "The current password is not right. Check it and try again.",
                   {{"currentPassword", "is not your current password; check it and try again"}});
  }
  // The sign-up rule in full: the new password may not be the user's name or email either.
  const boost::json::object none;
  json::FieldReader rules(none);
  check_new_password("newPassword", next, rules, record.username, record.email);
  rules.finish();
  const std::string new_hash = co_await hash_password(next);
  auto tx = co_await db.begin();
  co_await require_live_session(tx, who);
  co_await store::set_password(tx, who.user_id, new_hash);
  co_await store::revoke_other_sessions(tx, who.user_id, who.session_id, "password_changed");
  // The other sessions end; open sockets of theirs are closed by the gateway (docs/realtime.md).
  const boost::json::object event{{"userId", who.user_id}, {"keptSessionId", who.session_id}};
  co_await events::append(tx, "user.password_changed", who.user_id, event);
  const audit::Entry entry = security_entry(who.user_id, who.role, "password.changed", client);
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  sessions_.forget_user(who.user_id);
  co_return lsn;
}

awaitable<Written<User>> AccountsService::change_email(db::Cluster& db, const AccessClaims& who,
                                                       const std::string& new_email,
                                                       const std::string& password, const Client& client) {
  std::string stored;
  {
    auto tx = co_await db.begin();
    co_await require_live_session(tx, who);
    const auto rec = co_await store::password_record(tx, who.user_id);
    if (!rec) throw invalid_token();
    stored = rec->password_hash;
  }
  const bool password_ok = co_await verify_password(stored, password);
  if (!password_ok) {
    throw ApiError(401, "invalid_credentials", "The password is not right. Check it and try again.",
                   {{"password", "is not your password; check it and try again"}});
  }
  auto tx = co_await db.begin();
  co_await require_live_session(tx, who);
  try {
    co_await store::set_email(tx, who.user_id, new_email);
  } catch (const db::DbError& e) {
    rethrow_conflict(e);
  }
  const std::string token =
      co_await issue_account_token(tx, who.user_id, "verify_email", new_email, kVerifyTtl);
  const boost::json::object event{{"userId", who.user_id}};
  co_await events::append(tx, "user.email_changed", who.user_id, event);
  const audit::Entry entry = security_entry(who.user_id, who.role, "email.changed", client);
  co_await audit::record(tx, entry);
  auto user = co_await store::find_user_tx(tx, who.user_id);
  const db::Lsn lsn = co_await tx.commit();
  mail::Email message{new_email, "Confirm your new MusicConnect email",
                      "Confirm this address for your account:\n" + config_.public_url +
                          "/verify-email?token=" + token + "\n\ntoken: " + token + "\n"};
  co_await send(std::move(message));
  co_return Written<User>{std::move(*user), lsn};
}

awaitable<std::vector<SessionInfo>> AccountsService::sessions(db::Cluster& db, const AccessClaims& who,
                                                              std::optional<db::Lsn> token) {
  auto conn = co_await db.reader(token);
  auto list = co_await store::list_sessions(*conn.lease, who.user_id);
  const bool live =
      std::any_of(list.begin(), list.end(), [&](const auto& s) { return s.id == who.session_id; });
  if (!live) throw invalid_token();
  co_return list;
}

awaitable<db::Lsn> AccountsService::revoke_session(db::Cluster& db, const AccessClaims& who,
                                                   const std::string& session_id, const Client& client) {
  auto tx = co_await db.begin();
  co_await require_live_session(tx, who);
  const long revoked = co_await store::revoke_session(tx, session_id, who.user_id, "revoked_by_user");
  if (revoked == 0) {
    throw ApiError::not_found("No such session");
  }
  co_await append_session_revoked(tx, who.user_id, session_id, "revoked_by_user");
  boost::json::object details{{"sessionId", session_id}};
  details["reason"] = "revoked_by_user";
  const audit::Entry entry =
      security_entry(who.user_id, who.role, "session.revoked", client, std::move(details));
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  sessions_.forget(session_id);
  co_return lsn;
}

awaitable<bool> AccountsService::password_matches(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& password) {
  std::string stored;
  {
    auto tx = co_await db.begin();
    co_await require_live_session(tx, who);
    const auto rec = co_await store::password_record(tx, who.user_id);
    if (!rec) throw invalid_token();
    stored = rec->password_hash;
  }
  const bool ok = co_await verify_password(stored, password);
  co_return ok;
}

awaitable<std::string> AccountsService::create_admin(db::Cluster& db, const std::string& username,
                                                     const std::string& email, const std::string& password) {
  const RegisterInput in{username, email, password, "fan", std::nullopt, std::nullopt};
  {
    const boost::json::object none;
    json::FieldReader errors(none);
    check_registration(in, errors);
    errors.finish();
  }
  {
    auto conn = co_await db.writer();
    const auto taken = co_await store::identity_taken(*conn, username, email);
    if (taken.email) throw email_taken();
    if (taken.username) throw username_taken();
  }
  const std::string hash = co_await hash_password(password);
  RegisterInput admin = in;
  admin.role = "admin";
  auto tx = co_await db.begin();
  std::string user_id;
  try {
    user_id = co_await store::insert_user(tx, admin, hash);
  } catch (const db::DbError& e) {
    rethrow_conflict(e);
  }
  co_await store::mark_email_verified(tx, user_id);
  audit::Entry entry{
      std::nullopt, std::nullopt, "admin.created", "user",
      user_id,      "",           "command line",  boost::json::object{{"username", username}}};
  co_await audit::record(tx, entry);
  co_await tx.commit();
  co_return user_id;
}

}  // namespace mc::accounts
