#include "media/s3_storage.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/trace.hpp"
#include "core/unique_fd.hpp"
#include "media/s3_xml.hpp"
#include "media/sigv4.hpp"

namespace mc::media {
namespace fs = std::filesystem;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr std::uint64_t kMinPartSize = 5ull << 20;
constexpr std::uint64_t kMaxPartSize = 5ull << 30;
constexpr std::uint64_t kMaxParts = 10000;
constexpr std::size_t kDeleteBatch = 1000;
constexpr std::size_t kMaxErrorBody = std::size_t{64} << 10;
// The most a response body is sized for up front from its Content-Length.
constexpr std::uint64_t kMaxReserve = std::uint64_t{64} << 20;

bool valid_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) return false;
  return std::all_of(b.begin(), b.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

std::string strip_quotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// What one S3 call sends. The body is in memory (`body`) or a byte range of a file (`body_file`).
struct Call {
  std::string what;  // "PUT uploads/1", for messages and logs
  std::string method;
  std::string key;  // empty for bucket-level calls
  Pairs query;
  Pairs headers;              // signed
  std::string cache_control;  // sent unsigned (proxies may rewrite it; AWS's SDKs leave it unsigned too)
  std::string_view body;
  const fs::path* body_file = nullptr;
  std::uint64_t body_offset = 0;
  std::uint64_t body_length = 0;
  std::string payload_hash = std::string(sigv4::kEmptyPayloadHash);
  int sink_fd = -1;    // a 2xx response body goes to this file instead of memory
  bool large = false;  // an object body travels: transfer timeout and stall detection
};

struct Response {
  long status = 0;
  Pairs headers;  // names lower-cased
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return {};
  }
};

// State shared with libcurl's callbacks during one attempt.
struct Transfer {
  const Call* call = nullptr;
  int body_fd = -1;
  std::uint64_t sent = 0;  // bytes of the body handed to curl so far
  Response response;
  bool sink_failed = false;
};

size_t on_read(char* buf, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const Call& c = *t->call;
  const std::uint64_t total = c.body_file ? c.body_length : c.body.size();
  const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(size * n, total - t->sent));
  if (take == 0) return 0;
  if (!c.body_file) {
    std::memcpy(buf, c.body.data() + t->sent, take);
    t->sent += take;
    return take;
  }
  for (;;) {
    const ssize_t got = ::pread(t->body_fd, buf, take, static_cast<off_t>(c.body_offset + t->sent));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return CURL_READFUNC_ABORT;  // error, or the file shrank under us
    t->sent += static_cast<std::uint64_t>(got);
    return static_cast<size_t>(got);
  }
}

// curl rewinds the body when it resends on a fresh connection (a reused one had died).
int on_seek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  t->sent = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {  // a new response (after 100 Continue, for one)
    t->response.headers.clear();
    const auto sp = line.find(' ');
    t->response.status = sp == line.npos ? 0 : std::atol(std::string(line.substr(sp + 1, 3)).c_str());
  } else if (const auto colon = line.find(':'); colon != line.npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    t->response.headers.emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  const bool ok = t->response.status >= 200 && t->response.status < 300;
  if (ok && t->call->sink_fd >= 0) {
    std::size_t done = 0;
    while (done < len) {
      const ssize_t w = ::write(t->call->sink_fd, data + done, len - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        t->sink_failed = true;
        return 0;  // aborts the transfer
      }
      done += static_cast<std::size_t>(w);
    }
    return len;
  }
  if (!ok && t->response.body.size() + len > kMaxErrorBody) return len;  // keep the start of an error
  if (ok && t->response.body.empty()) {
    // Sized once from Content-Length: growing by doubling would hold up to twice the object.
    const std::uint64_t declared = std::strtoull(t->response.header("content-length").c_str(), nullptr, 10);
    t->response.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(declared, kMaxReserve)));
  }
  t->response.body.append(data, len);
  return len;
}

