// The pages of a logged-in person: login and logout through the OpenID provider
// (account_login.cpp), the personal area and delegations (account_pages.cpp), and the role
// dashboards of operators, editors and administrators (account_roles.cpp).
//
// Contract: handle() answers /accedi, /auth/*, /esci and /area-personale[/...]; it returns
// nullopt for any other path. Anonymous visitors of the personal area are redirected to
// /accedi with a return URL that can only point inside the portal. Every protected page and
// form asks domain::decide(); a denial is a 403 page, or the 404 page where existence must
// not leak. Every POST needs the session's CSRF token and, when the browser sends Origin, our
// origin. Answers are never cached (Cache-Control: no-store).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "domain/catalog_snapshot.h"
#include "identity/caller.h"
#include "identity/delegations.h"
#include "identity/oidc_client.h"
#include "identity/sessions.h"
#include "portal/page_renderer.h"
#include "store/database.h"
#include "web/http.h"

namespace au::portal {

struct AccountDeps {
  store::Database* db = nullptr;
  const PageRenderer* renderer = nullptr;
  identity::SessionManager* sessions = nullptr;
  identity::OidcClient* oidc = nullptr;  // null when no provider is configured
  identity::DelegationService* delegations = nullptr;
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
};

class AccountPages {
 public:
  explicit AccountPages(AccountDeps deps);
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  using Session = identity::ActiveSession;
  web::Response login_page(const web::Request& req, const identity::Caller& caller);
  web::Response login_start(const web::Request& req);
  web::Response login_callback(const web::Request& req);
  web::Response logout(const web::Request& req, const Session& s);
  web::Response dashboard(const Session& s);
  web::Response delegations_page(const Session& s, const std::string& notice, const std::string& error,
                                 int status = 200);
  web::Response delegation_post(const web::Request& req, const Session& s, const std::vector<std::string>& parts);
  web::Response client_page(const Session& s, const std::string& grantor);
  web::Response act_for_post(const web::Request& req, const Session& s);
  web::Response ente_page(const Session& s, const std::string& ente_slug);
  web::Response editorial_page(const Session& s);
  web::Response admin_page(const Session& s, const std::string& notice, const std::string& error, int status = 200);
  web::Response admin_post(const web::Request& req, const Session& s, const std::vector<std::string>& parts);

  nlohmann::json context(const Session& s, const std::string& title, const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& crumbs) const;
  web::Response render(const std::string& tmpl, const nlohmann::json& ctx, const std::string& route,
                       int status = 200) const;
  web::Response denied(const domain::Decision& d, const std::string& what) const;
  // Parses the form and checks CSRF token and Origin; on failure returns the error response.
  std::optional<web::Response> read_form(const web::Request& req, const Session& s,
                                         std::vector<web::QueryParam>& form) const;

  AccountDeps deps_;
};

// A return-to target is kept only if it is a path inside the portal ("/..." but not "//" or
// "/\\", no control characters, at most 512 bytes); otherwise the personal area.
std::string safe_return_to(const std::string& target);
// "302 Found" to a path or URL, with no-store.
web::Response redirect(const std::string& location);
// Form helpers shared with the developer portal.
std::string form_get(const std::vector<web::QueryParam>& form, const std::string& key);
std::vector<std::string> form_all(const std::vector<web::QueryParam>& form, const std::string& key);

}  // namespace au::portal
