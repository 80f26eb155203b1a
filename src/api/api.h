// The public JSON API under /api/v1: services, local variants, enti, comuni, vocabularies,
// search, the OpenAPI document and the CPSV-AP export.
//
// Contract: Api::handle() answers every /api/v1 path. Errors are application/problem+json
// (RFC 9457) with an Italian detail; unknown query parameters are rejected (400) so a typo
// never silently returns the unfiltered catalogue.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "domain/catalog_snapshot.h"
#include "search/search_index.h"
#include "store/database.h"
#include "web/http.h"

namespace au::api {

struct ApiDeps {
  search::SearchIndex* search = nullptr;
  store::Database* db = nullptr;  // feedback counts and smart-link clicks
  std::string base_url;
  std::filesystem::path openapi_file;  // docs/openapi.yaml
  std::function<std::shared_ptr<const domain::CatalogSnapshot>()> catalog;
};

class Api {
 public:
  explicit Api(ApiDeps deps);
  web::Response handle(const web::Request& req);

 private:
  ApiDeps deps_;
  std::string openapi_;
};

}  // namespace au::api
