#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mc {

// Every setting the server reads, loaded once at start from the environment and validated.
struct Config {
  std::string app_env;  // development | production | test
  std::string host;
  uint16_t port = 8080;
  std::string var_dir;
  std::string public_url;
  std::string region;
  std::string primary_region;
  unsigned workers = 0;

  std::string database_url;       // empty: embedded PostgreSQL under var_dir
  std::string database_read_url;  // empty: reads go to the writer
  unsigned db_pool_size = 16;
  unsigned db_pool_max_waiters = 1024;
  std::chrono::milliseconds db_acquire_timeout{2000};
  std::chrono::milliseconds db_token_wait{50};
  bool migrate_on_start = true;

  std::string jwt_secret;
  std::string jwt_kid;
  std::string jwt_previous_secret;
  std::string jwt_previous_kid;
  std::chrono::seconds access_token_ttl{900};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};

  std::string smtp_url;
  std::string smtp_from;

  std::string media_storage;  // fs | s3
  std::string media_dir;      // fs root (default VAR_DIR/media)
  std::string s3_endpoint;
  std::string s3_region;
  std::string s3_bucket;
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
  std::string s3_session_token;
  bool s3_force_path_style = false;

  std::string media_url_secret;
  std::chrono::seconds media_url_ttl{21600};
  std::string media_url_signing;  // hmac | cloudfront
  std::string cdn_url;
  std::string cloudfront_key_pair_id;
  std::string cloudfront_private_key;
  std::uint64_t upload_max_bytes = 500ull << 20;
  std::string upload_tmp_dir;
  unsigned rate_uploads_per_hour = 100;
  unsigned upload_max_concurrent_per_user = 3;
  std::uint64_t upload_spool_max_bytes = 8 * (500ull << 20);
  std::uint64_t upload_spool_min_free_bytes = 1ull << 30;
  bool jobs_in_serve = true;
  unsigned media_jobs_concurrency = 1;
  std::chrono::seconds jobs_lease{60};
  std::chrono::hours outbox_retention{72};  // ≥ 24 h: reconnecting clients recover from the outbox
  std::chrono::hours jobs_retention{336};
  std::chrono::seconds refresh_reuse_grace{20};
  std::chrono::milliseconds session_check_ttl{5000};  // per-process cache of session liveness
  unsigned password_hash_threads = 1;                 // argon2id's own pool
  unsigned password_hash_queue = 64;                  // jobs waiting or running before 503
  int media_jobs_nice = 10;
  // Payments: Stripe when stripe_secret_key is set, else the offline sandbox (docs/payments.md).
  std::string stripe_secret_key;
  std::string stripe_webhook_secret;           // generated under var_dir in development
  std::string stripe_webhook_previous_secret;  // still accepted while rotating
  std::string stripe_api_base;
  int platform_fee_bps = 1000;

  std::string web_dir;  // the built SPA; unset: found beside the binary; empty: API only
  std::vector<std::string> cors_origins;
  std::size_t json_body_limit = 1 << 20;
  std::chrono::seconds idle_timeout{75};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds shutdown_grace{20};
  // Proxies in front of us that append to X-Forwarded-For (0: the socket peer is the client).
  unsigned trust_proxy_hops = 0;

  unsigned rate_api_per_min = 600;
  unsigned rate_anon_per_min = 300;
  unsigned rate_login_per_min = 10;
  // Media is CDN traffic (SPEC §5): its own budgets, high enough for playback behind a shared address.
  unsigned rate_media_per_min_ip = 6000;
  unsigned rate_media_per_min_grant = 1200;
  unsigned rate_originals_per_min_ip = 120;
  unsigned rate_originals_per_min_grant = 60;

  // The WebSocket gateway (docs/realtime.md).
  unsigned ws_max_connections_per_user = 10;
  unsigned ws_send_queue_kib = 1024;
  std::chrono::seconds ws_idle_timeout{40};
  unsigned ws_messages_per_s = 20;
  bool ws_compression = false;
  std::string redis_url;  // empty: real-time fan-out within this process only

  bool access_log = true;
  bool search_baseline = false;  // bench/search: the naive ILIKE search; refused in production
  std::string log_level;

  // Tracing (docs/observability.md): spans go over OTLP/HTTP (JSON) to this URL; empty: no export.
  std::string otel_traces_endpoint;
  std::string otel_service_name;

  bool is_production() const { return app_env == "production"; }
  bool is_development() const { return app_env == "development"; }
  bool embedded_database() const { return database_url.empty(); }
  bool stripe_enabled() const { return !stripe_secret_key.empty(); }
};

using EnvReader = std::function<std::optional<std::string>(const std::string&)>;

// Reads the process environment.
std::optional<std::string> read_process_env(const std::string& name);

// Builds the configuration; throws std::runtime_error naming every invalid variable.
Config load_config(const EnvReader& env);

// Secrets that development generates once and keeps under var_dir (production requires them set).
void resolve_secrets(Config& config);

// The `serve --help` text: every variable, its default and what it does.
std::string config_help();

}  // namespace mc
