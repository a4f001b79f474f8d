#pragma once
// AWS Signature Version 4 for the Authorization header (S3 flavour: the canonical URI is the request
// path as sent, encoded once). Pure functions, so the published AWS examples pin them down.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mc::media::sigv4 {

inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

struct Request {
  std::string method;
  std::string canonical_uri;                               // already URI-encoded, e.g. /bucket/a%24b
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values, any order
  // Every header to sign: host, x-amz-date, x-amz-content-sha256, x-amz-security-token (temporary
  // credentials) and any others the caller wants covered.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_hash;  // hex SHA-256 of the body (or UNSIGNED-PAYLOAD)
};

struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // hex
  std::string signed_headers;  // "host;range;x-amz-date"
  std::string authorization;   // the Authorization header value
};

// RFC 3986 encoding as S3 wants it: everything but A-Z a-z 0-9 - . _ ~ becomes %XX (upper case);
// '/' is kept when `keep_slash` (object key paths) and encoded otherwise (query values).
std::string uri_encode(std::string_view text, bool keep_slash);

// "name=value&…", encoded and sorted by name, then value.
std::string canonical_query(std::vector<std::pair<std::string, std::string>> query);

// 20130524T000000Z
std::string amz_date(std::chrono::system_clock::time_point when);

// The derived key: HMAC chain over "AWS4"+secret, date (YYYYMMDD), region, service, "aws4_request".
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);

// `amz_date` must be the value of the request's x-amz-date header (which must be in `headers`).
Signed sign(const Request& request, const Credentials& credentials, std::string_view region,
            std::string_view service, std::string_view amz_date);

}  // namespace mc::media::sigv4
