#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/config.hpp"
#include "core/json.hpp"
#include "core/jwt.hpp"
#include "core/offload.hpp"
#include "db/cluster.hpp"
#include "features/accounts/model.hpp"
#include "features/accounts/session_cache.hpp"
#include "http/session_gate.hpp"
#include "mail/mailer.hpp"

namespace mc::metrics {
class Families;
}

namespace mc::accounts {

using boost::asio::awaitable;

struct Tokens {
  std::string access;
  std::string refresh;
};

struct AuthResult {
  Tokens tokens;
  std::optional<User> user;
  db::Lsn lsn;
};

using db::Written;

// The rules of SPEC §4.1: registration, login with lockout, refresh rotation with reuse
// detection, email verification, password reset and change, email change, sessions.
class AccountsService : public http::SessionGate {
 public:
  AccountsService(const Config& config, const JwtCodec& jwt, mail::Mailer& mailer);

  // Input rules; failures go into the reader so one 400 lists every problem.
  void check_registration(const RegisterInput& in, json::FieldReader& errors) const;
  void check_new_password(std::string_view field, const std::string& password, json::FieldReader& errors,
                          std::string_view username = {}, std::string_view email = {}) const;
  static bool valid_email(std::string_view email);

  awaitable<AuthResult> register_user(db::Cluster& db, const RegisterInput& in, const Client& client);
  awaitable<AuthResult> login(db::Cluster& db, const std::string& email, const std::string& password,
                              const Client& client);
  awaitable<AuthResult> refresh(db::Cluster& db, const std::string& refresh_token, const Client& client);
  awaitable<db::Lsn> logout(db::Cluster& db, const AccessClaims& who);
  awaitable<User> me(db::Cluster& db, const AccessClaims& who, std::optional<db::Lsn> token);

  awaitable<Written<User>> verify_email(db::Cluster& db, const std::string& token);
  awaitable<db::Lsn> resend_verification(db::Cluster& db, const AccessClaims& who);
  awaitable<std::optional<db::Lsn>> forgot_password(db::Cluster& db, const std::string& email);
  // Security-relevant: each of these, and a failed sign-in to an existing account, writes an audit
  // entry (docs/admin.md) with the client's address and browser.
  awaitable<db::Lsn> reset_password(db::Cluster& db, const std::string& token, const std::string& password,
                                    const Client& client);
  awaitable<db::Lsn> change_password(db::Cluster& db, const AccessClaims& who, const std::string& current,
                                     const std::string& next, const Client& client);
  awaitable<Written<User>> change_email(db::Cluster& db, const AccessClaims& who,
                                        const std::string& new_email, const std::string& password,
                                        const Client& client);
  awaitable<std::vector<SessionInfo>> sessions(db::Cluster& db, const AccessClaims& who,
                                               std::optional<db::Lsn> token);
  awaitable<db::Lsn> revoke_session(db::Cluster& db, const AccessClaims& who, const std::string& session_id,
                                    const Client& client);
  // Re-authentication for sensitive actions (account deletion): does `password` match the signed-in
  // user's? Throws 401 invalid_token when the session has ended.
  awaitable<bool> password_matches(db::Cluster& db, const AccessClaims& who, const std::string& password);
  // `musicconnect admin create`: an admin account, never made by sign-up. The same rules as
  // registration for username, email and password; the email counts as verified; the audit log
  // records it. Returns the new id. Throws ApiError (400 with details, 409 taken).
  awaitable<std::string> create_admin(db::Cluster& db, const std::string& username, const std::string& email,
                                      const std::string& password);
  // Sessions of `user_id` were ended outside this service (account deletion): drop cached answers.
  void forget_user_sessions(const std::string& user_id) { sessions_.forget_user(user_id); }
  // http::SessionGate: is the token's session live (cached for SESSION_CHECK_TTL_S)?
  awaitable<bool> session_live(db::Cluster& db, const AccessClaims& claims) override;
  // Prometheus families of the password-hash pool (registered as a collector by serve).
  void write_metrics(metrics::Families& out) const;

 private:
  struct IssuedSession {
    std::string session_id;
    Tokens tokens;
  };
  awaitable<IssuedSession> open_session(db::Transaction& tx, const std::string& user_id,
                                        const std::string& role, const Client& client);
  awaitable<std::string> issue_refresh(db::Transaction& tx, const std::string& session_id);
  awaitable<std::string> issue_account_token(db::Transaction& tx, const std::string& user_id,
                                             std::string_view purpose, const std::string& email,
                                             std::chrono::seconds ttl);
  awaitable<void> require_live_session(db::Transaction& tx, const AccessClaims& who);
  std::string access_token(const std::string& user_id, const std::string& session_id,
                           const std::string& role) const;
  awaitable<void> send(mail::Email email);
  awaitable<bool> verify_password(std::string hash, std::string password);
  awaitable<std::string> hash_password(std::string password);
  // The token a rotation of `refresh_token` issues: the same every time (see refresh()).
  std::string successor_of(const std::string& refresh_token) const;

  const Config& config_;
  const JwtCodec& jwt_;
  mail::Mailer& mailer_;
  std::unordered_set<std::string> common_passwords_;
  std::string successor_key_;  // HMAC key deriving refresh successors, itself derived from JWT_SECRET
  SessionCache sessions_;
  BoundedPool hash_pool_;   // argon2id only: bounded, so anonymous sign-ins cannot starve other work
  std::string dummy_hash_;  // verified against for unknown emails, so timing does not reveal them
};

}  // namespace mc::accounts
