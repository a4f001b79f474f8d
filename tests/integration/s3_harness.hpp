#pragma once
// A real S3-compatible server on loopback for the storage tests: s3rver (npm, tests/s3) behind a
// front that verifies SigV4 signatures with AWS's own signer (tests/s3/server.mjs). Started once per
// test binary on a free port with a temporary data directory, stopped at exit.
#include <filesystem>
#include <string>

namespace mc::test {

struct S3Server {
  int port = 0;
  std::filesystem::path data_dir;  // s3rver's store: <data_dir>/<bucket>/...
  std::string region = "us-east-1";
  std::string access_key_id = "mc-test-key";
  std::string secret_access_key = "mc-test-secret";
};

// Starts the server on first use. Throws std::runtime_error saying what is missing when node or the
// npm packages are not installed, or why the server did not start.
const S3Server& s3_server();

// GET on the server without signing (its /__mc/stats endpoint).
std::string s3_server_get(const std::string& path);

}  // namespace mc::test
