#include "core/config.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/crypto.hpp"

namespace mc {
namespace {

struct VarSpec {
  const char* name;
  const char* default_value;
  const char* description;
};

// The single list that drives both loading and --help.
const VarSpec kVars[] = {
    {"APP_ENV", "production",
     "production | development | test; production (the default) refuses missing secrets and the payments "
     "sandbox; development (scripts/run.sh) generates secrets and serves the mail sink"},
    {"HOST", "0.0.0.0", "address to listen on"},
    {"PORT", "8080", "HTTP port (API, WebSocket, web app)"},
    {"VAR_DIR", "./var", "state directory: embedded PostgreSQL, dev secrets, mail sink"},
    {"PUBLIC_URL", "http://localhost:8080", "externally visible base URL (links in emails)"},
    {"REGION", "local", "this node's region"},
    {"PRIMARY_REGION", "local", "region of the writable database"},
    {"WORKERS", "0", "event loops (threads); 0 = one per core"},
    {"DATABASE_URL", "", "libpq URL of the writer; empty = private embedded PostgreSQL under VAR_DIR"},
    {"DATABASE_READ_URL", "", "libpq URL of the local read replica; empty = the writer"},
    {"REDIS_URL", "",
     "redis://[:password@]host[:port][/db] for cross-node real-time fan-out; empty = this process only"},
    {"DB_POOL_SIZE", "16", "connections per pool per process (split across event loops)"},
    {"DB_POOL_MAX_WAITERS", "1024", "requests that may queue for a connection before 503"},
    {"DB_ACQUIRE_TIMEOUT_MS", "2000", "longest wait for a pooled connection before 503"},
    {"DB_TOKEN_WAIT_MS", "50", "longest wait for the replica to replay a consistency token"},
    {"MIGRATE_ON_START", "true", "apply pending migrations when serve starts"},
    {"JWT_SECRET", "", "HS256 key for access tokens (generated under VAR_DIR in development)"},
    {"JWT_KID", "", "key id of JWT_SECRET; empty = derived from the secret"},
    {"JWT_PREVIOUS_SECRET", "", "previous key, still accepted during rotation"},
    {"JWT_PREVIOUS_KID", "", "key id of JWT_PREVIOUS_SECRET; empty = derived"},
    {"ACCESS_TOKEN_TTL_S", "900", "access token lifetime in seconds"},
    {"REFRESH_TOKEN_TTL_S", "2592000", "refresh token lifetime in seconds"},
    {"REFRESH_REUSE_GRACE_S", "20",
     "a rotated refresh token may be retried this long (a lost answer) before reuse revokes the session"},
    {"SESSION_CHECK_TTL_S", "5",
     "how long a process trusts its last look at a session; a revoked session's access tokens stop within "
     "this"},
    {"PASSWORD_HASH_THREADS", "0", "threads hashing passwords (argon2id); 0 = half the cores, at least 1"},
    {"PASSWORD_HASH_QUEUE", "64",
     "password hashes that may wait or run at once; beyond it sign-ins get 503 with Retry-After"},
    {"SMTP_URL", "", "smtp:// or smtps:// URL (with credentials); empty = mail sink under VAR_DIR/mail"},
    {"SMTP_FROM", "no-reply@musicconnect.local", "sender address"},
    {"MEDIA_STORAGE", "fs", "where media lives: fs (local directory) or s3 (any S3-compatible service)"},
    {"MEDIA_DIR", "", "media directory for MEDIA_STORAGE=fs; empty = VAR_DIR/media"},
    {"S3_ENDPOINT", "", "S3 endpoint URL, e.g. https://s3.eu-west-1.amazonaws.com (MEDIA_STORAGE=s3)"},
    {"S3_REGION", "us-east-1", "S3 signing region"},
    {"S3_BUCKET", "", "media bucket (MEDIA_STORAGE=s3)"},
    {"S3_ACCESS_KEY_ID", "", "S3 access key id (MEDIA_STORAGE=s3)"},
    {"S3_SECRET_ACCESS_KEY", "", "S3 secret access key (MEDIA_STORAGE=s3)"},
    {"S3_SESSION_TOKEN", "", "session token for temporary S3 credentials"},
    {"S3_FORCE_PATH_STYLE", "false", "address buckets as endpoint/bucket instead of bucket.endpoint"},
    {"MEDIA_URL_SECRET", "", "HMAC key for signed media URLs (generated under VAR_DIR in development)"},
    {"MEDIA_URL_TTL_S", "21600", "lifetime of a playback grant's signed playlist and segment URLs"},
    {"MEDIA_URL_SIGNING", "hmac", "signed media URL format: hmac (served here) or cloudfront (CDN_URL)"},
    {"CDN_URL", "", "base URL of the CDN in front of /media (MEDIA_URL_SIGNING=cloudfront)"},
    {"CLOUDFRONT_KEY_PAIR_ID", "", "CloudFront public key id (MEDIA_URL_SIGNING=cloudfront)"},
    {"CLOUDFRONT_PRIVATE_KEY", "", "PEM RSA private key for CloudFront signed URLs"},
    {"UPLOAD_MAX_BYTES", "524288000", "largest audio upload in bytes (500 MB)"},
    {"UPLOAD_TMP_DIR", "", "where uploads are spooled while they arrive; empty = VAR_DIR/tmp/uploads"},
    {"RATE_LIMIT_UPLOADS_PER_HOUR", "100", "uploads per hour per user"},
    {"UPLOAD_CONCURRENT_PER_USER", "3", "uploads one user may send at once (more: 429 too_many_uploads)"},
    {"UPLOAD_SPOOL_MAX_BYTES", "",
     "bytes all uploads in flight may reserve in UPLOAD_TMP_DIR (at least 2 x UPLOAD_MAX_BYTES); "
     "empty = 8 x UPLOAD_MAX_BYTES"},
    {"UPLOAD_SPOOL_MIN_FREE_BYTES", "1073741824",
     "free space an upload may not take UPLOAD_TMP_DIR's filesystem below (507 insufficient_storage)"},
    {"JOBS", "true", "serve also runs the background job worker (false: run `musicconnect worker`)"},
    {"MEDIA_JOBS_CONCURRENCY", "1", "audio processing jobs one worker process runs at a time"},
    {"MEDIA_JOBS_NICE", "10",
     "niceness added to the audio tools (0-19): processing yields to the API on a shared machine"},
    {"JOBS_LEASE_S", "60", "a job whose worker stops heartbeating is taken over after this long"},
    {"OUTBOX_RETENTION_H", "72",
     "hours events stay in the outbox (24-8760): the window in which real-time clients recover"},
    {"JOBS_RETENTION_H", "336", "hours finished (succeeded or dead) jobs are kept before the hourly prune"},
    {"STRIPE_SECRET_KEY", "", "Stripe secret key; empty = the offline payments sandbox"},
    {"STRIPE_WEBHOOK_SECRET", "",
     "Stripe webhook signing secret (whsec_...; generated under VAR_DIR in development)"},
    {"STRIPE_WEBHOOK_PREVIOUS_SECRET", "", "previous webhook signing secret, still accepted during rotation"},
    {"STRIPE_API_BASE", "https://api.stripe.com", "Stripe API base URL (tests point it at a local double)"},
    {"PLATFORM_FEE_BPS", "1000", "platform fee in basis points of (amount - processor fee); 1000 = 10 %"},
    {"WEB_DIR", "",
     "the built web app, served at / (read once at start); unset = web/ beside the binary, "
     "else ../web/dist from it (a build directory), else ./web/dist; empty = API only"},
    {"CORS_ORIGINS", "http://localhost:8080,http://localhost:5173", "comma-separated allowed origins"},
    {"HTTP_JSON_BODY_LIMIT", "1048576", "largest JSON request body in bytes"},
    {"HTTP_IDLE_TIMEOUT_S", "75", "keep-alive idle timeout (also the request-header timeout)"},
    {"HTTP_READ_TIMEOUT_S", "30", "time allowed to read a request body or write a response"},
    {"HTTP_SHUTDOWN_GRACE_S", "20", "how long SIGTERM waits for in-flight requests"},
    {"TRUST_PROXY", "false",
     "reverse proxies in front of the server: false/0, true (= 1) or a number of hops; the client address "
     "is the X-Forwarded-For entry that many hops from the right"},
    {"RATE_LIMIT_API_PER_MIN", "600", "API requests per minute per authenticated user"},
    {"RATE_LIMIT_ANON_PER_MIN", "300", "API requests per minute per IP for anonymous callers"},
    {"RATE_LIMIT_LOGIN_PER_MIN", "10", "login attempts per minute per IP"},
    {"RATE_LIMIT_MEDIA_PER_MIN_IP", "6000",
     "/media requests per minute per IP (segments, playlists, images)"},
    {"RATE_LIMIT_MEDIA_PER_MIN_GRANT", "1200", "HLS requests per minute per playback grant (signed link)"},
    {"RATE_LIMIT_ORIGINALS_PER_MIN_IP", "120", "original downloads (requests) per minute per IP"},
    {"RATE_LIMIT_ORIGINALS_PER_MIN_GRANT", "60",
     "original downloads (requests) per minute per download link"},
    {"WS_MAX_CONNECTIONS_PER_USER", "10", "open WebSocket connections per user on one node"},
    {"WS_SEND_QUEUE_KIB", "1024",
     "unsent WebSocket data per connection before it is closed as a slow consumer"},
    {"WS_IDLE_TIMEOUT_S", "40",
     "a WebSocket with no traffic is pinged after half of this and closed after all"},
    {"WS_MESSAGES_PER_S", "20", "messages per second a WebSocket client may send (burst: twice that)"},
    {"WS_COMPRESSION", "false", "offer permessage-deflate on /ws (costs memory and CPU per socket)"},
    {"ACCESS_LOG", "true", "JSON access log line per request on stderr"},
    {"SEARCH_BASELINE", "false",
     "bench/search only: GET /api/search answers with the naive ILIKE baseline (docs/search.md); refused in "
     "production"},
    {"LOG_LEVEL", "info", "debug | info | warn | error"},
    {"OTEL_EXPORTER_OTLP_ENDPOINT", "",
     "OTLP/HTTP collector base URL (spans go to <url>/v1/traces, JSON); empty: traces are not exported"},
    {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", "full traces URL; overrides OTEL_EXPORTER_OTLP_ENDPOINT"},
    {"OTEL_SERVICE_NAME", "musicconnect", "service.name of exported spans"},
};

class Reader {
 public:
  explicit Reader(const EnvReader& env) : env_(env) {}

  std::string str(const char* name) {
    if (auto v = env_(name)) return *v;
    return spec(name).default_value;
  }

  template <class T>
  T number(const char* name, T min, T max) {
    const std::string raw = str(name);
    try {
      std::size_t used = 0;
      const long long v = std::stoll(raw, &used);
      if (used != raw.size() || v < static_cast<long long>(min) || v > static_cast<long long>(max)) {
        throw std::invalid_argument("range");
      }
      return static_cast<T>(v);
    } catch (const std::exception&) {
      errors_ << "  " << name << "=" << raw << ": expected an integer in [" << min << ", " << max << "]\n";
      return min;
    }
  }

  bool flag(const char* name) {
    const std::string raw = str(name);
    if (raw == "true" || raw == "1" || raw == "yes" || raw == "on") return true;
    if (raw == "false" || raw == "0" || raw == "no" || raw == "off") return false;
    errors_ << "  " << name << "=" << raw << ": expected true or false\n";
    return false;
  }

  // The value when the variable is set (even to ""), for settings whose default is computed.
  std::optional<std::string> given(const char* name) {
    spec(name);
    return env_(name);
  }

  void fail(const std::string& message) { errors_ << "  " << message << "\n"; }
  std::string errors() const { return errors_.str(); }

 private:
  static const VarSpec& spec(const char* name) {
    for (const auto& v : kVars) {
      if (std::string_view(v.name) == name) return v;
    }
    throw std::logic_error(std::string("undeclared configuration variable ") + name);
  }

  const EnvReader& env_;
  std::ostringstream errors_;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Where the built web app is when WEB_DIR is not set, so `serve` finds it from any working
// directory: web/ beside the binary (an installed layout), ../web/dist from it (the build tree).
std::string web_dir_beside_binary() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate :
         {exe.parent_path() / "web", exe.parent_path().parent_path() / "web" / "dist"}) {
      if (fs::is_regular_file(candidate / "index.html", ec)) return candidate.string();
    }
  }
  return "web/dist";
}

std::string derive_kid(const std::string& secret) {
  return to_hex(sha256(secret)).substr(0, 12);
}

std::string load_or_create_secret(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!s.empty()) return s;
  }
  fs::create_directories(file.parent_path());
  fs::permissions(file.parent_path(), fs::perms::owner_all, fs::perm_options::replace);
  std::string secret = base64url_encode(random_bytes(32));
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << secret;
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  fs::rename(tmp, file);
  return secret;
}

}  // namespace

