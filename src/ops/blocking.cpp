#include "ops/blocking.hpp"

#include "core/process.hpp"

#include <curl/curl.h>
#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

namespace mc::ops {

namespace {
size_t append(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}
}  // namespace

HttpReply http_request(const std::string& method, const std::string& url, const std::string& json_body,
                       std::chrono::milliseconds timeout) {
  HttpReply reply;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), &curl_easy_cleanup);
  if (!h) {
    reply.error = "curl_easy_init failed";
    return reply;
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &reply.body);
  if (!json_body.empty()) {
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, json_body.c_str());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(json_body.size()));
  }
  const CURLcode rc = curl_easy_perform(h.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    reply.error = curl_easy_strerror(rc);
    return reply;
  }
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  if (argv.empty()) throw std::invalid_argument("run_command: no program");
  CommandResult result;
  StreamingOptions streaming;
  streaming.on_stdout_line = [&result](std::string_view line) {
    result.out.append(line);
    result.out.push_back('\n');
  };
  streaming.timeout = timeout;
  ProcessOptions options;
  options.new_session = false;  // the operator's Ctrl-C reaches the CLI too
  const auto r = run_process_streaming(argv, streaming, options);
  result.exit_code = r.exit_code;
  result.err = r.stderr_output;
  return result;
}

std::vector<Row> sql_query(const std::string& conninfo, const std::string& sql,
                           const std::vector<std::optional<std::string>>& params,
                           std::chrono::seconds connect_timeout) {
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  const std::string timeout = std::to_string(connect_timeout.count());
  const char* values[] = {conninfo.c_str(), timeout.c_str(), nullptr};
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdbParams(keys, values, 1), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(conn.get()));
  }
  std::vector<const char*> values_in;
  values_in.reserve(params.size());
  for (const auto& p : params) values_in.push_back(p ? p->c_str() : nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> res(
      PQexecParams(conn.get(), sql.c_str(), static_cast<int>(values_in.size()), nullptr, values_in.data(),
                   nullptr, nullptr, 0),
      &PQclear);
  const auto st = PQresultStatus(res.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    throw std::runtime_error(std::string(PQresultErrorMessage(res.get())));
  }
  std::vector<Row> rows;
  for (int r = 0; r < PQntuples(res.get()); ++r) {
    Row row;
    for (int c = 0; c < PQnfields(res.get()); ++c) {
      if (PQgetisnull(res.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(res.get(), r, c), static_cast<size_t>(PQgetlength(res.get(), r, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mc::ops
