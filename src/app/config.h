// Configuration: defaults, then a TOML file (--config), then AU_* environment variables,
// then command-line flags; each layer overrides the previous one.
#pragma once

#include <string>

namespace au::app {

struct Config {
  std::string database_url = "sqlite:var/accesso-unico.db";
  std::string listen = "127.0.0.1:8080";
  std::string base_url;           // canonical origin; default "http://" + listen
  std::string share_dir;          // migrations/, templates/, static/, docs/, data/ (default: the source tree)
  std::string assets_dir;         // node_modules/ with bootstrap-italia (default: share_dir/node_modules)
  std::string index_dir = "var/search-index";
  unsigned threads = 0;           // 0 = one per core
  std::string log_level = "info";
  std::size_t db_pool = 8;
  // SQLite PRAGMA synchronous (AU_SQLITE_SYNCHRONOUS): FULL = a 2xx of the ingest survives a
  // power loss; NORMAL only a crash of the process (measured in docs/BENCHMARKS.md).
  std::string sqlite_synchronous = "FULL";
  // Benchmark baseline (AU_INGEST_NAIVE=1): the ingest commits one transaction per event.
  bool ingest_naive = false;
  // Login through the regional OpenID provider (LoginUmbria); empty issuer: login disabled.
  std::string oidc_issuer;
  std::string oidc_client_id = "accesso-unico";
  std::string oidc_client_secret;  // from AU_OIDC_CLIENT_SECRET or the file; never logged
  std::string oidc_fiscal_code_claim = "https://attributes.eid.gov.it/fiscal_number";
  std::string oidc_scopes = "openid profile email";
  bool oidc_demo = false;          // the provider is the local demo one: the login page says so
  // Limits given to each newly registered API application.
  double api_rate_per_second = 10;
  long api_burst = 20;
  long api_daily_quota = 10000;
  // `serve` also runs the practices hub's background work (webhook deliveries, status-feed
  // polling); off for nodes that only answer requests (AU_BACKGROUND_WORKERS=0).
  bool background_workers = true;
  // Webhook dispatcher overrides (AU_WEBHOOK_*), 0 = the WebhookSettings default: tests use
  // short delays instead of a 30 s backoff base.
  long webhook_backoff_base_ms = 0;
  long webhook_timeout_ms = 0;
  int webhook_max_attempts = 0;
  // Notifications: channels and the worker ([notifications] in TOML; AU_SMTP_*, AU_IO_*,
  // AU_SMS_*, AU_NOTIFY_* in the environment). A channel without its URL is not configured.
  // Timing overrides: 0 = the default of notify::WorkerSettings / domain::RetryPolicy (tests
  // shorten them).
  struct Notifications {
    std::string smtp_url, smtp_from = "noreply@umbriasemplice.it", smtp_from_name = "UmbriaSemplice";
    std::string smtp_username, smtp_password, smtp_ca_file;
    bool smtp_require_tls = false;
    std::string io_base_url, io_api_key;
    std::string sms_url, sms_token, sms_sender = "Umbria";
    unsigned threads = 4;
    long channel_timeout_ms = 10'000;
    bool webhook_private_networks = false;  // people's webhooks may reach internal addresses (tests)
    long retry_base_ms = 0, retry_cap_ms = 0, give_up_after_ms = 0, poll_ms = 0, scheduler_ms = 0, lease_ms = 0;
    std::string reminder_days = "[7, 1]";
  } notify;
};

// Reads the TOML file when path is not empty (throws std::runtime_error with the file's error),
// then applies the environment.
Config load_config(const std::string& toml_path);
// Splits "host:port"; throws std::invalid_argument.
void split_listen(const std::string& listen, std::string& host, unsigned short& port);

}  // namespace au::app