std::optional<std::string> read_process_env(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

Config load_config(const EnvReader& env) {
  Reader r(env);
  Config c;
  c.app_env = r.str("APP_ENV");
  if (c.app_env != "development" && c.app_env != "production" && c.app_env != "test") {
    r.fail("APP_ENV=" + c.app_env + ": expected development, production or test");
  }
  c.host = r.str("HOST");
  c.port = r.number<uint16_t>("PORT", 0, 65535);
  c.var_dir = r.str("VAR_DIR");
  c.public_url = r.str("PUBLIC_URL");
  c.region = r.str("REGION");
  c.primary_region = r.str("PRIMARY_REGION");
  c.workers = r.number<unsigned>("WORKERS", 0, 256);
  if (c.workers == 0) c.workers = std::max(1u, std::thread::hardware_concurrency());

  c.database_url = r.str("DATABASE_URL");
  c.database_read_url = r.str("DATABASE_READ_URL");
  c.db_pool_size = r.number<unsigned>("DB_POOL_SIZE", 1, 1000);
  c.db_pool_max_waiters = r.number<unsigned>("DB_POOL_MAX_WAITERS", 0, 1000000);
  c.db_acquire_timeout = std::chrono::milliseconds(r.number<long>("DB_ACQUIRE_TIMEOUT_MS", 1, 600000));
  c.db_token_wait = std::chrono::milliseconds(r.number<long>("DB_TOKEN_WAIT_MS", 0, 60000));
  c.migrate_on_start = r.flag("MIGRATE_ON_START");

  c.jwt_secret = r.str("JWT_SECRET");
  c.jwt_kid = r.str("JWT_KID");
  c.jwt_previous_secret = r.str("JWT_PREVIOUS_SECRET");
  c.jwt_previous_kid = r.str("JWT_PREVIOUS_KID");
  c.access_token_ttl = std::chrono::seconds(r.number<long>("ACCESS_TOKEN_TTL_S", 10, 86400));
  c.refresh_token_ttl = std::chrono::seconds(r.number<long>("REFRESH_TOKEN_TTL_S", 60, 31536000));
  c.refresh_reuse_grace = std::chrono::seconds(r.number<long>("REFRESH_REUSE_GRACE_S", 0, 300));
  c.session_check_ttl = std::chrono::seconds(r.number<long>("SESSION_CHECK_TTL_S", 0, 60));
  c.password_hash_threads = r.number<unsigned>("PASSWORD_HASH_THREADS", 0, 256);
  if (c.password_hash_threads == 0)
    c.password_hash_threads = std::max(1u, std::thread::hardware_concurrency() / 2);
  c.password_hash_queue = r.number<unsigned>("PASSWORD_HASH_QUEUE", 1, 100000);

  c.smtp_url = r.str("SMTP_URL");
  c.smtp_from = r.str("SMTP_FROM");

  c.media_storage = r.str("MEDIA_STORAGE");
  c.media_dir = r.str("MEDIA_DIR");
  if (c.media_dir.empty()) c.media_dir = (std::filesystem::path(c.var_dir) / "media").string();
  c.s3_endpoint = r.str("S3_ENDPOINT");
  c.s3_region = r.str("S3_REGION");
  c.s3_bucket = r.str("S3_BUCKET");
  c.s3_access_key_id = r.str("S3_ACCESS_KEY_ID");
  c.s3_secret_access_key = r.str("S3_SECRET_ACCESS_KEY");
  c.s3_session_token = r.str("S3_SESSION_TOKEN");
  c.s3_force_path_style = r.flag("S3_FORCE_PATH_STYLE");
  if (c.media_storage != "fs" && c.media_storage != "s3") {
    r.fail("MEDIA_STORAGE=" + c.media_storage + ": expected fs or s3");
  }
  if (c.media_storage == "s3") {
    for (const auto& [name, value] :
         {std::pair{"S3_ENDPOINT", &c.s3_endpoint}, std::pair{"S3_BUCKET", &c.s3_bucket},
          std::pair{"S3_ACCESS_KEY_ID", &c.s3_access_key_id},
          std::pair{"S3_SECRET_ACCESS_KEY", &c.s3_secret_access_key}}) {
      if (value->empty()) r.fail(std::string(name) + ": required when MEDIA_STORAGE=s3");
    }
  }

  c.media_url_secret = r.str("MEDIA_URL_SECRET");
  c.media_url_ttl = std::chrono::seconds(r.number<long>("MEDIA_URL_TTL_S", 60, 7L * 24 * 3600));
  c.media_url_signing = r.str("MEDIA_URL_SIGNING");
  c.cdn_url = r.str("CDN_URL");
  c.cloudfront_key_pair_id = r.str("CLOUDFRONT_KEY_PAIR_ID");
  c.cloudfront_private_key = r.str("CLOUDFRONT_PRIVATE_KEY");
  if (c.media_url_signing != "hmac" && c.media_url_signing != "cloudfront") {
    r.fail("MEDIA_URL_SIGNING=" + c.media_url_signing + ": expected hmac or cloudfront");
  }
  if (c.media_url_signing == "cloudfront") {
    for (const auto& [name, value] :
         {std::pair{"CDN_URL", &c.cdn_url}, std::pair{"CLOUDFRONT_KEY_PAIR_ID", &c.cloudfront_key_pair_id},
          std::pair{"CLOUDFRONT_PRIVATE_KEY", &c.cloudfront_private_key}}) {
      if (value->empty()) r.fail(std::string(name) + ": required when MEDIA_URL_SIGNING=cloudfront");
    }
  }
  if (!c.media_url_secret.empty() && c.media_url_secret.size() < 32) {
    r.fail("MEDIA_URL_SECRET: at least 32 characters");
  }
  c.upload_max_bytes = r.number<std::uint64_t>("UPLOAD_MAX_BYTES", 1024, 4ull << 30);
  c.upload_tmp_dir = r.str("UPLOAD_TMP_DIR");
  if (c.upload_tmp_dir.empty()) c.upload_tmp_dir = c.var_dir + "/tmp/uploads";
  c.rate_uploads_per_hour = r.number<unsigned>("RATE_LIMIT_UPLOADS_PER_HOUR", 1, 1000000000);
  c.upload_max_concurrent_per_user = r.number<unsigned>("UPLOAD_CONCURRENT_PER_USER", 1, 1000);
  if (r.str("UPLOAD_SPOOL_MAX_BYTES").empty()) {
    c.upload_spool_max_bytes = 8 * c.upload_max_bytes;
  } else {
    c.upload_spool_max_bytes = r.number<std::uint64_t>("UPLOAD_SPOOL_MAX_BYTES", 2048, 1ull << 50);
    // The last chunk of a resumable upload needs room for itself and the assembled file.
    if (c.upload_spool_max_bytes < 2 * c.upload_max_bytes) {
      r.fail("UPLOAD_SPOOL_MAX_BYTES: at least 2 x UPLOAD_MAX_BYTES (" +
             std::to_string(2 * c.upload_max_bytes) + ")");
    }
  }
  c.upload_spool_min_free_bytes = r.number<std::uint64_t>("UPLOAD_SPOOL_MIN_FREE_BYTES", 0, 1ull << 60);
  c.jobs_in_serve = r.flag("JOBS");
  c.media_jobs_concurrency = r.number<unsigned>("MEDIA_JOBS_CONCURRENCY", 1, 64);
  c.media_jobs_nice = r.number<int>("MEDIA_JOBS_NICE", 0, 19);
  c.jobs_lease = std::chrono::seconds(r.number<long>("JOBS_LEASE_S", 2, 3600));
  c.outbox_retention = std::chrono::hours(r.number<long>("OUTBOX_RETENTION_H", 24, 8760));
  c.jobs_retention = std::chrono::hours(r.number<long>("JOBS_RETENTION_H", 1, 87600));
  c.stripe_secret_key = r.str("STRIPE_SECRET_KEY");
  c.stripe_webhook_secret = r.str("STRIPE_WEBHOOK_SECRET");
  c.stripe_webhook_previous_secret = r.str("STRIPE_WEBHOOK_PREVIOUS_SECRET");
  c.stripe_api_base = r.str("STRIPE_API_BASE");
  while (c.stripe_api_base.ends_with('/')) c.stripe_api_base.pop_back();
  if (!c.stripe_api_base.starts_with("https://") && !c.stripe_api_base.starts_with("http://")) {
    r.fail("STRIPE_API_BASE=" + c.stripe_api_base + ": expected an http(s) URL");
  }
  c.platform_fee_bps = r.number<int>("PLATFORM_FEE_BPS", 0, 5000);

  c.web_dir = r.given("WEB_DIR").value_or(web_dir_beside_binary());
  c.cors_origins = split_list(r.str("CORS_ORIGINS"));
  c.json_body_limit = r.number<std::size_t>("HTTP_JSON_BODY_LIMIT", 1024, 64u << 20);
  c.idle_timeout = std::chrono::seconds(r.number<long>("HTTP_IDLE_TIMEOUT_S", 1, 3600));
  c.read_timeout = std::chrono::seconds(r.number<long>("HTTP_READ_TIMEOUT_S", 1, 3600));
  c.shutdown_grace = std::chrono::seconds(r.number<long>("HTTP_SHUTDOWN_GRACE_S", 0, 3600));
  {
    const std::string raw = r.str("TRUST_PROXY");
    if (raw == "true" || raw == "yes" || raw == "on") {
      c.trust_proxy_hops = 1;
    } else if (raw == "false" || raw == "no" || raw == "off" || raw.empty()) {
      c.trust_proxy_hops = 0;
    } else {
      c.trust_proxy_hops = r.number<unsigned>("TRUST_PROXY", 0, 16);
    }
  }

  c.rate_api_per_min = r.number<unsigned>("RATE_LIMIT_API_PER_MIN", 1, 1000000000);
  c.rate_anon_per_min = r.number<unsigned>("RATE_LIMIT_ANON_PER_MIN", 1, 1000000000);
  c.rate_login_per_min = r.number<unsigned>("RATE_LIMIT_LOGIN_PER_MIN", 1, 1000000000);
  c.rate_media_per_min_ip = r.number<unsigned>("RATE_LIMIT_MEDIA_PER_MIN_IP", 1, 1000000000);
  c.rate_media_per_min_grant = r.number<unsigned>("RATE_LIMIT_MEDIA_PER_MIN_GRANT", 1, 1000000000);
  c.rate_originals_per_min_ip = r.number<unsigned>("RATE_LIMIT_ORIGINALS_PER_MIN_IP", 1, 1000000000);
  c.rate_originals_per_min_grant = r.number<unsigned>("RATE_LIMIT_ORIGINALS_PER_MIN_GRANT", 1, 1000000000);

  c.access_log = r.flag("ACCESS_LOG");
  c.search_baseline = r.flag("SEARCH_BASELINE");
  c.ws_max_connections_per_user = r.number<unsigned>("WS_MAX_CONNECTIONS_PER_USER", 1, 10000);
  c.ws_send_queue_kib = r.number<unsigned>("WS_SEND_QUEUE_KIB", 16, 1048576);
  c.ws_idle_timeout = std::chrono::seconds(r.number<unsigned>("WS_IDLE_TIMEOUT_S", 2, 3600));
  c.ws_messages_per_s = r.number<unsigned>("WS_MESSAGES_PER_S", 1, 100000);
  c.ws_compression = r.flag("WS_COMPRESSION");
  c.redis_url = r.str("REDIS_URL");
  c.log_level = r.str("LOG_LEVEL");
  c.otel_service_name = r.str("OTEL_SERVICE_NAME");
  c.otel_traces_endpoint = r.str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (c.otel_traces_endpoint.empty()) {
    std::string base = r.str("OTEL_EXPORTER_OTLP_ENDPOINT");
    while (base.ends_with('/')) base.pop_back();
    if (!base.empty()) c.otel_traces_endpoint = base + "/v1/traces";
  }
  if (!c.otel_traces_endpoint.empty() && !c.otel_traces_endpoint.starts_with("http://") &&
      !c.otel_traces_endpoint.starts_with("https://")) {
    r.fail("OTEL_EXPORTER_OTLP_ENDPOINT=" + c.otel_traces_endpoint + ": expected an http:// or https:// URL");
  }
  if (c.otel_service_name.empty() || c.otel_service_name.size() > 100) {
    r.fail("OTEL_SERVICE_NAME: 1-100 characters");
  }
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error") {
    r.fail("LOG_LEVEL=" + c.log_level + ": expected debug, info, warn or error");
  }

  if (c.is_production()) {
    const std::string why = " (APP_ENV=production, the default; APP_ENV=development for a local run)";
    if (c.jwt_secret.size() < 32) r.fail("JWT_SECRET: required in production, at least 32 characters" + why);
    if (c.database_url.empty()) r.fail("DATABASE_URL: required in production" + why);
    if (c.media_url_secret.size() < 32)
      r.fail("MEDIA_URL_SECRET: required in production, at least 32 characters" + why);
    // The sandbox takes no money and its checkout grants paid tiers: never in production.
    if (!c.stripe_enabled())
      r.fail("STRIPE_SECRET_KEY: required in production; the payments sandbox is for development" + why);
    if (c.stripe_enabled() && c.stripe_webhook_secret.empty())
      r.fail("STRIPE_WEBHOOK_SECRET: required in production when STRIPE_SECRET_KEY is set");
    if (c.search_baseline)
      r.fail("SEARCH_BASELINE: the naive search of bench/search, never in production" + why);
  }
  if (!c.jwt_secret.empty() && c.jwt_secret.size() < 32) {
    r.fail("JWT_SECRET: at least 32 characters");
  }

  if (const std::string errors = r.errors(); !errors.empty()) {
    throw std::runtime_error("invalid configuration:\n" + errors);
  }
  return c;
}