bool retryable(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

bool retryable(long status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

bool is_auth_code(std::string_view code) {
  return code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "AccessDenied" ||
         code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired" ||
         code == "AuthorizationHeaderMalformed" || code == "RequestTimeTooSkewed" ||
         code == "InvalidSecurity";
}

// Idle easy handles: reusing one keeps its connection alive for the next call.
class HandlePool {
 public:
  HandlePool() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  ~HandlePool() {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  CURL* get() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    CURL* h = curl_easy_init();
    if (!h) throw StorageError("transport", "curl_easy_init failed");
    return h;
  }

  void put(CURL* h) {
    curl_easy_reset(h);
    std::lock_guard lock(mutex_);
    if (idle_.size() < 32) {
      idle_.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

 private:
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

struct Lease {
  HandlePool& pool;
  CURL* handle;
  explicit Lease(HandlePool& p) : pool(p), handle(p.get()) {}
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { pool.put(handle); }
};

struct Slist {
  curl_slist* list = nullptr;
  Slist() = default;
  Slist(const Slist&) = delete;
  Slist& operator=(const Slist&) = delete;
  ~Slist() { curl_slist_free_all(list); }
  void add(const std::string& s) { list = curl_slist_append(list, s.c_str()); }
};

}  // namespace

struct S3Storage::Impl {
  S3Options opt;
  std::string scheme;
  std::string authority;  // host[:port] of the endpoint
  std::string base_path;  // endpoint path without a trailing '/', usually empty
  HandlePool pool;

  explicit Impl(S3Options o) : opt(std::move(o)) {
    auto parsed = boost::urls::parse_uri(opt.endpoint);
    if (!parsed) throw std::invalid_argument("S3_ENDPOINT is not a URL: '" + opt.endpoint + "'");
    const boost::urls::url_view u = *parsed;
    scheme = u.scheme();
    if (scheme != "http" && scheme != "https") throw std::invalid_argument("S3_ENDPOINT must be http(s)://");
    if (u.has_userinfo() || u.has_query() || u.has_fragment() || u.encoded_host().empty()) {
      throw std::invalid_argument(
          "S3_ENDPOINT must be scheme://host[:port][/path] without credentials or query");
    }
    authority = u.encoded_host_and_port();
    base_path = u.encoded_path();
    while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
    if (!valid_bucket(opt.bucket)) {
      throw std::invalid_argument(
          "S3_BUCKET must be 3-63 characters of [a-z0-9.-], starting and ending alphanumeric");
    }
    if (!opt.force_path_style && u.host_type() != boost::urls::host_type::name) {
      throw std::invalid_argument(
          "virtual-hosted-style S3 addressing needs a DNS name in S3_ENDPOINT; set S3_FORCE_PATH_STYLE=true");
    }
    if (opt.region.empty()) throw std::invalid_argument("S3_REGION is required");
    if (opt.access_key_id.empty() || opt.secret_access_key.empty()) {
      throw std::invalid_argument("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required");
    }
    if (opt.part_size < kMinPartSize || opt.part_size > kMaxPartSize) {
      throw std::invalid_argument("S3 part size must be between 5 MiB and 5 GiB");
    }
    if (opt.max_attempts == 0) opt.max_attempts = 1;
    if (opt.list_page_size == 0 || opt.list_page_size > 1000) opt.list_page_size = 1000;
  }

  std::string host() const { return opt.force_path_style ? authority : opt.bucket + "." + authority; }

  std::string path(std::string_view key) const {
    std::string p = base_path;
    if (opt.force_path_style) p += "/" + opt.bucket;
    if (!key.empty()) {
      p += "/" + sigv4::uri_encode(key, true);
    } else if (!opt.force_path_style) {
      p += "/";
    }
    return p;
  }

  // One attempt: sign, send, collect.
  CURLcode attempt(const Call& call, Transfer& t, std::string& curl_error) {
    Lease lease(pool);
    CURL* h = lease.handle;
    // A client span of the request or job that stores or reads; traceparent is sent unsigned
    // (SigV4 signs only the headers it lists).
    trace::Span span("S3 " + call.method, trace::Kind::client);
    span.attribute("http.request.method", call.method);
    const std::string canonical_uri = path(call.key);
    const std::string query = sigv4::canonical_query(call.query);
    const std::string url = scheme + "://" + host() + canonical_uri + (query.empty() ? "" : "?" + query);
    const std::string date = sigv4::amz_date(std::chrono::system_clock::now());

    sigv4::Request req{call.method, canonical_uri, call.query, call.headers, call.payload_hash};
    req.headers.emplace_back("host", host());
    req.headers.emplace_back("x-amz-date", date);
    req.headers.emplace_back("x-amz-content-sha256", call.payload_hash);
    if (!opt.session_token.empty()) req.headers.emplace_back("x-amz-security-token", opt.session_token);
    const auto signed_req =
        sigv4::sign(req, {opt.access_key_id, opt.secret_access_key}, opt.region, "s3", date);

    Slist headers;
    for (const auto& [name, value] : req.headers) headers.add(std::string(name).append(": ").append(value));
    if (!call.cache_control.empty()) headers.add("Cache-Control: " + call.cache_control);
    headers.add("Authorization: " + signed_req.authorization);
    headers.add("traceparent: " + span.context().traceparent());
    Slist connect_to;
    for (const auto& entry : opt.test_connect_to) connect_to.add(entry);

    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
    if (connect_to.list) curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to.list);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opt.connect_timeout.count()));
    if (call.large) {
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(opt.transfer_timeout.count()));
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                       std::max(1L, static_cast<long>(opt.stall_timeout.count() / 1000)));
    } else {
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(opt.request_timeout.count()));
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);

    const auto body_size = static_cast<curl_off_t>(call.body_file ? call.body_length : call.body.size());
    if (call.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (call.method == "PUT" || call.method == "POST") {
      if (call.method == "PUT") {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, body_size);
      } else {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size);
      }
      curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(h, CURLOPT_READDATA, &t);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
    } else if (call.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    const CURLcode rc = curl_easy_perform(h);
    curl_error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    span.attribute("http.response.status_code", static_cast<std::int64_t>(status));
    if (rc != CURLE_OK) {
      span.error(curl_error);
    } else if (status >= 500) {
      span.error("HTTP " + std::to_string(status));
    }
    return rc;
  }

  // Sends a call, retrying transport failures and 5xx with backoff; returns whatever status came back.
  Response execute(const Call& call) {
    std::optional<UniqueFd> body_fd;
    if (call.body_file) {
      body_fd.emplace(::open(call.body_file->c_str(), O_RDONLY | O_CLOEXEC));
      if (body_fd->get() < 0) {
        throw StorageError("io", "cannot open " + call.body_file->string() + ": " + std::strerror(errno));
      }
    }
    for (unsigned n = 1;; ++n) {
      Transfer t;
      t.call = &call;
      t.body_fd = body_fd ? body_fd->get() : -1;
      if (call.sink_fd >= 0 &&
          (::ftruncate(call.sink_fd, 0) != 0 || ::lseek(call.sink_fd, 0, SEEK_SET) < 0)) {
        throw StorageError("io", "cannot reset the download file: " + std::string(std::strerror(errno)));
      }
      std::string curl_error;
      const CURLcode rc = attempt(call, t, curl_error);
      if (t.sink_failed) throw StorageError("io", "S3 " + call.what + ": cannot write the download file");
      const bool again = rc != CURLE_OK ? retryable(rc) : retryable(t.response.status);
      if (!again || n >= opt.max_attempts) {
        if (rc != CURLE_OK) {
          throw StorageError("transport", "S3 " + call.what + " failed: " + curl_error + " (" + scheme +
                                              "://" + host() + ")");
        }
        return std::move(t.response);
      }
      const std::string error = rc != CURLE_OK
                                    ? curl_error
                                    : "HTTP " + std::to_string(t.response.status) + " " +
                                          s3xml::first(t.response.body, "Code").value_or("") + " " +
                                          s3xml::first(t.response.body, "Message").value_or("");
      log::warn("S3 call failed, retrying", {{"op", call.what}, {"attempt", n}, {"error", error}});
      std::this_thread::sleep_for(std::chrono::milliseconds(100) * (1 << std::min(2 * (n - 1), 4u)));
    }
  }

  [[noreturn]] void fail(const Call& call, const Response& r) const {
    std::string code = s3xml::first(r.body, "Code").value_or("");
    const std::string message = s3xml::first(r.body, "Message").value_or("");
    if (code.empty()) {
      code = r.status == 404   ? "NotFound"
             : r.status == 403 ? "AccessDenied"
             : r.status == 416 ? "InvalidRange"
                               : "HTTP" + std::to_string(r.status);
    }
    if (code == "NoSuchKey" || (code == "NotFound" && !call.key.empty())) {
      throw StorageNotFound(call.key, static_cast<int>(r.status));
    }
    if (r.status == 403 || is_auth_code(code)) {
      throw StorageAuthError(code,
                             "S3 " + call.what + " was refused (" + code +
                                 (message.empty() ? "" : ": " + message) +
                                 "): check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION and the clock",
                             static_cast<int>(r.status));
    }
    throw StorageError(code,
                       "S3 " + call.what + " failed: HTTP " + std::to_string(r.status) + " " + code +
                           (message.empty() ? "" : ": " + message),
                       static_cast<int>(r.status));
  }

  Response execute_ok(const Call& call) {
    Response r = execute(call);
    if (r.status < 200 || r.status >= 300) fail(call, r);
    return r;
  }

  static Call object_call(std::string method, std::string_view key) {
    Call c;
    c.what = method + " " + std::string(key);
    c.method = std::move(method);
    c.key = std::string(key);
    return c;
  }

  Call bucket_call(std::string method, std::string what) const {
    Call c;
    c.what = std::move(what) + " (bucket " + opt.bucket + ")";
    c.method = std::move(method);
    return c;
  }

  void put_single(std::string_view key, const fs::path& src, std::uint64_t size,
                  std::string_view content_type, std::string_view cache_control) {
    Call c = object_call("PUT", key);
    c.headers.emplace_back("content-type", std::string(content_type));
    c.cache_control = std::string(cache_control);
    c.body_file = &src;
    c.body_length = size;
    c.payload_hash = to_hex(sha256_file(src, 0, size));
    c.large = true;
    execute_ok(c);
  }

  void put_multipart(std::string_view key, const fs::path& src, std::uint64_t size,
                     std::string_view content_type, std::string_view cache_control) {
    Call create = object_call("POST", key);
    create.what = "CreateMultipartUpload " + std::string(key);
    create.query = {{"uploads", ""}};
    create.headers.emplace_back("content-type", std::string(content_type));
    create.cache_control = std::string(cache_control);
    const Response created = execute_ok(create);
    const auto upload_id = s3xml::first(created.body, "UploadId");
    if (!upload_id || upload_id->empty()) {
      throw StorageError("MalformedResponse", "S3 " + create.what + ": no UploadId in the response");
    }
    try {
      const std::uint64_t part_size = std::max(opt.part_size, (size + kMaxParts - 1) / kMaxParts);
      std::string complete = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
      std::uint64_t number = 1;
      for (std::uint64_t offset = 0; offset < size; offset += part_size, ++number) {
        Call part = object_call("PUT", key);
        part.what = "UploadPart " + std::to_string(number) + " of " + std::string(key);
        part.query = {{"partNumber", std::to_string(number)}, {"uploadId", *upload_id}};
        part.body_file = &src;
        part.body_offset = offset;
        part.body_length = std::min(part_size, size - offset);
        part.payload_hash = to_hex(sha256_file(src, offset, part.body_length));
        part.large = true;
        const std::string etag = execute_ok(part).header("etag");
        if (etag.empty())
          throw StorageError("MalformedResponse", "S3 " + part.what + ": no ETag in the response");
        complete += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" +
                    s3xml::escape(etag) + "</ETag></Part>";
      }
      complete += "</CompleteMultipartUpload>";
      Call done = object_call("POST", key);
      done.what = "CompleteMultipartUpload " + std::string(key);
      done.query = {{"uploadId", *upload_id}};
      done.headers.emplace_back("content-type", "application/xml");
      done.body = complete;
      done.payload_hash = to_hex(sha256(complete));
      const Response r = execute_ok(done);
      // S3 may answer 200 and still report a failure in the body.
      if (!s3xml::elements(r.body, "Error").empty()) fail(done, r);
    } catch (...) {
      abort_multipart(key, *upload_id);
      throw;
    }
  }

  void abort_multipart(std::string_view key, const std::string& upload_id) noexcept {
    try {
      Call abort = object_call("DELETE", key);
      abort.what = "AbortMultipartUpload " + std::string(key);
      abort.query = {{"uploadId", upload_id}};
      const Response r = execute(abort);
      if (r.status >= 300 && r.status != 404) {
        log::warn("S3 multipart upload not aborted", {{"key", key}, {"status", r.status}});
      }
    } catch (const std::exception& e) {
      log::warn("S3 multipart upload not aborted", {{"key", key}, {"error", e.what()}});
    }
  }

  void delete_batch(const std::vector<std::string>& keys) {
    std::string body = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
    for (const auto& k : keys) body += "<Object><Key>" + s3xml::escape(k) + "</Key></Object>";
    body += "</Delete>";
    Call c = bucket_call("POST", "DeleteObjects");
    c.query = {{"delete", ""}};
    c.headers.emplace_back("content-type", "application/xml");
    c.headers.emplace_back("content-md5", base64_encode(md5(body)));
    c.body = body;
    c.payload_hash = to_hex(sha256(body));
    const Response r = execute(c);
    if (r.status == 501) {  // a service without DeleteObjects: one request per key
      for (const auto& k : keys) delete_one(k);
      return;
    }
    if (r.status < 200 || r.status >= 300) fail(c, r);
    const auto errors = s3xml::elements(r.body, "Error");
    if (!errors.empty()) {
      const std::string key = s3xml::first(errors.front(), "Key").value_or("?");
      const std::string code = s3xml::first(errors.front(), "Code").value_or("?");
      const std::string message = s3xml::first(errors.front(), "Message").value_or("");
      throw StorageError(code, "S3 DeleteObjects: " + std::to_string(errors.size()) +
                                   " key(s) not deleted; " + key + ": " + code + " " + message);
    }
  }

  void delete_one(std::string_view key) {
    const Call c = object_call("DELETE", key);
    const Response r = execute(c);
    if ((r.status < 200 || r.status >= 300) && r.status != 404) fail(c, r);
  }
};

