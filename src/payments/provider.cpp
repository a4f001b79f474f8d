#include "payments/provider.hpp"

namespace mc::payments {

ApiError api_error_of(const ProviderError& e) {
  if (e.http_status() >= 400 && e.http_status() < 500 && e.http_status() != 429) {
    return ApiError(422, "payment_provider_refused", "The payment provider refused the request",
                    {{"provider", e.what()}, {"code", e.code()}});
  }
  return ApiError(502, "payment_provider_unavailable", "The payment provider could not be reached",
                  {{"provider", e.what()}});
}

}  // namespace mc::payments
