#include "features/privacy/service.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "core/process.hpp"
#include "events/outbox.hpp"
#include "features/admin/audit.hpp"
#include "features/privacy/store.hpp"
#include "jobs/queue.hpp"

namespace mc::privacy {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

// An archive is kept this long after it is built, then retention removes it.
constexpr auto kExportKeep = std::chrono::hours(24 * 7);
// A download link is valid this long (a new one comes with every status request).
constexpr std::int64_t kLinkTtl = 3600;
constexpr std::string_view kMarketing = "marketing_email";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso(std::int64_t t) {
  const std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bj::value opt(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

bj::object consent_json(const store::Consent& c) {
  return {{"purpose", c.purpose}, {"granted", c.granted}, {"source", c.source}, {"createdAt", c.created_at}};
}

bj::array string_array(const std::vector<std::string>& items) {
  bj::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

std::vector<std::string> strings_of(const bj::object& payload, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = payload.if_contains(key); v && v->is_array()) {
    for (const auto& e : v->as_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
  }
  return out;
}

constexpr std::string_view kReadme =
    "MusicConnect data export\n"
    "========================\n\n"
    "Everything MusicConnect holds on your account, one JSON file per table (an array of rows; an\n"
    "empty array when there is nothing). Times are UTC; money is in integer cents with its currency.\n"
    "users.json is your profile; sessions.json your sign-ins; follows, likes, comments, plays your\n"
    "activity; subscriptions, checkouts, payments, payouts and ledger_* the money that concerns you;\n"
    "conversations and messages the direct messages you sent and received; notifications and\n"
    "notification_preferences; upload_sessions the metadata of your uploads (audio stays in the app\n"
    "and can be downloaded from it); consent_records your email consent history.\n"
    "Secrets (your password hash, sign-in tokens) are never exported.\n"
    "What each table means: docs/privacy.md in the MusicConnect repository.\n";

}  // namespace

PrivacyService::PrivacyService(const Config& config, accounts::AccountsService& accounts,
                               media::Storage& storage)
    : config_(config),
      accounts_(accounts),
      storage_(storage),
      links_(media::MediaLinks::from_config(config)) {}

namespace {

bj::object export_json(const store::Export& e, const media::MediaLinks& links) {
  bj::object out{{"id", e.id},
                 {"status", e.status},
                 {"createdAt", e.created_at},
                 {"finishedAt", opt(e.finished_at)},
                 {"expiresAt", opt(e.expires_at)},
                 {"sizeBytes", e.size_bytes ? bj::value(*e.size_bytes) : bj::value(nullptr)},
                 {"download", nullptr}};
  if (e.status == "ready" && e.storage_key) {
    media::MediaGrant g;
    g.scope = "/media/" + *e.storage_key;
    g.expires = unix_now() + kLinkTtl;
    const std::string name = "musicconnect-export-" + e.created_at.substr(0, 10) + ".zip";
    out["download"] = bj::object{
        {"url", links.url(g.scope, g, "n=" + name)}, {"expiresAt", iso(g.expires)}, {"filename", name}};
  }
  if (e.status == "failed") out["error"] = "The export could not be built; request a new one";
  return out;
}

}  // namespace

awaitable<db::Written<bj::object>> PrivacyService::request_export(db::Cluster& db, const AccessClaims& who,
                                                                  const Origin& origin) {
  auto tx = co_await db.begin();
  auto created = co_await store::insert_export(tx, who.user_id);
  if (!created) {
    // One already pending: the same answer as for the first request.
    auto pending = co_await store::pending_export(tx, who.user_id);
    const db::Lsn lsn = co_await tx.commit();
    if (!pending) throw ApiError(409, "conflict", "An export was just finished; try again");
    co_return db::Written<bj::object>{export_json(*pending, links_), lsn};
  }
  jobs::EnqueueRequest job;
  job.queue = kPrivacyQueue;
  job.kind = "privacy.export";
  job.payload = {{"export_id", created->id}, {"user_id", who.user_id}};
  job.max_attempts = 3;
  job.dedupe_key = "privacy.export:" + created->id;
  co_await jobs::enqueue(tx, job);
  const bj::object event{{"userId", who.user_id}, {"exportId", created->id}};
  co_await events::append(tx, "privacy.export_requested", who.user_id, event);
  audit::Entry entry{who.user_id, who.role,  "data_export.requested", "export",
                     created->id, origin.ip, origin.user_agent,       {}};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  co_return db::Written<bj::object>{export_json(*created, links_), lsn};
}

awaitable<bj::object> PrivacyService::exports(db::Cluster& db, const AccessClaims& who,
                                              std::optional<db::Lsn> token) {
  const auto list = co_await store::list_exports(db, who.user_id, token);
  bj::array out;
  for (const auto& e : list) out.push_back(export_json(e, links_));
  co_return bj::object{{"exports", std::move(out)}};
}

awaitable<bj::object> PrivacyService::export_status(db::Cluster& db, const AccessClaims& who,
                                                    const std::string& id, std::optional<db::Lsn> token) {
  const auto e = co_await store::find_export(db, who.user_id, id, token);
  if (!e) throw ApiError::not_found("No such export");
  co_return export_json(*e, links_);
}

awaitable<bj::object> PrivacyService::consents(db::Cluster& db, const AccessClaims& who,
                                               std::optional<db::Lsn> token) {
  const auto history = co_await store::consent_history(db, who.user_id, token);
  bj::object marketing{{"granted", false}, {"source", nullptr}, {"updatedAt", nullptr}};
  bj::array list;
  for (const auto& c : history) {
    if (c.purpose == kMarketing && marketing["updatedAt"].is_null()) {
      marketing = {{"granted", c.granted}, {"source", c.source}, {"updatedAt", c.created_at}};
    }
    list.push_back(consent_json(c));
  }
  co_return bj::object{{"marketingEmail", std::move(marketing)}, {"history", std::move(list)}};
}

awaitable<db::Written<bj::object>> PrivacyService::set_marketing_consent(db::Cluster& db,
                                                                         const AccessClaims& who,
                                                                         bool granted, const Origin& origin) {
  auto tx = co_await db.begin();
  const auto account = co_await store::lock_live_account(tx, who.user_id);
  if (!account) throw ApiError(401, "invalid_token", "This session has ended; sign in again");
  const auto record = co_await store::record_consent(tx, who.user_id, kMarketing, granted, "settings",
                                                     origin.ip, origin.user_agent);
  const db::Lsn lsn = co_await tx.commit();
  bj::object out{
      {"marketingEmail",
       bj::object{{"granted", record.granted}, {"source", record.source}, {"updatedAt", record.created_at}}},
      {"record", consent_json(record)}};
  co_return db::Written<bj::object>{std::move(out), lsn};
}

awaitable<db::Lsn> PrivacyService::delete_account(db::Cluster& db, const AccessClaims& who,
                                                  const std::string& password, const Origin& origin) {
  const bool ok = co_await accounts_.password_matches(db, who, password);
  if (!ok) {
    throw ApiError(403, "invalid_password", "The password is not right",
                   {{"password", "is not your current password: type the one you sign in with"}});
  }
  auto tx = co_await db.begin();
  const auto account = co_await store::lock_live_account(tx, who.user_id);
  if (!account) throw ApiError(401, "invalid_token", "This session has ended; sign in again");
  const int64_t renewing = co_await store::renewing_memberships_as_fan(tx, who.user_id);
  if (renewing > 0) {
    throw ApiError(409, "memberships_active",
                   "Cancel your memberships first, so nobody charges you after the account is gone",
                   {{"memberships", std::to_string(renewing) +
                                        " membership(s) still renew: cancel them in Memberships (you keep "
                                        "access until the period ends), then delete the account"}});
  }
  if (account->artist) {
    const int64_t subscribers = co_await store::renewing_subscribers(tx, who.user_id);
    if (subscribers > 0) {
      throw ApiError(
          409, "artist_has_subscribers",
          "Your fans' memberships still renew; they must end before the artist account goes",
          {{"subscribers", std::to_string(subscribers) +
                               " membership(s) still renew: contact support to end them, then delete "
                               "the account"}});
    }
  }
  const auto refs = co_await store::storage_refs(tx, who.user_id);
  const auto ended = co_await store::delete_sessions(tx, who.user_id);
  for (const auto& session_id : ended) {
    const bj::object event{{"userId", who.user_id}, {"sessionId", session_id}, {"reason", "account_deleted"}};
    co_await events::append(tx, "session.revoked", who.user_id, event);
  }
  co_await store::record_consent(tx, who.user_id, kMarketing, false, "account_deleted", "", "");
  co_await store::erase_account(tx, who.user_id);
  // The media goes in a job: storage calls may fail and are retried until every prefix is gone.
  jobs::EnqueueRequest job;
  job.queue = kPrivacyQueue;
  job.kind = "privacy.purge_storage";
  job.payload = {{"user_id", who.user_id},
                 {"tracks", string_array(refs.tracks)},
                 {"uploads", string_array(refs.uploads)},
                 {"exports", string_array(refs.exports)}};
  job.max_attempts = 10;
  job.dedupe_key = "privacy.purge_storage:" + who.user_id;
  co_await jobs::enqueue(tx, job);
  const bj::object event{{"userId", who.user_id}, {"artist", account->artist}};
  co_await events::append(tx, "user.deleted", who.user_id, event);
  audit::Entry entry{
      who.user_id,
      who.role,
      "account.deleted",
      "user",
      who.user_id,
      origin.ip,
      origin.user_agent,
      bj::object{{"artist", account->artist}, {"sessionsEnded", static_cast<int64_t>(ended.size())}}};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  accounts_.forget_user_sessions(who.user_id);
  log::info("account deleted",
            {{"user_id", who.user_id}, {"sessions_ended", static_cast<int64_t>(ended.size())}});
  co_return lsn;
}

void PrivacyJobs::register_on(jobs::Worker& worker, db::Cluster& db) {
  worker.handle("privacy.export",
                [this, &db](jobs::JobContext& job) -> awaitable<void> { co_await build_export(job, db); });
  worker.handle("privacy.purge_storage",
                [this](jobs::JobContext& job) -> awaitable<void> { co_await purge_storage(job); });
}

awaitable<void> PrivacyJobs::build_export(jobs::JobContext& job, db::Cluster& db) {
  const auto& payload = job.payload();
  const std::string export_id(payload.at("export_id").as_string());
  const std::string user_id(payload.at("user_id").as_string());
  const fs::path dir = fs::temp_directory_path() / ("mc-export-" + export_id + "-" + fast_random_hex(6));
  const fs::path archive = dir / "export.zip";
  const std::string key = "exports/" + user_id + "/" + export_id + ".zip";
  std::string failure;
  int64_t size = 0;
  try {
    std::vector<std::pair<std::string, std::string>> files;
    files.emplace_back("README.txt", std::string(kReadme));
    for (const auto table : store::export_tables()) {
      std::string rows = co_await store::export_table(db, table, user_id);
      files.emplace_back(std::string(table) + ".json", std::move(rows));
    }
    auto write_and_store = [this, dir, archive, key, files = std::move(files)]() -> int64_t {
      fs::create_directories(dir / "data");
      std::vector<std::string> argv{"zip", "-q", "-X", "-j", archive.string()};
      for (const auto& [name, body] : files) {
        const fs::path file = dir / "data" / name;
        std::ofstream out(file, std::ios::binary);
        out << body;
        out.close();
        if (!out) throw std::runtime_error("could not write " + file.string());
        argv.push_back(file.string());
      }
      const ProcessResult zipped = run_process(argv);
      if (zipped.exit_code != 0) throw std::runtime_error("zip failed: " + zipped.output.substr(0, 300));
      const auto bytes = static_cast<int64_t>(fs::file_size(archive));
      storage_.put_file(key, archive, "application/zip", "private, no-store");
      return bytes;
    };
    size = co_await offload(std::move(write_and_store));
  } catch (const std::exception& e) {
    failure = e.what();
  }
  {
    auto cleanup = [dir] {
      std::error_code ec;
      fs::remove_all(dir, ec);
    };
    co_await offload(std::move(cleanup));
  }
  if (!failure.empty()) {
    // The last attempt records the failure for the owner; earlier ones are retried.
    if (job.attempt() < job.max_attempts()) throw std::runtime_error(failure);
    auto tx = co_await db.begin();
    co_await store::fail_export(tx, export_id, failure);
    if (co_await job.complete(tx)) co_await tx.commit();
    co_return;
  }
  auto tx = co_await db.begin();
  const bool live = co_await store::finish_export(tx, export_id, key, size, kExportKeep);
  if (!live) {
    // The account (and its export row) was deleted while the archive was being built.
    auto drop = [this, key] { storage_.remove(key); };
    co_await offload(std::move(drop));
  }
  if (co_await job.complete(tx)) co_await tx.commit();
}

awaitable<void> PrivacyJobs::purge_storage(jobs::JobContext& job) {
  const auto& payload = job.payload();
  const std::string user_id(payload.at("user_id").as_string());
  std::vector<std::string> prefixes{"originals/" + user_id + "/", "images/" + user_id + "/",
                                    "exports/" + user_id + "/", "dm/" + user_id + "/"};
  for (const auto& t : strings_of(payload, "tracks")) {
    prefixes.push_back("hls/" + t + "/");
    prefixes.push_back("artwork/" + t + "/");
    prefixes.push_back("renditions/" + t + "/");
  }
  for (const auto& u : strings_of(payload, "uploads")) prefixes.push_back("uploads/" + u + "/");
  auto purge = [this, prefixes] {
    for (const auto& p : prefixes) storage_.remove_prefix(p);  // idempotent: a retry removes what is left
  };
  co_await offload(std::move(purge));
  log::info("deleted account's media removed",
            {{"user_id", user_id}, {"prefixes", static_cast<int64_t>(prefixes.size())}});
}

awaitable<int64_t> PrivacyJobs::prune_expired_exports(db::Cluster& db) {
  int64_t done = 0;
  const auto expired = co_await store::expired_exports(db, 500);
  for (const auto& [id, stored] : expired) {
    if (!stored.empty()) {
      auto drop = [this, key = stored] { storage_.remove(key); };
      co_await offload(std::move(drop));
    }
    co_await store::mark_expired(db, id);
    ++done;
  }
  co_return done;
}

}  // namespace mc::privacy
