// The notification pages:
//   GET  /area-personale/messaggi               "Messaggi": the inbox, unread first in bold,
//                                               ?filtro=non-letti, pagination ?prima_di=<id>
//   GET  /area-personale/messaggi/<id>          one message (marks it read), with the state of
//                                               each delivery (channel, status, reason)
//   POST /area-personale/messaggi/<id>          form: azione=non-letto (unread again)
//   GET  /area-personale/notifiche              preferences: contacts (email, cellulare,
//                                               webhook), channels, per-service switches for
//                                               the services of the person's practices, quiet
//                                               hours, the calendar feed (create / revoke)
//   POST /area-personale/notifiche              the preferences form (azione=salva | calendario
//                                               | revoca-calendario)
//   GET  /area-personale/amministrazione/modelli                 templates (administrators):
//                                               every kind x channel, current version
//   GET  /area-personale/amministrazione/modelli/<kind>/<channel> edit form + preview with
//                                               sample values + version history
//   POST /area-personale/amministrazione/modelli/<kind>/<channel> azione=anteprima | salva
//   GET  /disiscrizione/<token>                 one-click unsubscribe: confirmation page
//   POST /disiscrizione/<token>                 RFC 8058 one-click (List-Unsubscribe=One-Click)
//                                               or the page's button: effective at once
//   GET  /calendario/<token>.ics                the private calendar feed (text/calendar)
//
// Contract: handle() answers exactly these paths and returns nullopt for every other one.
// Personal-area pages redirect anonymous visitors to /accedi with a return URL; forms need the
// session's CSRF token (portal::AccountPages::form_or_error-like checks). /disiscrizione and
// /calendario need no session: the token is the credential (a mail client's one-click POST
// carries no cookie and no CSRF token, RFC 8058); an unknown or revoked token is the 404 page
// (calendar: 404 text), never a hint that it existed. Answers are Cache-Control: no-store.
// Bad input is a 400 page in Italian; nothing is written then.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/catalog_snapshot.h"
#include "identity/caller.h"
#include "notify/template_library.h"
#include "portal/page_renderer.h"
#include "store/database.h"
#include "web/http.h"

namespace au::portal {

struct NotificationPagesDeps {
  store::Database* db = nullptr;
  const PageRenderer* renderer = nullptr;
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
  std::string base_url;
  notify::TemplateLibrary* templates = nullptr;
  std::function<void()> on_change;  // wakes the notification worker
};

class NotificationPages {
 public:
  explicit NotificationPages(NotificationPagesDeps deps) : deps_(std::move(deps)) {}
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  using Session = identity::ActiveSession;
  using Crumbs = std::vector<std::pair<std::string, std::string>>;
  // notification_pages.cpp: the inbox, preferences, unsubscribe and calendar.
  web::Response inbox_page(const web::Request& req, const Session& s);
  web::Response message_page(const web::Request& req, const Session& s, const std::string& id);
  // `state`: what a POST adds to the page (errors, submitted values, a secret shown once).
  web::Response preferences_page(const Session& s, const nlohmann::json& state, int status = 200);
  web::Response preferences_post(const web::Request& req, const Session& s);
  web::Response unsubscribe_page(const web::Request& req, const std::string& token);
  web::Response calendar_feed(const web::Request& req, const std::string& file);
  // template_pages.cpp: the administrators' template editor.
  web::Response templates_page(const Session& s);
  web::Response template_page(const web::Request& req, const Session& s, const std::string& kind,
                              const std::string& channel);

  nlohmann::json context(const Session* s, const std::string& title, const std::string& path,
                         const Crumbs& crumbs) const;
  web::Response render(const std::string& tmpl, const nlohmann::json& ctx, const std::string& route,
                       int status = 200) const;
  web::Response error(int status, const std::string& message) const;
  // Parses a form body (at most 64 KiB) and checks the session's CSRF token and the Origin.
  std::optional<web::Response> read_form(const web::Request& req, const Session& s,
                                         std::vector<web::QueryParam>& form) const;

  NotificationPagesDeps deps_;
};

}  // namespace au::portal
