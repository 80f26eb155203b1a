#include "app/application.h"

#include <spdlog/spdlog.h>

#include <malloc.h>

#include <chrono>
#include <unistd.h>

#include "portal/markdown.h"
#include "app/notification_settings.h"
#include "app/practice_commands.h"
#include "notify/outbox.h"
#include "store/catalog_repository.h"
#include "store/webhook_repository.h"
#include "store/migrations.h"
#include "web/gzip.h"
#include "web/problem.h"

namespace au::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// Whether the current ingest transaction must queue webhook deliveries: set by the ingest's
// outbox_wanted hook, read by on_stored on the same (writer) thread.
bool& webhook_outbox_wanted() {
  thread_local bool wanted = false;
  return wanted;
}

// "<host>:<pid>": who made a delivery attempt, in notification_attempts.
std::string node_label() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + ":" + std::to_string(::getpid());
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string plain(const std::string& md) { return portal::markdown_to_text(md, 100000); }

// Browsers drop Secure cookies over plain HTTP except on the loopback host: only there may the
// session cookie go without Secure (and without the __Host- prefix, which requires it).
bool plain_http_localhost(const std::string& base_url) {
  for (const char* prefix : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    std::string p = prefix;
    if (base_url.rfind(p, 0) == 0 && (base_url.size() == p.size() || base_url[p.size()] == ':' || base_url[p.size()] == '/'))
      return true;
  }
  return false;
}
}  // namespace

std::vector<search::SearchDoc> search_documents(const domain::CatalogSnapshot& cat) {
  std::vector<search::SearchDoc> docs;
  auto comuni = cat.comuni();
  for (const auto& s : cat.services()) {
    search::SearchDoc d;
    d.doc_id = "svc:" + s.id;
    d.service_id = s.id;
    d.slug = s.slug;
    d.title = s.title;
    d.summary = s.summary;
    const auto& t = s.texts;
    for (const auto* part : {&t.description, &t.addressed, &t.how_to, &t.needed, &t.achieved, &t.calendar, &t.costs,
                             &t.access, &t.conditions})
      d.body += plain(*part) + "\n";
    for (const auto& m : t.more) d.body += m.title + "\n" + plain(m.markdown) + "\n";
    d.keywords = s.keywords;
    d.category = s.category;
    d.audience = s.audience;
    d.ente = s.competent_ente_id;
    d.life_events = s.life_events;
    for (const auto* c : comuni) {
      if (!cat.offered_in(s, *c)) continue;
      // A variant carries what is local (comune, its own texts); the shared reference text is
      // indexed once, in the service's own document, so the index does not grow with it × comuni.
      search::SearchDoc v;
      v.doc_id = "var:" + s.id + ":" + c->id;
      v.service_id = s.id;
      v.slug = s.slug;
      v.comune_slug = c->slug;
      v.title = s.title + " - " + c->name;
      v.summary = s.summary;
      v.keywords = s.keywords;
      v.keywords.push_back(c->name);
      v.category = s.category;
      v.audience = s.audience;
      v.ente = c->id;
      v.life_events = s.life_events;
      if (const auto* local = cat.variant(s.id, c->id)) {
        if (!local->summary.empty()) v.summary = local->summary;
        v.body = plain(local->how_to) + "\n" + plain(local->costs_text);
      }
      docs.push_back(std::move(v));
    }
    docs.push_back(std::move(d));
  }
  return docs;
}

