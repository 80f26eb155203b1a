// The running service: opens the database and the search index, loads assets, templates and
// the catalogue snapshot, and routes every request to the portal, the API or the health and
// metrics endpoints. The commands of cli.cpp are built on it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "api/api.h"
#include "api/identity_api.h"
#include "api/interop_api.h"
#include "api/practices_api.h"
#include "identity/api_access.h"
#include "identity/caller.h"
#include "identity/delegations.h"
#include "identity/oidc_client.h"
#include "identity/sessions.h"
#include "portal/account_pages.h"
#include "portal/practice_pages.h"
#include "practices/backoffice_registry.h"
#include "practices/ingest.h"
#include "practices/status_feed.h"
#include "practices/webhooks.h"
#include "api/messages_api.h"
#include "api/notifications_api.h"
#include "api/webhooks_api.h"
#include "notify/notification_service.h"
#include "portal/notification_pages.h"
#include "portal/developer_pages.h"
#include "app/config.h"
#include "app/metrics.h"
#include "domain/catalog_snapshot.h"
#include "portal/portal.h"
#include "portal/templates.h"
#include "search/search_index.h"
#include "store/database.h"
#include "web/assets.h"
#include "web/http.h"

namespace au::app {

class Application {
 public:
  explicit Application(Config config);
  ~Application();

  store::Database& db() { return *db_; }
  // Applies pending migrations; returns how many.
  int migrate();
  // Current snapshot; reloaded when the database's catalogue generation moved (another
  // process imported, or this one did).
  std::shared_ptr<const domain::CatalogSnapshot> catalog();
  // Rebuilds the search index from the current catalogue.
  void reindex(const std::function<void(std::size_t, std::size_t)>& progress = {});
  // Opens everything `serve` needs (assets, templates, index) and returns the request handler.
  web::Handler handler();
  const Config& config() const { return config_; }
  // Identity services (also used by the CLI); created by the constructor.
  identity::ApiAccess& api_access() { return *access_; }
  // The practices hub (also used by the CLI and the status-feed poller).
  practices::BackofficeRegistry& backoffice() { return *backoffice_; }
  practices::IngestService& ingest() { return *ingest_; }
  // Notifications: templates, fan-out, scheduler and delivery workers (also `worker`).
  notify::NotificationService& notifications() { return *notifications_; }
  // Webhook deliveries and status-feed polling, in this process (serve, unless configured off).
  void start_background_workers();
  void stop_background_workers();

 private:
  web::Response dispatch(const web::Request& req);
  web::Response route(const web::Request& req, const identity::Caller& caller);
  // Establishes who is calling: a bearer token (API) or a session cookie (pages); an invalid
  // or throttled token ends the request here with 401 or 429 (returned in `early`).
  identity::Caller identify(const web::Request& req, std::optional<web::Response>& early, identity::MeterResult& meter);
  web::Response status_endpoint();
  void refresh_if_stale();

  Config config_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<search::SearchIndex> search_;
  web::AssetManifest assets_;
  portal::TemplateSet templates_;
  std::unique_ptr<portal::Portal> portal_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<identity::OidcClient> oidc_;  // null when no provider is configured
  std::unique_ptr<identity::SessionManager> sessions_;
  std::unique_ptr<identity::ApiAccess> access_;
  std::unique_ptr<identity::DelegationService> delegations_;
  std::unique_ptr<portal::AccountPages> account_pages_;
  std::unique_ptr<portal::PracticePages> practice_pages_;
  std::unique_ptr<portal::DeveloperPages> developer_pages_;
  std::unique_ptr<api::IdentityApi> identity_api_;
  std::unique_ptr<practices::BackofficeRegistry> backoffice_;
  std::unique_ptr<practices::IngestService> ingest_;
  std::unique_ptr<api::InteropApi> interop_api_;
  std::unique_ptr<api::PracticesApi> practices_api_;
  std::unique_ptr<practices::WebhookDispatcher> webhooks_;
  std::unique_ptr<practices::StatusFeedPoller> feed_poller_;
  std::unique_ptr<api::WebhooksApi> webhooks_api_;
  std::unique_ptr<notify::NotificationService> notifications_;
  std::unique_ptr<api::MessagesApi> messages_api_;
  std::unique_ptr<api::NotificationsApi> notifications_api_;
  std::unique_ptr<portal::NotificationPages> notification_pages_;
  Metrics metrics_;
  std::mutex snapshot_mutex_;   // guards snapshot_ (held only to copy the pointer)
  std::mutex reload_mutex_;     // one catalogue reload (and index rebuild) at a time
  std::shared_ptr<const domain::CatalogSnapshot> snapshot_;
  std::atomic<std::int64_t> last_check_ms_{0};
  std::uint64_t indexed_generation_ = 0;  // written under reload_mutex_ (or before serving)
};

// The search documents of a catalogue: each service and each local variant.
std::vector<search::SearchDoc> search_documents(const domain::CatalogSnapshot& cat);

}  // namespace au::app
