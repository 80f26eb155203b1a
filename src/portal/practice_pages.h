// The practices of the personal area as pages, the same reads as api/practices_api.cpp:
//   GET /area-personale/pratiche                     "Le mie pratiche" (filters ?stato, ?ente, ?di)
//   GET /area-personale/pratiche/<id>                one practice (others' need ?motivo=...: logged)
//   GET /area-personale/pratiche/accessi             "Chi ha consultato i miei dati"
//   GET /area-personale/enti/<ente-slug>/pratiche    an operator's ente practices, overdue first
//
// Contract: handle() answers exactly these paths and returns nullopt for every other one
// (AccountPages answers the rest of /area-personale). Anonymous visitors are redirected to
// /accedi with a return URL; a practice the person may not read is the 404 page (existence
// must not leak), another ente's list the 403 page. Every read of someone else's practice is
// logged with practices::record_read, as the API does. Malformed input (filters, ids, motivo)
// is a 400 page in Italian. Answers are never cached (Cache-Control: no-store).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/catalog_snapshot.h"
#include "identity/caller.h"
#include "portal/page_renderer.h"
#include "store/database.h"
#include "web/http.h"

namespace au::portal {

struct PracticePagesDeps {
  store::Database* db = nullptr;
  const PageRenderer* renderer = nullptr;
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
};

class PracticePages {
 public:
  explicit PracticePages(PracticePagesDeps deps) : deps_(std::move(deps)) {}
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  using Session = identity::ActiveSession;
  web::Response list_page(const web::Request& req, const Session& s);
  web::Response detail_page(const web::Request& req, const Session& s, const std::string& id);
  web::Response accesses_page(const Session& s);
  web::Response ente_page(const Session& s, const std::string& ente_slug);

  nlohmann::json context(const Session& s, const std::string& title, const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& crumbs) const;
  web::Response render(const std::string& tmpl, const nlohmann::json& ctx, const std::string& route,
                       int status = 200) const;
  web::Response error(int status, const std::string& message) const;

  PracticePagesDeps deps_;
};

// Italian dates for people: "2026-11-27" (or an ISO 8601 instant) -> "27 novembre 2026".
std::string italian_date(const std::string& iso);
// An instant (ms since the epoch) in Italian local time: "27 novembre 2026, 10:15".
std::string italian_date_time(std::int64_t epoch_ms);

}  // namespace au::portal
