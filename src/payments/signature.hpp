#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Stripe's webhook signature scheme: header `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=...]`,
// where each v1 is HMAC-SHA256(secret, "<t>.<raw body>"). Several v1 values appear while Stripe
// rolls a secret; we accept any v1 that matches any of our secrets (current and previous).
namespace mc::payments {

enum class SignatureCheck { ok, missing, malformed, no_v1, stale, mismatch };

inline constexpr int64_t kSignatureToleranceSeconds = 300;

SignatureCheck verify_signature(std::string_view header, std::string_view body,
                                const std::vector<std::string>& secrets, int64_t now_seconds,
                                int64_t tolerance_seconds = kSignatureToleranceSeconds);

// The header a sender would attach (the sandbox signs its events with it).
std::string signature_header(std::string_view body, std::string_view secret, int64_t timestamp);

const char* to_string(SignatureCheck c);

}  // namespace mc::payments
