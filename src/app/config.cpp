#include "app/config.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <toml++/toml.h>

#ifndef AU_DEFAULT_SHARE_DIR
#define AU_DEFAULT_SHARE_DIR "."
#endif

namespace au::app {

namespace {
void from_env(const char* name, std::string& out) {
  if (const char* v = std::getenv(name); v && *v) out = v;
}
void from_env(const char* name, long& out) {
  if (const char* v = std::getenv(name); v && *v) out = std::stol(v);
}
void from_env(const char* name, bool& out) {
  if (const char* v = std::getenv(name); v && *v) out = std::string(v) == "1" || std::string(v) == "true";
}

void read_notifications(const toml::table& t, Config::Notifications& n) {
  auto s = t["notifications"];
  n.smtp_url = s["smtp_url"].value_or(n.smtp_url);
  n.smtp_from = s["smtp_from"].value_or(n.smtp_from);
  n.smtp_from_name = s["smtp_from_name"].value_or(n.smtp_from_name);
  n.smtp_username = s["smtp_username"].value_or(n.smtp_username);
  n.smtp_password = s["smtp_password"].value_or(n.smtp_password);
  n.smtp_ca_file = s["smtp_ca_file"].value_or(n.smtp_ca_file);
  n.smtp_require_tls = s["smtp_require_tls"].value_or(n.smtp_require_tls);
  n.io_base_url = s["io_base_url"].value_or(n.io_base_url);
  n.io_api_key = s["io_api_key"].value_or(n.io_api_key);
  n.sms_url = s["sms_url"].value_or(n.sms_url);
  n.sms_token = s["sms_token"].value_or(n.sms_token);
  n.sms_sender = s["sms_sender"].value_or(n.sms_sender);
  n.threads = s["threads"].value_or(n.threads);
  n.webhook_private_networks = s["webhook_private_networks"].value_or(n.webhook_private_networks);
  n.reminder_days = s["reminder_days"].value_or(n.reminder_days);
}

void notifications_from_env(Config::Notifications& n) {
  from_env("AU_SMTP_URL", n.smtp_url);
  from_env("AU_SMTP_FROM", n.smtp_from);
  from_env("AU_SMTP_USERNAME", n.smtp_username);
  from_env("AU_SMTP_PASSWORD", n.smtp_password);
  from_env("AU_SMTP_CA_FILE", n.smtp_ca_file);
  from_env("AU_SMTP_REQUIRE_TLS", n.smtp_require_tls);
  from_env("AU_IO_BASE_URL", n.io_base_url);
  from_env("AU_IO_API_KEY", n.io_api_key);
  from_env("AU_SMS_URL", n.sms_url);
  from_env("AU_SMS_TOKEN", n.sms_token);
  from_env("AU_SMS_SENDER", n.sms_sender);
  long threads = n.threads;
  from_env("AU_NOTIFY_THREADS", threads);
  n.threads = static_cast<unsigned>(std::max(1L, threads));
  from_env("AU_NOTIFY_CHANNEL_TIMEOUT_MS", n.channel_timeout_ms);
  from_env("AU_NOTIFY_WEBHOOK_PRIVATE_NETWORKS", n.webhook_private_networks);
  from_env("AU_NOTIFY_RETRY_BASE_MS", n.retry_base_ms);
  from_env("AU_NOTIFY_RETRY_CAP_MS", n.retry_cap_ms);
  from_env("AU_NOTIFY_GIVE_UP_MS", n.give_up_after_ms);
  from_env("AU_NOTIFY_POLL_MS", n.poll_ms);
  from_env("AU_NOTIFY_SCHEDULER_MS", n.scheduler_ms);
  from_env("AU_NOTIFY_LEASE_MS", n.lease_ms);
  from_env("AU_REMINDER_DAYS", n.reminder_days);
}
}  // namespace

Config load_config(const std::string& toml_path) {
  Config c;
  c.share_dir = AU_DEFAULT_SHARE_DIR;
  if (!toml_path.empty()) {
    toml::table t;
    try {
      t = toml::parse_file(toml_path);
    } catch (const toml::parse_error& e) {
      throw std::runtime_error("configurazione " + toml_path + " non valida: " + std::string(e.description()));
    }
    c.database_url = t["database"]["url"].value_or(c.database_url);
    c.db_pool = t["database"]["pool"].value_or(c.db_pool);
    c.sqlite_synchronous = t["database"]["sqlite_synchronous"].value_or(c.sqlite_synchronous);
    c.listen = t["server"]["listen"].value_or(c.listen);
    c.base_url = t["server"]["base_url"].value_or(c.base_url);
    c.threads = t["server"]["threads"].value_or(c.threads);
    c.share_dir = t["paths"]["share"].value_or(c.share_dir);
    c.assets_dir = t["paths"]["assets"].value_or(c.assets_dir);
    c.index_dir = t["paths"]["search_index"].value_or(c.index_dir);
    c.log_level = t["log"]["level"].value_or(c.log_level);
    c.oidc_issuer = t["login"]["issuer"].value_or(c.oidc_issuer);
    c.oidc_client_id = t["login"]["client_id"].value_or(c.oidc_client_id);
    c.oidc_client_secret = t["login"]["client_secret"].value_or(c.oidc_client_secret);
    c.oidc_fiscal_code_claim = t["login"]["fiscal_code_claim"].value_or(c.oidc_fiscal_code_claim);
    c.oidc_scopes = t["login"]["scopes"].value_or(c.oidc_scopes);
    c.oidc_demo = t["login"]["demo"].value_or(c.oidc_demo);
    c.api_rate_per_second = t["api"]["rate_per_second"].value_or(c.api_rate_per_second);
    c.api_burst = t["api"]["burst"].value_or(c.api_burst);
    c.api_daily_quota = t["api"]["daily_quota"].value_or(c.api_daily_quota);
    c.background_workers = t["workers"]["enabled"].value_or(c.background_workers);
    read_notifications(t, c.notify);
  }
  notifications_from_env(c.notify);
  from_env("AU_DATABASE_URL", c.database_url);
  from_env("AU_LISTEN", c.listen);
  from_env("AU_BASE_URL", c.base_url);
  from_env("AU_SHARE_DIR", c.share_dir);
  from_env("AU_ASSETS_DIR", c.assets_dir);
  from_env("AU_SEARCH_INDEX", c.index_dir);
  from_env("AU_LOG_LEVEL", c.log_level);
  from_env("AU_OIDC_ISSUER", c.oidc_issuer);
  from_env("AU_OIDC_CLIENT_ID", c.oidc_client_id);
  from_env("AU_OIDC_CLIENT_SECRET", c.oidc_client_secret);
  from_env("AU_OIDC_FISCAL_CODE_CLAIM", c.oidc_fiscal_code_claim);
  from_env("AU_OIDC_SCOPES", c.oidc_scopes);
  from_env("AU_SQLITE_SYNCHRONOUS", c.sqlite_synchronous);
  std::string naive;
  from_env("AU_INGEST_NAIVE", naive);
  if (!naive.empty()) c.ingest_naive = naive == "1" || naive == "true";
  std::string demo;
  from_env("AU_OIDC_DEMO", demo);
  if (!demo.empty()) c.oidc_demo = demo == "1" || demo == "true";
  std::string number;
  from_env("AU_API_RATE_PER_SECOND", number);
  if (!number.empty()) c.api_rate_per_second = std::stod(number);
  number.clear();
  from_env("AU_API_BURST", number);
  if (!number.empty()) c.api_burst = std::stol(number);
  number.clear();
  from_env("AU_API_DAILY_QUOTA", number);
  if (!number.empty()) c.api_daily_quota = std::stol(number);
  std::string workers;
  from_env("AU_BACKGROUND_WORKERS", workers);
  if (!workers.empty()) c.background_workers = workers != "0" && workers != "false";
  number.clear();
  from_env("AU_WEBHOOK_BACKOFF_BASE_MS", number);
  if (!number.empty()) c.webhook_backoff_base_ms = std::stol(number);
  number.clear();
  from_env("AU_WEBHOOK_TIMEOUT_MS", number);
  if (!number.empty()) c.webhook_timeout_ms = std::stol(number);
  number.clear();
  from_env("AU_WEBHOOK_MAX_ATTEMPTS", number);
  if (!number.empty()) c.webhook_max_attempts = std::stoi(number);
  std::string threads;
  from_env("AU_THREADS", threads);
  if (!threads.empty()) c.threads = static_cast<unsigned>(std::stoul(threads));
  return c;
}

void split_listen(const std::string& listen, std::string& host, unsigned short& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) throw std::invalid_argument("indirizzo di ascolto non valido (atteso HOST:PORTA): " + listen);
  host = listen.substr(0, colon);
  int p = 0;
  try {
    p = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    p = -1;
  }
  if (p < 0 || p > 65535) throw std::invalid_argument("porta non valida in " + listen);
  port = static_cast<unsigned short>(p);
}

}  // namespace au::app