S3Storage::S3Storage(S3Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
S3Storage::~S3Storage() = default;

void S3Storage::put_bytes(std::string_view key, std::string_view data, std::string_view content_type,
                          std::string_view cache_control) {
  validate_key(key);
  Call c = Impl::object_call("PUT", key);
  c.headers.emplace_back("content-type", content_type.empty() ? "application/octet-stream" : content_type);
  c.cache_control = std::string(cache_control);
  c.body = data;
  c.payload_hash = to_hex(sha256(data));
  c.large = data.size() > (1u << 20);
  impl_->execute_ok(c);
}

void S3Storage::put_file(std::string_view key, const fs::path& src, std::string_view content_type,
                         std::string_view cache_control) {
  validate_key(key);
  std::error_code ec;
  const std::uint64_t size = fs::file_size(src, ec);
  if (ec) throw StorageError("io", "cannot read " + src.string() + ": " + ec.message());
  const std::string_view type = content_type.empty() ? "application/octet-stream" : content_type;
  if (size > impl_->opt.multipart_threshold) {
    impl_->put_multipart(key, src, size, type, cache_control);
  } else {
    impl_->put_single(key, src, size, type, cache_control);
  }
}

std::optional<ObjectInfo> S3Storage::head(std::string_view key) {
  validate_key(key);
  const Call c = Impl::object_call("HEAD", key);
  const Response r = impl_->execute(c);
  if (r.status == 404) return std::nullopt;
  if (r.status < 200 || r.status >= 300) impl_->fail(c, r);
  ObjectInfo info;
  info.size = std::strtoull(r.header("content-length").c_str(), nullptr, 10);
  info.content_type = r.header("content-type");
  info.etag = strip_quotes(r.header("etag"));
  info.cache_control = r.header("cache-control");
  return info;
}

std::string S3Storage::read(std::string_view key, std::optional<ByteRange> range) {
  validate_key(key);
  if (range && range->length == 0) {  // not expressible as an HTTP range: answer from HEAD
    const auto info = head(key);
    if (!info) throw StorageNotFound(std::string(key));
    if (range->offset >= info->size) {
      throw StorageError("InvalidRange", "range offset " + std::to_string(range->offset) +
                                             " is past the end of " + std::string(key));
    }
    return {};
  }
  Call c = Impl::object_call("GET", key);
  c.large = true;
  if (range) {
    const std::uint64_t last = range->length - 1 > UINT64_MAX - 1 - range->offset
                                   ? UINT64_MAX - 1
                                   : range->offset + range->length - 1;
    c.headers.emplace_back("range", "bytes=" + std::to_string(range->offset) + "-" + std::to_string(last));
  }
  Response r = impl_->execute(c);
  if (r.status == 416) {
    throw StorageError("InvalidRange",
                       "range offset " + std::to_string(range ? range->offset : 0) + " is past the end of " +
                           std::string(key),
                       416);
  }
  if (r.status < 200 || r.status >= 300) impl_->fail(c, r);
  if (range && r.status == 200) {  // the service ignored the range: cut it ourselves
    if (range->offset >= r.body.size())
      throw StorageError("InvalidRange", "range past the end of " + std::string(key));
    return r.body.substr(static_cast<std::size_t>(range->offset), static_cast<std::size_t>(range->length));
  }
  return std::move(r.body);
}

void S3Storage::get_file(std::string_view key, const fs::path& dest) {
  validate_key(key);
  UniqueFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) throw StorageError("io", "cannot create " + dest.string() + ": " + std::strerror(errno));
  Call c = Impl::object_call("GET", key);
  c.large = true;
  c.sink_fd = out.get();
  try {
    impl_->execute_ok(c);
  } catch (...) {
    ::unlink(dest.c_str());
    throw;
  }
}

