#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mc {

// Thin, misuse-resistant wrappers over libsodium. Binary values travel as std::string.
void crypto_init();
std::string random_bytes(std::size_t n);
std::string random_token(std::size_t bytes = 32);  // base64url, for emailed and refresh tokens
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
bool constant_time_equal(std::string_view a, std::string_view b);

std::string to_hex(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// argon2id in libsodium's self-describing string format.
std::string password_hash(std::string_view password);
bool password_verify(std::string_view hash, std::string_view password);

// Cheap per-thread random ids (request ids): not for secrets.
std::string fast_random_hex(std::size_t bytes);

}  // namespace mc