void resolve_secrets(Config& c) {
  if (c.jwt_secret.empty()) {
    if (c.is_production()) throw std::runtime_error("JWT_SECRET is required in production");
    c.jwt_secret = load_or_create_secret(std::filesystem::path(c.var_dir) / "secrets" / "jwt_secret");
  }
  if (c.jwt_kid.empty()) c.jwt_kid = derive_kid(c.jwt_secret);
  if (c.media_url_secret.empty()) {
    if (c.is_production()) throw std::runtime_error("MEDIA_URL_SECRET is required in production");
    c.media_url_secret =
        load_or_create_secret(std::filesystem::path(c.var_dir) / "secrets" / "media_url_secret");
  }
  if (c.stripe_webhook_secret.empty()) {
    // Only development and test get here (production requires Stripe and its webhook secret): the
    // sandbox signs its own events, so a generated secret under var_dir is what it should use.
    const auto file = std::filesystem::path(c.var_dir) / "secrets" / "stripe_webhook_secret";
    std::string s = load_or_create_secret(file);
    c.stripe_webhook_secret = s.starts_with("whsec_") ? s : "whsec_" + s;
  }
  if (!c.jwt_previous_secret.empty() && c.jwt_previous_kid.empty()) {
    c.jwt_previous_kid = derive_kid(c.jwt_previous_secret);
  }
}

std::string config_help() {
  std::ostringstream out;
  out << "Usage: musicconnect serve\n\n"
         "Runs the HTTP API, the web app and the background relay. Configuration comes from the\n"
         "environment; every variable, with its default:\n\n";
  // The description column starts after the longest name and two spaces, so no name runs into
  // its description (RATE_LIMIT_UPLOADS_PER_HOUR is 27 characters).
  std::size_t width = 0;
  for (const auto& v : kVars) width = std::max(width, std::string_view(v.name).size());
  const std::string indent(2 + width + 2, ' ');
  for (const auto& v : kVars) {
    out << "  " << v.name << std::string(width + 2 - std::string_view(v.name).size(), ' ');
    out << v.description << "\n";
    out << indent << "default: " << (*v.default_value ? v.default_value : "(empty)") << "\n";
  }
  return out.str();
}

}  // namespace mc
