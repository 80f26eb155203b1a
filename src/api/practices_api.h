// The practices of the caller, in JSON ("Le mie pratiche" for apps):
//   GET /api/v1/practices                     the caller's practices (own, represented
//                                             businesses', delegating clients'); filters
//                                             ?stato=<status code>&ente=<ente id>
//   GET /api/v1/practices?vista=ente          an operator's ente practices, overdue first
//   GET /api/v1/practices/{id}                one practice with timeline, deadline, requests
//                                             (others' practices need ?motivo=... : logged)
//   GET /api/v1/practices/accessi             who read the caller's practices
//
// Contract: a caller is required (session or bearer token with pratiche:lettura): 401
// problem+json with WWW-Authenticate otherwise; a practice the caller may not read is 404.
// Every read of someone else's practice is logged (practices/practice_access.h).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "domain/catalog_snapshot.h"
#include "identity/caller.h"
#include "store/database.h"
#include "web/http.h"

namespace au::api {

struct PracticesApiDeps {
  store::Database* db = nullptr;
  std::string base_url;
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
};

class PracticesApi {
 public:
  explicit PracticesApi(PracticesApiDeps deps) : deps_(std::move(deps)) {}
  std::optional<web::Response> handle(const web::Request& req, const identity::Caller& caller);

 private:
  PracticesApiDeps deps_;
};

}  // namespace au::api
