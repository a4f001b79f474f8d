#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <string>

#include "core/config.hpp"
#include "core/jwt.hpp"
#include "db/cluster.hpp"
#include "features/accounts/service.hpp"
#include "features/admin/audit.hpp"
#include "jobs/worker.hpp"
#include "media/signed_url.hpp"
#include "media/storage.hpp"

// Privacy (SPEC §4.13, docs/privacy.md): data export, account deletion, email consent.
namespace mc::privacy {

using boost::asio::awaitable;

inline constexpr const char* kPrivacyQueue = "privacy";

using Origin = audit::Origin;

class PrivacyService {
 public:
  PrivacyService(const Config& config, accounts::AccountsService& accounts, media::Storage& storage);

  // Exports: one pending at a time; asking again while one is pending answers that one.
  awaitable<db::Written<boost::json::object>> request_export(db::Cluster& db, const AccessClaims& who,
                                                             const Origin& origin);
  awaitable<boost::json::object> exports(db::Cluster& db, const AccessClaims& who,
                                         std::optional<db::Lsn> token);
  awaitable<boost::json::object> export_status(db::Cluster& db, const AccessClaims& who,
                                               const std::string& id, std::optional<db::Lsn> token);

  awaitable<boost::json::object> consents(db::Cluster& db, const AccessClaims& who,
                                          std::optional<db::Lsn> token);
  awaitable<db::Written<boost::json::object>> set_marketing_consent(db::Cluster& db, const AccessClaims& who,
                                                                    bool granted, const Origin& origin);

  // Deletes the signed-in account after checking its password (docs/privacy.md).
  awaitable<db::Lsn> delete_account(db::Cluster& db, const AccessClaims& who, const std::string& password,
                                    const Origin& origin);

  const Config& config_;
  accounts::AccountsService& accounts_;
  media::Storage& storage_;
  media::MediaLinks links_;
};

// The background side (any process that runs workers): the export builder and the storage purge of
// deleted accounts (queue kPrivacyQueue), and the retention of export archives.
class PrivacyJobs {
 public:
  explicit PrivacyJobs(media::Storage& storage) : storage_(storage) {}
  void register_on(jobs::Worker& worker, db::Cluster& db);
  // Removes ready exports past their expiry (objects first, then the rows say `expired`).
  awaitable<int64_t> prune_expired_exports(db::Cluster& db);

 private:
  awaitable<void> build_export(jobs::JobContext& job, db::Cluster& db);
  awaitable<void> purge_storage(jobs::JobContext& job);

  media::Storage& storage_;
};

}  // namespace mc::privacy
