// The interoperability API for enti's back-office systems, under /api/v1/interop/:
//   POST /api/v1/interop/practices        open a practice
//   POST /api/v1/interop/events           append one CloudEvent, or a JSON array of them (batch)
//   GET  /api/v1/interop/practices/{id}   read a practice back (logged as an access to a
//                                         person's data, with the reason from the
//                                         `X-Motivo-Accesso` header or a default)
//
// Contract: every request is authenticated with the ModI patterns ID_AUTH_REST_02 +
// INTEGRITY_REST_01 (identity/modi.h) against the registered back-office clients; failures are
// 401 problem+json (400 for an unparseable Digest), never a hint of which key exists. A jti is
// accepted once: it is recorded in the database in the same transaction as the events (a
// replay, to any node, at any time before the token expires, finds it there and gets 401 with
// nothing written); a read records it on its own. Writes are answered after the group commit (web::Deferred): a 2xx
// means durably stored. Bodies: JSON (application/json, application/cloudevents+json or
// application/cloudevents-batch+json), at most the server's body limit; 415 otherwise.
#pragma once

#include <optional>
#include <string>

#include "domain/catalog_snapshot.h"
#include "practices/backoffice_registry.h"
#include "practices/ingest.h"
#include "store/database.h"
#include "web/http.h"

namespace au::api {

struct InteropApiDeps {
  store::Database* db = nullptr;
  practices::BackofficeRegistry* registry = nullptr;
  practices::IngestService* ingest = nullptr;
  std::string audience;  // base URL + "/api/v1/interop": the `aud` the tokens must carry
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
  std::string base_url;
};

class InteropApi {
 public:
  explicit InteropApi(InteropApiDeps deps) : deps_(std::move(deps)) {}
  // Answers /api/v1/interop and below; nullopt for other paths.
  std::optional<web::Response> handle(const web::Request& req);

 private:
  InteropApiDeps deps_;
};

}  // namespace au::api