Application::Application(Config config) : config_(std::move(config)) {
  if (config_.base_url.empty()) config_.base_url = "http://" + config_.listen;
  if (config_.assets_dir.empty()) config_.assets_dir = config_.share_dir + "/node_modules";
  auto db_url = store::parse_database_url(config_.database_url);
  db_url.sqlite_synchronous = config_.sqlite_synchronous;
  db_ = std::make_unique<store::Database>(db_url, config_.db_pool);
  identity::SessionSettings ss;
  ss.secure_cookie = !plain_http_localhost(config_.base_url);
  sessions_ = std::make_unique<identity::SessionManager>(*db_, ss);
  identity::ApiAccessSettings as;
  as.issuer = config_.base_url;
  as.audience = config_.base_url + "/api/v1";
  as.token_endpoint = config_.base_url + "/oauth/token";
  as.default_rate = {config_.api_rate_per_second, static_cast<double>(config_.api_burst)};
  as.default_daily_quota = config_.api_daily_quota;
  access_ = std::make_unique<identity::ApiAccess>(*db_, as);
  delegations_ = std::make_unique<identity::DelegationService>(*db_);
  backoffice_ = std::make_unique<practices::BackofficeRegistry>(*db_);
  practices::IngestSettings ingest_settings;
  ingest_settings.naive = config_.ingest_naive;
  ingest_ = std::make_unique<practices::IngestService>(*db_, [this] { return catalog(); }, ingest_settings);
  // Outboxes, in the transaction that stores the event: the person's messages always, webhook
  // deliveries when some subscription exists (asked once per transaction, on the writer's thread).
  ingest_->set_outbox_wanted([](soci::session& tx) {
    webhook_outbox_wanted() = store::any_active_webhook_subscription(tx);
    return true;
  });
  ingest_->set_on_stored([](soci::session& tx, const store::StoredEvent& e, const store::PracticeRecord& p) {
    if (webhook_outbox_wanted())
      store::enqueue_webhook_deliveries(tx, {e.sequence, p.ente_id, p.applicant, p.intermediary, e.type, e.received_at});
    notify::enqueue_event_messages(tx, e, p);
  });
  practices::WebhookSettings webhook_settings;
  if (config_.webhook_backoff_base_ms > 0) webhook_settings.backoff_base = std::chrono::milliseconds(config_.webhook_backoff_base_ms);
  if (config_.webhook_timeout_ms > 0) webhook_settings.timeout = std::chrono::milliseconds(config_.webhook_timeout_ms);
  if (config_.webhook_max_attempts > 0) webhook_settings.max_attempts = config_.webhook_max_attempts;
  webhooks_ = std::make_unique<practices::WebhookDispatcher>(*db_, webhook_settings);
  notifications_ = std::make_unique<notify::NotificationService>(
      *db_, [this] { return catalog(); }, notification_settings(config_, node_label()));
  ingest_->set_after_commit([this] {
    webhooks_->wake();
    notifications_->wake();
  });
  ingest_->start();
  if (!config_.oidc_issuer.empty()) {
    identity::OidcSettings os;
    os.issuer = config_.oidc_issuer;
    os.client_id = config_.oidc_client_id;
    os.client_secret = config_.oidc_client_secret;
    os.redirect_uri = config_.base_url + "/auth/callback";
    os.post_logout_redirect_uri = config_.base_url + "/";
    os.fiscal_code_claim = config_.oidc_fiscal_code_claim;
    os.scopes = config_.oidc_scopes;
    os.demo = config_.oidc_demo;
    oidc_ = std::make_unique<identity::OidcClient>(os);
  }
}

Application::~Application() {
  stop_background_workers();
  // The writer thread commits what is queued before the database goes away.
  if (ingest_) ingest_->stop();
}

void Application::start_background_workers() {
  if (!config_.background_workers) return;
  webhooks_->start();
  notifications_->start();
  if (!feed_poller_) feed_poller_ = std::make_unique<practices::StatusFeedPoller>(*db_, make_feed_submitter(*this));
  feed_poller_->start();
}

void Application::stop_background_workers() {
  if (notifications_) notifications_->stop();
  if (feed_poller_) feed_poller_->stop();
  if (webhooks_) webhooks_->stop();
}

int Application::migrate() {
  return store::apply_migrations(*db_, store::load_migrations(fs::path(config_.share_dir) / "migrations"));
}

void Application::refresh_if_stale() {
  // Ask the database at most once a second whether another process changed the catalogue.
  std::int64_t now = now_ms();
  std::int64_t last = last_check_ms_.load();
  bool have_snapshot = false;
  {
    std::lock_guard lock(snapshot_mutex_);
    have_snapshot = snapshot_ != nullptr;
  }
  if (have_snapshot && (now - last < 1000 || !last_check_ms_.compare_exchange_strong(last, now))) return;
  std::uint64_t generation = store::current_generation(*db_);
  {
    std::lock_guard lock(snapshot_mutex_);
    if (snapshot_ && snapshot_->generation() == generation) return;
  }
  // One reloader at a time; meanwhile the other requests keep serving the previous snapshot
  // and the previous index (the rebuild swaps it atomically when done).
  std::lock_guard reload(reload_mutex_);
  {
    std::lock_guard lock(snapshot_mutex_);
    if (snapshot_ && snapshot_->generation() == generation) return;
  }
  auto fresh = store::load_snapshot(*db_);
  spdlog::info("catalogo caricato: generazione {}, {} servizi, {} enti", fresh->generation(), fresh->services().size(),
               fresh->enti().size());
  if (search_ && indexed_generation_ != fresh->generation()) {
    search_->rebuild(search_documents(*fresh));
    indexed_generation_ = fresh->generation();
  }
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = std::move(fresh);
  }
  // Loading and indexing leave tens of MB of freed heap that glibc keeps; give it back, so an
  // idle node stays small (docs/BENCHMARKS.md, memory).
  malloc_trim(0);
}

