#pragma once
#include <cstdint>
#include <filesystem>
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
// SHA-256 of `length` bytes of a file from `offset` (to the end by default), read in chunks so a
// large file is never held in memory. Throws std::runtime_error when the file cannot be read.
std::string sha256_file(const std::filesystem::path& path, std::uint64_t offset = 0,
                        std::uint64_t length = UINT64_MAX);
// MD5, only where a protocol demands it as a checksum (S3's Content-MD5); never for security.
std::string md5(std::string_view data);
bool constant_time_equal(std::string_view a, std::string_view b);

std::string to_hex(std::string_view bytes);
std::string base64_encode(std::string_view bytes);  // standard alphabet, padded
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

// argon2id in libsodium's self-describing string format.
std::string password_hash(std::string_view password);
bool password_verify(std::string_view hash, std::string_view password);

// Cheap per-thread random ids (request ids): not for secrets.
std::string fast_random_hex(std::size_t bytes);

}  // namespace mc
