// Renders the portal's pages: the shared page context (site, assets, SEO fields, feedback
// widget), a template into an HTML response, and the Italian error page.
//
// Contract: used by every page builder (catalogue pages, personal area, developer portal) so
// all pages share one layout. A context with a "user" object ({name}) renders the header's
// personal-area button for a logged-in person; without it, the anonymous "Accedi" button.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "portal/templates.h"
#include "web/assets.h"
#include "web/http.h"

namespace au::portal {

class PageRenderer {
 public:
  PageRenderer(const web::AssetManifest* assets, const TemplateSet* templates, std::string base_url)
      : assets_(assets), templates_(templates), base_url_(std::move(base_url)) {}

  nlohmann::json base_context(const std::string& title, const std::string& description,
                              const std::string& canonical_path) const;
  web::Response page(const std::string& tmpl, const nlohmann::json& ctx, const std::string& route,
                     int status = 200) const;
  web::Response error_page(int status, const std::string& message) const;
  std::string render(const std::string& tmpl, const nlohmann::json& ctx) const { return templates_->render(tmpl, ctx); }
  const std::string& base_url() const { return base_url_; }

 private:
  const web::AssetManifest* assets_;
  const TemplateSet* templates_;
  std::string base_url_;
};

}  // namespace au::portal
