#include "features/earnings/service.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <map>

#include "core/error.hpp"
#include "core/log.hpp"
#include "events/outbox.hpp"
#include "features/earnings/store.hpp"
#include "jobs/queue.hpp"
#include "payments/fields.hpp"
#include "payments/ledger.hpp"
#include "payments/money.hpp"

namespace mc::earnings {
namespace {

namespace bj = boost::json;
namespace f = payments::fields;

bj::value opt(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

bj::object to_json(const store::Payout& p) {
  return bj::object{{"id", p.id},
                    {"amountCents", p.amount_cents},
                    {"currency", p.currency},
                    {"trigger", p.trigger},
                    {"status", p.status},
                    {"transferId", opt(p.transfer_id)},
                    {"failureReason", opt(p.failure_reason)},
                    {"createdAt", p.created_at},
                    {"updatedAt", p.updated_at}};
}

// The first day of next month, 00:00 UTC, and its "YYYY-MM" label.
std::pair<std::chrono::system_clock::time_point, std::string> next_month() {
  using namespace std::chrono;
  const auto today = year_month_day{floor<days>(system_clock::now())};
  const year_month next = year_month{today.year(), today.month()} + months{1};
  const sys_days first = next / 1;
  char label[16];
  std::snprintf(label, sizeof label, "%04d-%02u", static_cast<int>(next.year()),
                static_cast<unsigned>(next.month()));
  return {first, label};
}

// A payout's transfer went through: the money left the platform.
awaitable<void> mark_sent(db::Transaction& tx, const store::Payout& p, const std::string& transfer_id) {
  if (p.status != "pending" || !p.artist_id) co_return;
  co_await store::set_payout(tx, p.id, "paid", transfer_id, std::nullopt);
  const auto posting = payments::ledger::payout_sent(p.id, *p.artist_id, p.currency, p.amount_cents);
  co_await payments::ledger::post(tx, posting);
  const bj::object event{{"payoutId", p.id},
                         {"artistId", *p.artist_id},
                         {"amountCents", p.amount_cents},
                         {"currency", p.currency}};
  co_await events::append(tx, "payout.sent", *p.artist_id, event);
  co_return;
}

// A payout failed (refused, or its transfer reversed later): the money is back in the balance.
awaitable<void> mark_failed(db::Transaction& tx, const store::Payout& p, const std::string& reason) {
  if (p.status == "failed" || !p.artist_id) co_return;
  const bool was_sent = p.status == "paid";
  co_await store::set_payout(tx, p.id, "failed", std::nullopt, reason);
  const auto posting =
      payments::ledger::payout_failed(p.id, *p.artist_id, p.currency, p.amount_cents, was_sent);
  co_await payments::ledger::post(tx, posting);
  const bj::object event{{"payoutId", p.id}, {"artistId", *p.artist_id}, {"reason", reason}};
  co_await events::append(tx, "payout.failed", *p.artist_id, event);
  co_return;
}

}  // namespace

awaitable<bj::object> EarningsService::earnings(db::Cluster& db, const AccessClaims& who,
                                                std::optional<db::Lsn> token) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have earnings");
  const auto balances = co_await payments::ledger::artist_balances(db, who.user_id, token);
  const auto totals = co_await store::totals(db, who.user_id, token);
  const auto account = co_await store::enabled_account(db, who.user_id, std::string(provider_.name()));
  bj::array b;
  for (const auto& x : balances) {
    b.push_back(bj::object{{"currency", x.currency},
                           {"availableCents", x.available},
                           {"inTransitCents", x.in_transit},
                           {"paidOutCents", x.paid_out}});
  }
  bj::array t;
  for (const auto& x : totals) {
    t.push_back(bj::object{{"currency", x.currency},
                           {"grossCents", x.gross},
                           {"processorFeesCents", x.processor_fees},
                           {"platformFeesCents", x.platform_fees},
                           {"netCents", x.net},
                           {"refundedCents", x.refunded}});
  }
  co_return bj::object{{"balances", std::move(b)},
                       {"totals", std::move(t)},
                       {"payoutsEnabled", account.has_value()},
                       {"minimumPayoutCents", payments::kPayoutMinimumCents}};
}

awaitable<bj::object> EarningsService::payouts(db::Cluster& db, const AccessClaims& who, int page, int limit,
                                               std::optional<db::Lsn> token) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists have payouts");
  const auto [list, total] = co_await store::payouts(db, who.user_id, page, limit, token);
  bj::array items;
  for (const auto& p : list) items.push_back(to_json(p));
  co_return bj::object{{"payouts", std::move(items)}, {"page", page}, {"limit", limit}, {"total", total}};
}

