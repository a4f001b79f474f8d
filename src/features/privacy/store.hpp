#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/cluster.hpp"

// The privacy feature's SQL: exports (what the archive holds, table by table), consent records,
// account deletion (what is removed, what anonymised) and the retention deletes (docs/privacy.md).
namespace mc::privacy::store {

using boost::asio::awaitable;

struct Export {
  std::string id, user_id, status, created_at;
  std::optional<std::string> storage_key, finished_at, expires_at, error;
  std::optional<int64_t> size_bytes;
};

// The tables an export covers, in archive order: tables/<name>.json holds the user's rows of each.
const std::vector<std::string_view>& export_tables();
// One table's rows concerning `user_id`, as a JSON array (text).
awaitable<std::string> export_table(db::Cluster& db, std::string_view table, const std::string& user_id);

// A new pending export, or nullopt when one is already pending (the unique index says so).
awaitable<std::optional<Export>> insert_export(db::Transaction& tx, const std::string& user_id);
awaitable<std::optional<Export>> pending_export(db::Transaction& tx, const std::string& user_id);
awaitable<std::optional<Export>> find_export(db::Cluster& db, const std::string& user_id,
                                             const std::string& id, std::optional<db::Lsn> token);
awaitable<std::vector<Export>> list_exports(db::Cluster& db, const std::string& user_id,
                                            std::optional<db::Lsn> token);
// Marks a pending export ready (true) or, when the row is gone or no longer pending, false.
awaitable<bool> finish_export(db::Transaction& tx, const std::string& id, const std::string& key,
                              int64_t size, std::chrono::seconds keep);
awaitable<void> fail_export(db::Transaction& tx, const std::string& id, const std::string& error);

struct Consent {
  int64_t id = 0;
  std::string purpose, source, created_at;
  bool granted = false;
};
awaitable<std::vector<Consent>> consent_history(db::Cluster& db, const std::string& user_id,
                                                std::optional<db::Lsn> token);
awaitable<Consent> record_consent(db::Transaction& tx, const std::string& user_id, std::string_view purpose,
                                  bool granted, std::string_view source, const std::string& ip,
                                  const std::string& user_agent);
// Users who currently consent to marketing email (the newest record says granted).
awaitable<bool> consents_to_marketing(db::Cluster& db, const std::string& user_id);

// Deletion. The account row, locked; nullopt when missing or already deleted.
struct Account {
  std::string role;
  bool artist = false;
};
awaitable<std::optional<Account>> lock_live_account(db::Transaction& tx, const std::string& user_id);
// Live memberships that would keep charging: the fan's own (not set to end) and, for an artist,
// their subscribers'.
awaitable<int64_t> renewing_memberships_as_fan(db::Transaction& tx, const std::string& user_id);
awaitable<int64_t> renewing_subscribers(db::Transaction& tx, const std::string& user_id);
// What storage holds for the account: track ids (HLS, artwork), upload session ids (chunks) and
// export object keys, read before the rows go.
struct StorageRefs {
  std::vector<std::string> tracks, uploads, exports;
};
awaitable<StorageRefs> storage_refs(db::Transaction& tx, const std::string& user_id);
// Ends every session (returns their ids, for the session.revoked events) and deletes them.
awaitable<std::vector<std::string>> delete_sessions(db::Transaction& tx, const std::string& user_id);
// Removes and anonymises everything else and turns the users row into the "deleted user" tombstone.
awaitable<void> erase_account(db::Transaction& tx, const std::string& user_id);

// Retention (docs/privacy.md "Retention"). Each deletes at most `batch` rows and returns how many.
awaitable<int64_t> prune_notifications(db::Cluster& db, int read_days, int unread_days, int batch);
awaitable<int64_t> prune_sessions(db::Cluster& db, int days, int batch);
awaitable<int64_t> prune_account_tokens(db::Cluster& db, int days, int batch);
// Ready exports past their expiry: their keys (the caller removes the objects, then calls expire).
awaitable<std::vector<std::pair<std::string, std::string>>> expired_exports(db::Cluster& db, int batch);
awaitable<void> mark_expired(db::Cluster& db, const std::string& id);

}  // namespace mc::privacy::store
