#pragma once
// Blocking building blocks of the operator commands (`musicconnect ops …`): they run from a shell,
// one step after another, so plain blocking calls are the honest shape (never used on event loops).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mc::ops {

struct HttpReply {
  long status = 0;  // 0: no answer (refused, timed out)
  std::string body;
  std::string error;
};

// One HTTP request with a JSON body (or none); never throws for transport errors.
HttpReply http_request(const std::string& method, const std::string& url, const std::string& json_body = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // the end of stderr
};

// Runs a program found on PATH with exactly these arguments (no shell, core/process), keeping its
// stdout and stderr apart (a CLI's JSON answer and its complaints).
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::seconds timeout = std::chrono::minutes(5));

// Rows of one parameterised statement on a fresh connection (text values; nullopt for NULL).
using Row = std::vector<std::optional<std::string>>;
std::vector<Row> sql_query(const std::string& conninfo, const std::string& sql,
                           const std::vector<std::optional<std::string>>& params = {},
                           std::chrono::seconds connect_timeout = std::chrono::seconds(3));

}  // namespace mc::ops
