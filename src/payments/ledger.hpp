#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/cluster.hpp"
#include "payments/money.hpp"

// The double-entry ledger (SPEC §3): every movement of money is one transaction of entries that sum
// to zero per currency; balances are sums of entries. Positive entries are what an account gained.
// Accounts: fan_payments (money from and back to fans), processor_fees, platform_revenue,
// platform_losses (processor fees the platform absorbs on refunds), and per artist
// artist_available, artist_in_transit (a payout under way) and artist_paid_out.
namespace mc::payments::ledger {

using boost::asio::awaitable;

struct Entry {
  std::string account;  // one of the kinds above
  std::optional<std::string> owner;  // the artist, for artist_* accounts
  int64_t amount = 0;
};

struct Posting {
  std::string kind;       // subscription | proration | tip | refund | dispute | dispute_won | payout | payout_sent | payout_failed
  std::string reference;  // unique per kind: an invoice, charge, dispute or payout id
  std::optional<std::string> payment_id;
  std::optional<std::string> payout_id;
  std::optional<std::string> artist_id;
  std::string currency;
  std::string memo;
  std::vector<Entry> entries;
};

// A payment's split: fans paid `amount`, the processor, the platform and the artist got their shares.
Posting charge(const std::string& kind, const std::string& reference, const std::string& payment_id,
               const std::string& artist_id, const std::string& currency, const Split& s);
// Takes back the artist's earning and the platform's fee of (part of) a payment; the processor fee
// is not returned by processors, so the platform absorbs it (platform_losses).
Posting reversal(const std::string& kind, const std::string& reference, const std::string& payment_id,
                 const std::string& artist_id, const std::string& currency, const Split& share);
// A won dispute puts back exactly what the dispute took.
Posting reinstatement(const std::string& reference, const std::string& payment_id, const std::string& artist_id,
                      const std::string& currency, const Split& share);
// Payouts: reserve (available → in transit), sent (in transit → paid out), failed (back to available).
Posting payout_reserved(const std::string& payout_id, const std::string& artist_id, const std::string& currency,
                        int64_t amount);
Posting payout_sent(const std::string& payout_id, const std::string& artist_id, const std::string& currency,
                    int64_t amount);
Posting payout_failed(const std::string& payout_id, const std::string& artist_id, const std::string& currency,
                      int64_t amount, bool was_sent);

// Writes the posting in the caller's transaction. Returns the transaction id, or nullopt when a
// transaction of the same kind and reference exists already (it was posted before: nothing written).
// Throws std::logic_error when the entries do not sum to zero (the database would refuse it too).
awaitable<std::optional<int64_t>> post(db::Transaction& tx, const Posting& p);

struct Balances {
  std::string currency;
  int64_t available = 0;
  int64_t in_transit = 0;
  int64_t paid_out = 0;
};

// An artist's balances, one per currency they have earned in.
awaitable<std::vector<Balances>> artist_balances(db::Cluster& db, const std::string& artist_id,
                                                 std::optional<db::Lsn> token);
// Inside a payout's transaction: serialises payouts of this artist and reads the available balance.
awaitable<int64_t> lock_available(db::Transaction& tx, const std::string& artist_id, const std::string& currency);

}  // namespace mc::payments::ledger
