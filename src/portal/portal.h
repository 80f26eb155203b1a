// UmbriaSemplice: the server-rendered Italian portal (Modello Comuni pages, smart links, SEO).
//
// Contract: Portal::handle() answers every non-API route for people: pages, the feedback form,
// smart links (/vai/...), sitemap and robots. It never throws for bad input: unknown pages get
// the Italian 404 page, malformed input a 400 page. Rendered GET pages are cached in memory per
// catalogue generation, so a catalogue change invalidates them on the next request.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "domain/catalog_snapshot.h"
#include "identity/caller.h"
#include "portal/page_renderer.h"
#include "portal/templates.h"
#include "search/search_index.h"
#include "store/database.h"
#include "web/assets.h"
#include "web/http.h"

namespace au::portal {

struct PortalDeps {
  store::Database* db = nullptr;
  search::SearchIndex* search = nullptr;
  const web::AssetManifest* assets = nullptr;
  const TemplateSet* templates = nullptr;
  std::string base_url;  // canonical origin, e.g. "https://umbriasemplice.regione.umbria.it"
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
};

class Portal {
 public:
  explicit Portal(PortalDeps deps);
  web::Response handle(const web::Request& req);
  // Pages are the same for everyone (and cached); a logged-in person's copy differs only in the
  // header's personal-area button, spliced in here, and is marked private, no-store.
  // gzip_wanted: the request's Accept-Encoding admits gzip (only that variant is then built).
  void personalise(web::Response& r, const identity::ActiveSession& session, bool gzip_wanted) const;
  // The Italian error page (also used by the app for errors outside the portal).
  web::Response error_page(int status, const std::string& message) const { return renderer_.error_page(status, message); }
  const PageRenderer& renderer() const { return renderer_; }

 private:
  struct CachedPage {
    std::uint64_t generation = 0;
    std::shared_ptr<const std::string> body, gzip;
    std::shared_ptr<const web::GzipWithHole> gzip_with_hole;  // null if the page has no personal-area button
    std::string etag, route, last_modified;
    int status = 200;
  };
  using Catalog = std::shared_ptr<const domain::CatalogSnapshot>;

  web::Response route(const web::Request& req, const Catalog& cat);
  web::Response page(const std::string& tmpl, const nlohmann::json& ctx, const std::string& route,
                     int status = 200) const {
    return renderer_.page(tmpl, ctx, route, status);
  }
  nlohmann::json base_context(const std::string& title, const std::string& description,
                              const std::string& canonical_path) const {
    return renderer_.base_context(title, description, canonical_path);
  }

  web::Response home(const Catalog& cat);
  web::Response services_list(const web::Request& req, const Catalog& cat);
  web::Response service_page(const Catalog& cat, const domain::Service& s, const domain::Ente* comune);
  web::Response conditions_page(const Catalog& cat, const domain::Service& s);
  web::Response feedback_post(const web::Request& req, const Catalog& cat, const domain::Service* s);
  web::Response term_page(const Catalog& cat, const std::string& vocabulary, const std::string& slug);
  web::Response topics_page(const Catalog& cat);
  web::Response enti_page(const Catalog& cat);
  web::Response ente_page(const Catalog& cat, const domain::Ente& e);
  web::Response search_page(const web::Request& req, const Catalog& cat);
  web::Response smart_link(const web::Request& req, const Catalog& cat, const std::string& slug,
                           const std::string& istat);
  web::Response sitemap(const Catalog& cat) const;
  web::Response robots() const;
  web::Response info_page(const std::string& path);

  nlohmann::json service_item(const Catalog& cat, const domain::Service& s) const;

  PortalDeps deps_;
  PageRenderer renderer_;
  mutable std::once_flag button_once_;
  mutable std::string button_prefix_, button_suffix_;  // the logged-in header button around the name
  mutable std::mutex cache_mutex_;
  std::unordered_map<std::string, CachedPage> cache_;
};

}  // namespace au::portal