std::shared_ptr<const domain::CatalogSnapshot> Application::catalog() {
  refresh_if_stale();
  {
    std::lock_guard lock(snapshot_mutex_);
    if (snapshot_) return snapshot_;
  }
  std::lock_guard reload(reload_mutex_);  // first load still running in another thread: wait for it
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void Application::reindex(const std::function<void(std::size_t, std::size_t)>& progress) {
  auto cat = catalog();  // before opening the index, so loading it does not also rebuild it
  if (!search_) search_ = std::make_unique<search::SearchIndex>(config_.index_dir);
  search_->rebuild(search_documents(*cat), progress);
  indexed_generation_ = cat->generation();
}

web::Handler Application::handler() {
  fs::path share(config_.share_dir), bi(fs::path(config_.assets_dir) / "bootstrap-italia" / "dist");
  std::vector<web::AssetSource> sources = {
      {"bi_css", bi / "css/bootstrap-italia.min.css", ""},
      {"bi_js", bi / "js/bootstrap-italia.bundle.min.js", ""},
      {"sprites", bi / "svg/sprites.svg", ""},
      {"fonts/titillium-web-300.woff2", bi / "fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-300.woff2", "titillium-web-300.woff2"},
      {"fonts/titillium-web-regular.woff2", bi / "fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff2", "titillium-web-regular.woff2"},
      {"fonts/titillium-web-italic.woff2", bi / "fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-italic.woff2", "titillium-web-italic.woff2"},
      {"fonts/titillium-web-600.woff2", bi / "fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-600.woff2", "titillium-web-600.woff2"},
      {"fonts/titillium-web-700.woff2", bi / "fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-700.woff2", "titillium-web-700.woff2"},
      {"fonts/lora-regular.woff2", bi / "fonts/Lora/lora-v20-latin-ext_latin-regular.woff2", "lora-regular.woff2"},
      {"fonts/lora-700.woff2", bi / "fonts/Lora/lora-v20-latin-ext_latin-700.woff2", "lora-700.woff2"},
      {"fonts/roboto-mono-regular.woff2", bi / "fonts/Roboto_Mono/roboto-mono-v13-latin-ext_latin-regular.woff2", "roboto-mono-regular.woff2"},
      {"fonts/roboto-mono-700.woff2", bi / "fonts/Roboto_Mono/roboto-mono-v13-latin-ext_latin-700.woff2", "roboto-mono-700.woff2"},
      {"fonts_css", share / "static/css/fonts.css", ""},
      {"app_css", share / "static/css/app.css", ""},
      {"app_js", share / "static/js/app.js", ""},
  };
  assets_.load(sources);
  templates_.load(share / "templates");
  search_ = std::make_unique<search::SearchIndex>(config_.index_dir);
  auto provider = [this] { return catalog(); };
  portal_ = std::make_unique<portal::Portal>(
      portal::PortalDeps{db_.get(), search_.get(), &assets_, &templates_, config_.base_url, provider});
  api_ = std::make_unique<api::Api>(api::ApiDeps{search_.get(), db_.get(), config_.base_url, share / "docs/openapi.yaml", provider});
  account_pages_ = std::make_unique<portal::AccountPages>(portal::AccountDeps{
      db_.get(), &portal_->renderer(), sessions_.get(), oidc_.get(), delegations_.get(), provider});
  practice_pages_ = std::make_unique<portal::PracticePages>(portal::PracticePagesDeps{db_.get(), &portal_->renderer(), provider});
  developer_pages_ = std::make_unique<portal::DeveloperPages>(
      portal::DeveloperDeps{db_.get(), &portal_->renderer(), access_.get(), share / "docs/openapi.yaml"});
  identity_api_ = std::make_unique<api::IdentityApi>(
      api::IdentityApiDeps{access_.get(), delegations_.get(), sessions_.get(), config_.base_url, provider});
  interop_api_ = std::make_unique<api::InteropApi>(api::InteropApiDeps{
      db_.get(), backoffice_.get(), ingest_.get(), config_.base_url + "/api/v1/interop", provider, config_.base_url});
  practices_api_ = std::make_unique<api::PracticesApi>(api::PracticesApiDeps{db_.get(), config_.base_url, provider});
  webhooks_api_ = std::make_unique<api::WebhooksApi>(api::WebhooksApiDeps{db_.get(), config_.base_url, webhooks_.get()});
  notifications_->prepare();  // the bundled templates, before anything renders or sends
  auto wake = [this] { notifications_->wake(); };
  messages_api_ = std::make_unique<api::MessagesApi>(api::MessagesApiDeps{db_.get(), config_.base_url, provider, wake});
  notifications_api_ =
      std::make_unique<api::NotificationsApi>(api::NotificationsApiDeps{db_.get(), config_.base_url, provider, wake});
  notification_pages_ = std::make_unique<portal::NotificationPages>(portal::NotificationPagesDeps{
      db_.get(), &portal_->renderer(), provider, config_.base_url, &notifications_->templates(), wake});
  auto cat = catalog();
  if (search_->size() == 0 || indexed_generation_ != cat->generation()) {
    search_->rebuild(search_documents(*cat));
    indexed_generation_ = cat->generation();
  }
  return [this](const web::Request& req) {
    auto started = std::chrono::steady_clock::now();
    web::Response r;
    try {
      r = dispatch(req);
      if (r.deferred) {
        // Answered later (group commit): observe the latency when the answer is ready.
        auto outer = std::make_shared<web::Deferred>();
        r.deferred->on_resolved([this, outer, started](web::Response done) {
          double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          metrics_.observe(done.route, done.status, seconds);
          outer->resolve(std::move(done));
        });
        r.deferred = outer;
        return r;
      }
    } catch (const std::exception& e) {
      // Never the exception text to the client; the log names the route only, not the request.
      spdlog::error("errore interno su {} {}: {}", req.method, req.path.substr(0, 64), e.what());
      bool api = req.path.rfind("/api/", 0) == 0;
      r = api ? web::problem(500, "Errore interno", "Si è verificato un errore imprevisto. Riprova più tardi.")
              : portal_->error_page(500, "Si è verificato un errore imprevisto. Riprova più tardi.");
      r.route = "error";
    }
    // Conditional GET (RFC 9110 §13.2.2): If-None-Match decides when present, otherwise
    // If-Modified-Since is compared with the Last-Modified we sent.
    auto etag = r.headers.find("ETag");
    auto modified = r.headers.find("Last-Modified");
    std::string inm = req.header("If-None-Match"), ims = req.header("If-Modified-Since");
    bool not_modified = !inm.empty() ? (etag != r.headers.end() && inm == etag->second)
                                     : (!ims.empty() && modified != r.headers.end() && ims == modified->second);
    if (r.status == 200 && not_modified) {
      r.status = 304;
      r.body.clear();
      r.shared_body.reset();
      r.shared_gzip.reset();
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.observe(r.route, r.status, seconds);
    return r;
  };
}

web::Response Application::status_endpoint() {
  json checks = json::object();
  bool healthy = true;
  try {
    checks["database"] = {{"status", "ok"}, {"catalog_generation", store::current_generation(*db_)}};
  } catch (const std::exception&) {
    healthy = false;
    checks["database"] = {{"status", "non raggiungibile"}};
  }
  checks["search_index"] = {{"status", "ok"}, {"documents", search_ ? search_->size() : 0}};
  web::Response r = web::problem(healthy ? 200 : 503, healthy ? "Servizio operativo" : "Servizio degradato",
                                 healthy ? "Tutti i componenti rispondono." : "Il database non risponde.",
                                 {{"checks", checks}});
  r.headers["Cache-Control"] = "no-store";
  r.route = "status";
  return r;
}

web::Response Application::dispatch(const web::Request& req) {
  const std::string& path = req.path;
  if (path.rfind("/static/", 0) == 0) {
    if (req.method != "GET" && req.method != "HEAD") {
      web::Response r(405, "text/plain; charset=utf-8", "Metodo non consentito");
      r.headers["Allow"] = "GET, HEAD";
      return r;
    }
    const web::Asset* a = assets_.find(path);
    if (!a) {
      web::Response r(404, "text/plain; charset=utf-8", "File non trovato");
      r.route = "static";
      return r;
    }
    web::Response r;
    r.route = "static";
    r.headers["Content-Type"] = a->content_type;
    r.headers["Cache-Control"] = "public, max-age=31536000, immutable";
    r.headers["ETag"] = a->etag;
    r.shared_body = a->body;
    r.shared_gzip = a->gzip;
    return r;
  }
  if (path == "/status") {
    if (req.method != "GET" && req.method != "HEAD") {
      web::Response r = web::problem(405, "Metodo non consentito", "/status accetta solo GET.");
      r.headers["Allow"] = "GET, HEAD";
      return r;
    }
    return status_endpoint();
  }
  if (path == "/metrics") {
    auto cat = catalog();
    web::Response r(200, "text/plain; version=0.0.4; charset=utf-8",
                    metrics_.render({{"au_catalog_services", static_cast<double>(cat->services().size())},
                                     {"au_catalog_generation", static_cast<double>(cat->generation())},
                                     {"au_search_documents", static_cast<double>(search_->size())}}));
    r.route = "metrics";
    return r;
  }
  // Back offices authenticate with ModI, not with the API store's tokens: before identify().
  if (auto r = interop_api_->handle(req)) return *r;
  std::optional<web::Response> early;
  identity::MeterResult meter;
  identity::Caller caller = identify(req, early, meter);
  if (early) return *early;
  web::Response r = route(req, caller);
  if (caller.session) portal_->personalise(r, *caller.session, web::accepts_gzip(req.header("Accept-Encoding")));
  if (caller.application) {
    // RAC_ROBUSTEZZA_001: every answer to an application says where it stands with its limits.
    r.headers["X-RateLimit-Limit"] = std::to_string(meter.limit);
    r.headers["X-RateLimit-Remaining"] = std::to_string(meter.remaining);
    r.headers["X-RateLimit-Reset"] = std::to_string(meter.reset_seconds);
  }
  return r;
}

web::Response Application::route(const web::Request& req, const identity::Caller& caller) {
  const std::string& path = req.path;
  // Ids taken from the path reach SQL (PostgreSQL rejects invalid UTF-8 in text): refuse them here.
  if (!web::valid_utf8(path)) {
    if (path.rfind("/api/", 0) == 0) return web::problem(400, "Percorso non valido", "Il percorso contiene UTF-8 non valido.");
    return portal_->error_page(400, "L'indirizzo richiesto contiene caratteri non validi.");
  }
  if (auto r = identity_api_->handle(req, caller)) return *r;
  if (auto r = practices_api_->handle(req, caller)) return *r;
  if (auto r = webhooks_api_->handle(req, caller)) return *r;
  if (auto r = messages_api_->handle(req, caller)) return *r;
  if (auto r = notifications_api_->handle(req, caller)) return *r;
  if (path == "/api/v1" || path.rfind("/api/v1/", 0) == 0) {
    if (caller.application) {
      domain::Resource res;
      res.scope = "catalogo:lettura";
      if (auto d = domain::decide(caller.principal(), domain::Action::CallApi, res, store::now_iso8601()); !d) {
        spdlog::warn("accesso negato: API del catalogo ({})", d.reason);
        return web::problem(403, "Ambito non concesso", "Il token non include l'ambito catalogo:lettura.");
      }
    }
    return api_->handle(req);
  }
  if (path.rfind("/api/", 0) == 0 || path == "/api")
    return web::problem(404, "Risorsa non trovata", "Le API sono sotto /api/v1: vedi /api/v1/openapi.yaml.");
  if (auto r = practice_pages_->handle(req, caller)) return *r;
  if (auto r = notification_pages_->handle(req, caller)) return *r;
  if (auto r = account_pages_->handle(req, caller)) return *r;
  if (auto r = developer_pages_->handle(req, caller)) return *r;
  return portal_->handle(req);
}

identity::Caller Application::identify(const web::Request& req, std::optional<web::Response>& early,
                                       identity::MeterResult& meter) {
  identity::Caller caller;
  std::string bearer = identity::bearer_token(req);
  bool api = req.path.rfind("/api/", 0) == 0;
  if (!bearer.empty() && api) {
    auto check = access_->authenticate(bearer);
    if (!check.principal) {
      spdlog::info("token rifiutato: {}", check.error);
      early = api::unauthorized("Il token di accesso non è valido, è scaduto o è stato revocato.", "invalid_token");
      early->route = "unauthorized";
      return caller;
    }
    meter = access_->meter(*check.application);
    if (!meter.allowed) {
      web::Response r = web::problem(429, "Troppe richieste",
                                     "Hai superato il limite di richieste della tua applicazione. Riprova tra " +
                                         std::to_string(meter.retry_after_seconds) + " secondi.");
      r.headers["Retry-After"] = std::to_string(meter.retry_after_seconds);
      r.headers["X-RateLimit-Limit"] = std::to_string(meter.limit);
      r.headers["X-RateLimit-Remaining"] = "0";
      r.headers["X-RateLimit-Reset"] = std::to_string(meter.reset_seconds);
      r.route = "throttled";
      early = std::move(r);
      return caller;
    }
    caller.application_principal = std::move(*check.principal);
    caller.application = std::move(check.application);
    return caller;
  }
  if (req.headers.count("Cookie")) {
    caller.session = sessions_->resume(req);
  }
  return caller;
}

}  // namespace au::app