std::optional<fs::path> S3Storage::local_path(std::string_view key) {
  validate_key(key);
  return std::nullopt;
}

void S3Storage::remove(std::string_view key) {
  validate_key(key);
  impl_->delete_one(key);
}

void S3Storage::remove_prefix(std::string_view prefix) {
  validate_prefix(prefix);
  if (prefix.empty()) throw std::invalid_argument("remove_prefix needs a non-empty prefix");
  const std::vector<std::string> keys = list(prefix);
  for (std::size_t i = 0; i < keys.size(); i += kDeleteBatch) {
    const auto end = keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), i + kDeleteBatch));
    impl_->delete_batch(std::vector<std::string>(keys.begin() + static_cast<std::ptrdiff_t>(i), end));
  }
}

std::vector<std::string> S3Storage::list(std::string_view prefix) {
  validate_prefix(prefix);
  std::vector<std::string> keys;
  std::string token;
  for (;;) {
    Call c = impl_->bucket_call("GET", "ListObjectsV2 " + std::string(prefix));
    c.query = {{"list-type", "2"}, {"max-keys", std::to_string(impl_->opt.list_page_size)}};
    if (!prefix.empty()) c.query.emplace_back("prefix", std::string(prefix));
    if (!token.empty()) c.query.emplace_back("continuation-token", token);
    const Response r = impl_->execute_ok(c);
    for (auto contents : s3xml::elements(r.body, "Contents")) {
      if (auto key = s3xml::first(contents, "Key")) keys.push_back(std::move(*key));
    }
    if (s3xml::first(r.body, "IsTruncated").value_or("false") != "true") break;
    token = s3xml::first(r.body, "NextContinuationToken").value_or("");
    if (token.empty())
      throw StorageError("MalformedResponse", "S3 " + c.what + ": truncated list without a token");
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string S3Storage::describe() const {
  const auto& o = impl_->opt;
  return "s3 " + impl_->scheme + "://" + impl_->host() + impl_->path("") + " (" +
         (o.force_path_style ? "path-style" : "virtual-hosted-style") + ", region " + o.region + ")";
}

void S3Storage::create_bucket() {
  Call c = impl_->bucket_call("PUT", "CreateBucket");
  std::string body;
  if (impl_->opt.region != "us-east-1") {
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
        s3xml::escape(impl_->opt.region) + "</LocationConstraint></CreateBucketConfiguration>";
    c.headers.emplace_back("content-type", "application/xml");
  }
  c.body = body;
  c.payload_hash = to_hex(sha256(body));
  const Response r = impl_->execute(c);
  if (r.status >= 200 && r.status < 300) return;
  if (r.status == 409) {  // exists: fine if it is ours (some services say BucketAlreadyExists even then)
    const Call probe = impl_->bucket_call("HEAD", "HeadBucket");
    const Response h = impl_->execute(probe);
    if (h.status >= 200 && h.status < 300) return;
  }
  impl_->fail(c, r);
}

}  // namespace mc::media
