// Catalogue export in CPSV-AP 3.2 (SEMIC) as JSON-LD, and as CSV for spreadsheets.
//
// Contract: cpsv_jsonld() describes every service (cpsv:PublicService) with its competent
// authority (cv:PublicOrganisation, with skos:prefLabel and dct:spatial as the SHACL shapes
// require), channels, costs and subject matter; IRIs are minted under base_url. Services
// competent in "each comune" name Regione Umbria's catalogue as the authority of the reference
// card and list the comuni through their local variants' channels.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/catalog_snapshot.h"

namespace au::api {

nlohmann::json cpsv_jsonld(const domain::CatalogSnapshot& cat, const std::string& base_url);
std::string catalog_csv(const domain::CatalogSnapshot& cat, const std::string& base_url);

}  // namespace au::api
