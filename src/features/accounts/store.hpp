#pragma once
#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"
#include "db/connection.hpp"
#include "db/transaction.hpp"
#include "features/accounts/model.hpp"

// The accounts feature's SQL. Functions taking a Transaction write on the writer; functions taking
// a Connection read wherever the caller's lease came from (the caller states the role).
namespace mc::accounts::store {

using boost::asio::awaitable;

struct LoginRecord {
  std::string user_id;
  std::string password_hash;
  std::string role;
  int locked_seconds = 0;  // > 0 while locked
  bool suspended = false;  // an admin suspended the account (docs/admin.md)
};

struct RefreshRecord {
  std::string session_id;
  std::string user_id;
  std::string role;
  bool token_used = false;
  bool token_expired = false;
  bool session_revoked = false;
  bool session_expired = false;
  bool used_within_grace = false;  // rotated less than the reuse grace period ago
};

// The token a rotation issued (see AccountsService::refresh).
struct SuccessorRecord {
  bool used = false;
  bool expired = false;
};

struct IdentityTaken {
  bool username = false;
  bool email = false;
};

struct AccountTokenRecord {
  std::string user_id;
  std::string email;
  bool valid = false;  // unused, unexpired, and still for the account's current email
};

struct PasswordRecord {
  std::string password_hash;
  std::string email;
  bool email_verified = false;
  std::string username;
};

awaitable<std::string> insert_user(db::Transaction& tx, const RegisterInput& in, const std::string& hash);
awaitable<void> insert_artist_profile(db::Transaction& tx, const std::string& user_id,
                                      const std::string& stage_name, const std::string& slug,
                                      const std::optional<std::string>& genre);
awaitable<std::string> insert_session(db::Transaction& tx, const std::string& user_id, const Client& client,
                                      long ttl_seconds);
awaitable<void> insert_refresh_token(db::Transaction& tx, const std::string& token_hash_hex,
                                     const std::string& session_id, long ttl_seconds);
awaitable<void> insert_account_token(db::Transaction& tx, const std::string& token_hash_hex,
                                     const std::string& user_id, std::string_view purpose,
                                     const std::string& email, long ttl_seconds);

awaitable<std::optional<User>> find_user_in_session(db::Cluster& db, std::optional<db::Lsn> token,
                                                    const std::string& user_id,
                                                    const std::string& session_id);
awaitable<std::optional<User>> find_user_tx(db::Transaction& tx, const std::string& user_id);
awaitable<std::optional<LoginRecord>> find_login(db::Connection& c, const std::string& email);
// Counts a login attempt as failed up front and returns the account, unless it is locked (then, or
// for an unknown email, nullopt: find_login tells which).
awaitable<std::optional<LoginRecord>> claim_login_attempt(db::Connection& c, const std::string& email);
awaitable<void> reset_login_failures(db::Transaction& tx, const std::string& user_id);
// Cheap checks made before a password is hashed (the unique indexes still decide under a race).
awaitable<IdentityTaken> identity_taken(db::Connection& c, const std::string& username,
                                        const std::string& email);
awaitable<bool> account_token_valid(db::Connection& c, const std::string& hash_hex, std::string_view purpose);
awaitable<std::optional<std::string>> find_user_id_by_email(db::Connection& c, const std::string& email);

awaitable<std::optional<RefreshRecord>> lock_refresh_token(db::Transaction& tx, const std::string& hash_hex,
                                                           int reuse_grace_s);
awaitable<std::optional<SuccessorRecord>> lock_refresh_successor(db::Transaction& tx,
                                                                 const std::string& hash_hex,
                                                                 const std::string& session_id);
awaitable<void> mark_refresh_used(db::Transaction& tx, const std::string& hash_hex);
awaitable<void> touch_session(db::Transaction& tx, const std::string& session_id);
awaitable<bool> session_live(db::Transaction& tx, const std::string& session_id, const std::string& user_id);
awaitable<bool> session_live(db::Cluster& db, const std::string& session_id, const std::string& user_id);

awaitable<long> revoke_session(db::Transaction& tx, const std::string& session_id, const std::string& user_id,
                               std::string_view reason);
awaitable<void> revoke_family(db::Transaction& tx, const std::string& session_id, std::string_view reason);
awaitable<void> revoke_all_sessions(db::Transaction& tx, const std::string& user_id, std::string_view reason);
awaitable<void> revoke_other_sessions(db::Transaction& tx, const std::string& user_id,
                                      const std::string& keep_session_id, std::string_view reason);
awaitable<std::vector<SessionInfo>> list_sessions(db::Connection& c, const std::string& user_id);

awaitable<std::optional<AccountTokenRecord>> lock_account_token(db::Transaction& tx,
                                                                const std::string& hash_hex,
                                                                std::string_view purpose);
awaitable<void> mark_account_token_used(db::Transaction& tx, const std::string& hash_hex);
awaitable<void> mark_email_verified(db::Transaction& tx, const std::string& user_id);
awaitable<void> set_password(db::Transaction& tx, const std::string& user_id, const std::string& hash);
awaitable<std::optional<PasswordRecord>> password_record(db::Transaction& tx, const std::string& user_id);
awaitable<void> set_email(db::Transaction& tx, const std::string& user_id, const std::string& email);

}  // namespace mc::accounts::store