awaitable<std::optional<std::string>> EarningsService::start_payout(db::Cluster& db,
                                                                    const std::string& artist_id,
                                                                    const std::string& currency,
                                                                    const std::string& trigger,
                                                                    std::string& reason, db::Lsn& lsn) {
  const std::string provider(provider_.name());
  const auto account = co_await store::enabled_account(db, artist_id, provider);
  if (!account) {
    reason = "payouts_not_enabled";
    co_return std::nullopt;
  }
  auto tx = co_await db.begin();
  const int64_t available = co_await payments::ledger::lock_available(tx, artist_id, currency);
  if (available < payments::kPayoutMinimumCents) {
    reason = "below_minimum";
    co_return std::nullopt;
  }
  const auto id =
      co_await store::insert_payout(tx, artist_id, available, currency, trigger, provider, *account);
  if (!id) {
    reason = "payout_in_progress";
    co_return std::nullopt;
  }
  const auto posting = payments::ledger::payout_reserved(*id, artist_id, currency, available);
  co_await payments::ledger::post(tx, posting);
  jobs::EnqueueRequest job;
  job.queue = kPayoutQueue;
  job.kind = "payouts.transfer";
  job.payload = bj::object{{"payout_id", *id}};
  job.max_attempts = 8;
  job.dedupe_key = "payouts.transfer:" + *id;
  co_await jobs::enqueue(tx, job);
  lsn = co_await tx.commit();
  co_return id;
}

awaitable<Written<bj::object>> EarningsService::request_payout(db::Cluster& db, const AccessClaims& who,
                                                               const std::optional<std::string>& currency) {
  if (who.role != "artist") throw ApiError(403, "forbidden", "Only artists receive payouts");
  std::string chosen = currency.value_or("");
  if (chosen.empty()) {
    const auto balances = co_await payments::ledger::artist_balances(db, who.user_id, std::nullopt);
    int64_t best = -1;
    for (const auto& b : balances) {
      if (b.available > best) {
        best = b.available;
        chosen = b.currency;
      }
    }
    if (chosen.empty()) chosen = "USD";
  }
  std::string reason;
  db::Lsn lsn;
  const auto id = co_await start_payout(db, who.user_id, chosen, "on_demand", reason, lsn);
  if (!id) {
    if (reason == "payouts_not_enabled") {
      throw ApiError(409, "payouts_not_enabled",
                     "Set up a payout account first (POST /api/artists/payouts/connect)");
    }
    if (reason == "payout_in_progress")
      throw ApiError(409, "payout_in_progress", "A payout is already under way");
    throw ApiError(422, "below_minimum", "The available balance is below the payout minimum",
                   {{"minimumCents", payments::kPayoutMinimumCents}, {"currency", chosen}});
  }
  const auto p = co_await store::payout(db, *id, lsn);
  co_return Written<bj::object>{to_json(*p), lsn};
}

awaitable<void> EarningsService::run_transfer(db::Cluster& db, jobs::JobContext& job) {
  const auto* id_value = job.payload().if_contains("payout_id");
  if (!id_value || !id_value->is_string()) co_return;
  const std::string id(id_value->as_string());
  const auto p = co_await store::payout(db, id, std::nullopt);
  if (!p || p->status != "pending" || !p->artist_id) co_return;
  std::optional<std::string> transfer_id;
  std::optional<payments::ProviderError> failure;
  try {
    const payments::TransferRequest req{p->id, p->account_id, *p->artist_id, p->amount_cents, p->currency};
    transfer_id = co_await provider_.transfer(db, req);
  } catch (const payments::ProviderError& e) {
    failure = e;
  }
  if (failure && failure->retryable() && job.attempt() < job.max_attempts())
    throw *failure;  // try again later
  auto tx = co_await db.begin();
  const auto locked = co_await store::lock_payout(tx, id);
  if (locked && locked->status == "pending") {
    if (transfer_id) {
      co_await mark_sent(tx, *locked, *transfer_id);
    } else {
      co_await mark_failed(tx, *locked, failure ? std::string(failure->what()) : "transfer failed");
    }
  }
  const bool owned = co_await job.complete(tx);
  if (owned) co_await tx.commit();
  co_return;
}

awaitable<void> EarningsService::run_monthly(db::Cluster& db, jobs::JobContext&) {
  const auto artists =
      co_await store::eligible(db, std::string(provider_.name()), payments::kPayoutMinimumCents);
  int started = 0;
  for (const auto& a : artists) {
    std::string reason;
    db::Lsn lsn;
    const auto id = co_await start_payout(db, a.artist_id, a.currency, "monthly", reason, lsn);
    if (id) ++started;
  }
  log::info("monthly payouts started",
            {{"payouts", started}, {"eligible", static_cast<int64_t>(artists.size())}});
  co_await schedule_monthly(db);
  co_return;
}

