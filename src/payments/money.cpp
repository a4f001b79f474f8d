#include "payments/money.hpp"

#include <stdexcept>

namespace mc::payments {

int64_t div_round_half_up(int64_t numerator, int64_t denominator) {
  if (denominator <= 0) throw std::invalid_argument("denominator must be positive");
  const bool negative = numerator < 0;
  const int64_t n = negative ? -numerator : numerator;
  const int64_t q = (n / denominator) + ((n % denominator) * 2 >= denominator ? 1 : 0);
  return negative ? -q : q;
}

Split split(int64_t amount, int platform_fee_bps) {
  if (amount <= 0 || amount > kMaxAmountCents) throw std::invalid_argument("amount out of range");
  if (platform_fee_bps < 0 || platform_fee_bps > 10000) throw std::invalid_argument("platform fee out of range");
  Split s;
  s.amount = amount;
  s.processor_fee = std::min(amount, div_round_half_up(amount * 29, 1000) + 30);
  s.platform_fee = div_round_half_up((amount - s.processor_fee) * platform_fee_bps, 10000);
  s.artist = amount - s.processor_fee - s.platform_fee;
  return s;
}

Split reverse_share(const Split& original, int64_t reversed) {
  if (reversed <= 0 || reversed > original.amount) throw std::invalid_argument("reversal out of range");
  Split s;
  s.amount = reversed;
  if (reversed == original.amount) return original;
  // share × reversed can pass int64 for large amounts, so the product is taken in 128 bits.
  auto part = [&](int64_t share) {
    const __int128 n = static_cast<__int128>(share) * reversed;
    const __int128 d = original.amount;
    const __int128 q = n / d + ((n % d) * 2 >= d ? 1 : 0);
    return static_cast<int64_t>(q);
  };
  s.artist = part(original.artist);
  s.platform_fee = part(original.platform_fee);
  s.processor_fee = reversed - s.artist - s.platform_fee;
  return s;
}

int64_t proration(int64_t old_price, int64_t new_price, int64_t seconds_left, int64_t period_seconds) {
  if (new_price <= old_price || seconds_left <= 0 || period_seconds <= 0) return 0;
  if (seconds_left > period_seconds) seconds_left = period_seconds;
  const __int128 n = static_cast<__int128>(new_price - old_price) * seconds_left;
  const __int128 q = n / period_seconds + ((n % period_seconds) * 2 >= period_seconds ? 1 : 0);
  return static_cast<int64_t>(q);
}

bool valid_currency(std::string_view c) {
  if (c.size() != 3) return false;
  for (char ch : c) {
    if (ch < 'A' || ch > 'Z') return false;
  }
  return true;
}

}  // namespace mc::payments
