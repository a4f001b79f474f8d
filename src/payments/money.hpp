#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Money arithmetic of SPEC §3: integer minor units (cents), never floating point.
namespace mc::payments {

// The largest amount any single payment, refund or payout may have: far below where products of
// two amounts or an amount and a rate could overflow int64.
inline constexpr int64_t kMaxAmountCents = 100'000'000'000;  // 1e11 cents
inline constexpr int64_t kPayoutMinimumCents = 1000;
inline constexpr int kDefaultPlatformFeeBps = 1000;  // 10 %

// round(numerator / denominator), half away from zero, on exact integers.
int64_t div_round_half_up(int64_t numerator, int64_t denominator);

// How one payment divides: what the processor keeps, the platform's fee and the artist's earning.
struct Split {
  int64_t amount = 0;
  int64_t processor_fee = 0;
  int64_t platform_fee = 0;
  int64_t artist = 0;
};

// SPEC §3: processor fee = round(2.9 % × amount) + 30; platform fee = round(bps/10000 × (amount −
// processor fee)); the artist gets the rest. On tiny amounts the processor fee is capped at the
// amount, so no share is ever negative. Throws std::invalid_argument outside 1..kMaxAmountCents.
Split split(int64_t amount_cents, int platform_fee_bps = kDefaultPlatformFeeBps);

// The share of an earlier split that a partial reversal (refund, dispute) of `reversed` cents takes
// back, proportionally; reversing the whole amount gives the split itself.
Split reverse_share(const Split& original, int64_t reversed);

// What an immediate upgrade costs: the price difference for the part of the period that is left,
// rounded half up. Zero when nothing is left or the new price is not higher.
int64_t proration(int64_t old_price, int64_t new_price, int64_t seconds_left, int64_t period_seconds);

// ISO 4217 style: three upper-case letters.
bool valid_currency(std::string_view c);

}  // namespace mc::payments