awaitable<void> EarningsService::schedule_monthly(db::Cluster& db) {
  const auto [when, label] = next_month();
  jobs::EnqueueRequest job;
  job.queue = kPayoutQueue;
  job.kind = "payouts.monthly";
  job.delay = std::chrono::duration_cast<std::chrono::milliseconds>(when - std::chrono::system_clock::now());
  if (job.delay.count() < 0) job.delay = std::chrono::milliseconds(0);
  job.dedupe_key = "payouts.monthly:" + label;
  auto tx = co_await db.begin();
  co_await jobs::enqueue(tx, job);
  co_await tx.commit();
  co_return;
}

awaitable<db::Written<bj::object>> EarningsService::reconciliation(db::Cluster& db, const AccessClaims& who,
                                                                   const audit::Origin& origin) {
  if (who.role != "admin") throw ApiError(403, "forbidden", "Only admins see the reconciliation report");
  const std::string provider(provider_.name());
  const auto ledger_lines = co_await store::ledger_lines(db);
  const auto provider_lines = co_await store::provider_lines(db, provider);
  const int64_t unbalanced = co_await store::unbalanced_transactions(db);
  const auto stats = co_await store::event_stats(db, provider);
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> lines;
  for (const auto& l : ledger_lines) lines[{l.currency, l.line}].first += l.cents;
  for (const auto& l : provider_lines) lines[{l.currency, l.line}].second += l.cents;
  bj::array out;
  bool all_match = unbalanced == 0;
  for (const auto& [key, v] : lines) {
    const bool match = v.first == v.second;
    all_match = all_match && match;
    out.push_back(bj::object{{"currency", key.first},
                             {"line", key.second},
                             {"ledgerCents", v.first},
                             {"providerCents", v.second},
                             {"matches", match}});
  }
  auto tx = co_await db.begin();
  audit::Entry entry{
      who.user_id,       who.role, "payments.reconciliation_viewed", std::nullopt, std::nullopt, origin.ip,
      origin.user_agent, {}};
  co_await audit::record(tx, entry);
  const db::Lsn lsn = co_await tx.commit();
  bj::object body{
      {"provider", provider},
      {"lines", std::move(out)},
      {"unbalancedTransactions", unbalanced},
      {"events",
       bj::object{{"total", stats.total}, {"unprocessed", stats.unprocessed}, {"failing", stats.failing}}},
      {"reconciled", all_match && stats.unprocessed == 0}};
  co_return db::Written<bj::object>{std::move(body), lsn};
}

awaitable<Written<bj::object>> EarningsService::sandbox_reverse(db::Cluster& db, const AccessClaims& who,
                                                                const std::string& payout_id) {
  if (!sandbox_) throw ApiError::not_found("The payments sandbox is not enabled (Stripe is configured)");
  const auto p = co_await store::payout(db, payout_id, std::nullopt);
  if (!p || (p->artist_id != who.user_id && who.role != "admin")) throw ApiError::not_found("No such payout");
  if (!p->transfer_id) throw ApiError(409, "not_transferred", "The payout has no transfer yet");
  co_await sandbox_->reverse_transfer(db, *p->transfer_id);
  auto tx = co_await db.begin();
  const auto after = co_await store::lock_payout(tx, payout_id);
  const db::Lsn lsn = co_await tx.commit();
  co_return Written<bj::object>{to_json(*after), lsn};
}

void EarningsService::register_event_handlers(payments::WebhookPipeline& pipeline) {
  pipeline.on("transfer.created", [](db::Transaction& tx, const payments::Event& ev) -> awaitable<bool> {
    const auto id = f::uuid(f::str(f::object(ev.object, "metadata"), "payout_id"));
    if (!id) co_return false;
    const auto p = co_await store::lock_payout(tx, *id);
    if (!p) co_return false;
    co_await mark_sent(tx, *p, f::str(ev.object, "id").value_or(""));
    co_return true;
  });
  pipeline.on("transfer.reversed", [](db::Transaction& tx, const payments::Event& ev) -> awaitable<bool> {
    const auto id = f::uuid(f::str(f::object(ev.object, "metadata"), "payout_id"));
    if (!id) co_return false;
    const auto p = co_await store::lock_payout(tx, *id);
    if (!p) co_return false;
    co_await mark_failed(tx, *p, "transfer reversed");
    co_return true;
  });
}

void register_jobs(jobs::Worker& worker, EarningsService& service, db::Cluster& db) {
  worker.handle("payouts.transfer",
                [&service, &db](jobs::JobContext& job) { return service.run_transfer(db, job); });
  worker.handle("payouts.monthly",
                [&service, &db](jobs::JobContext& job) { return service.run_monthly(db, job); });
}

}  // namespace mc::earnings
