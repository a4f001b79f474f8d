#include "payments/signature.hpp"

#include <charconv>
#include <optional>

#include "core/crypto.hpp"

namespace mc::payments {

SignatureCheck verify_signature(std::string_view header, std::string_view body,
                                const std::vector<std::string>& secrets, int64_t now_seconds,
                                int64_t tolerance_seconds) {
  if (header.empty()) return SignatureCheck::missing;
  if (header.size() > 4096) return SignatureCheck::malformed;
  std::optional<int64_t> timestamp;
  std::vector<std::string_view> v1;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return SignatureCheck::malformed;
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      int64_t t = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
      if (ec != std::errc{} || ptr != value.data() + value.size() || timestamp) return SignatureCheck::malformed;
      timestamp = t;
    } else if (key == "v1") {
      v1.push_back(value);
    }  // other schemes (v0 test signatures) are ignored, as Stripe's libraries do
  }
  if (!timestamp) return SignatureCheck::malformed;
  if (v1.empty()) return SignatureCheck::no_v1;
  const int64_t age = now_seconds - *timestamp;
  if (age > tolerance_seconds || age < -tolerance_seconds) return SignatureCheck::stale;
  std::string signed_payload = std::to_string(*timestamp);
  signed_payload += '.';
  signed_payload += body;
  bool matched = false;
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    const std::string expected = to_hex(hmac_sha256(secret, signed_payload));
    for (const auto& candidate : v1) {
      // Every comparison runs, so timing does not tell which secret or value matched.
      if (constant_time_equal(expected, candidate)) matched = true;
    }
  }
  return matched ? SignatureCheck::ok : SignatureCheck::mismatch;
}

std::string signature_header(std::string_view body, std::string_view secret, int64_t timestamp) {
  std::string signed_payload = std::to_string(timestamp);
  signed_payload += '.';
  signed_payload += body;
  return "t=" + std::to_string(timestamp) + ",v1=" + to_hex(hmac_sha256(secret, signed_payload));
}

const char* to_string(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::ok:
      return "ok";
    case SignatureCheck::missing:
      return "missing Stripe-Signature header";
    case SignatureCheck::malformed:
      return "malformed Stripe-Signature header";
    case SignatureCheck::no_v1:
      return "no v1 signature in Stripe-Signature";
    case SignatureCheck::stale:
      return "timestamp outside the tolerance";
    case SignatureCheck::mismatch:
      return "no signature matches";
  }
  return "invalid";
}

}  // namespace mc::payments
