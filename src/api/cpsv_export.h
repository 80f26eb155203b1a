// Catalogue export in CPSV-AP 3.2 (SEMIC) as JSON-LD and Turtle, and as CSV for spreadsheets.
//
// Contract: cpsv_jsonld() and cpsv_turtle() serialise one and the same RDF graph (built once,
// written twice), which conforms to the SEMIC CPSV-AP 3.2.0 SHACL shapes with zero violations
// (checked by tests/shacl/ with rdf-validate-shacl). IRIs are minted under base_url + "/id/";
// no blank nodes are used, so the two outputs can be compared triple by triple. The JSON-LD
// carries an inline @context (no remote context to fetch). Every resource that is referenced is
// also typed (the shapes' sh:class checks need it): controlled-vocabulary terms are skos:Concept
// with an Italian skos:prefLabel.
//
// Modelling:
// - Every ente is a cv:PublicOrganisation (and org:Organization) with skos:prefLabel@it,
//   dct:identifier (ISTAT code, else our id) and dct:spatial: a dct:Location for a comune, a
//   province or the Regione; an USL's spatial coverage is the locations of the comuni it serves.
// - A cpsv:PublicService has dct:identifier (our stable id, a plain literal, exactly one),
//   dct:title / dct:description / dcat:keyword as rdf:langString @it, adms:status, dct:language,
//   cv:thematicArea (OntoPiA subject matters), dct:audience, cv:isClassifiedBy (argomenti),
//   cv:isGroupedBy cv:LifeEvent / cv:BusinessEvent (dct:type = the OntoPiA event concept),
//   cv:processingTime (xsd:duration), dct:spatial, cv:contactPoint, cv:hasChannel, cv:hasCost.
// - Competent authority: a service competent in one ente names that ente. A service competent in
//   "each comune" names, with one cv:hasCompetentAuthority each, every comune in which it is
//   offered (CatalogSnapshot::offered_in), i.e. the authorities that actually decide on it; the
//   Regione only publishes the reference card. Its dct:spatial is then the Regione's territory.
// - Channels: cv:Channel with dct:identifier, dct:type from the OntoPiA channel vocabulary
//   (online 02, office 01.1.1, phone 03, e-mail 04.2, PEC 04.1), dct:description@it, foaf:page
//   for a URL, cv:openingHours (time:TemporalEntity). A comune's local variant with its own front
//   office adds a channel cv:ownedBy that comune. Phone numbers, e-mail/PEC addresses and office
//   addresses of the channels and of the office go to the service's cv:ContactPoint
//   (cv:telephone, cv:email, cv:contactPage, locn:address).
// - Costs: cv:Cost with dct:identifier and dct:description@it; cv:hasValue (xsd:double, euro) and
//   cv:currency EUR only when the amount is stated: a positive amount, or zero when the text says
//   the service is free ("Gratuito..."); otherwise (zero = "set by the comune") the text alone.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/catalog_snapshot.h"

namespace au::api {

nlohmann::json cpsv_jsonld(const domain::CatalogSnapshot& cat, const std::string& base_url);
std::string cpsv_turtle(const domain::CatalogSnapshot& cat, const std::string& base_url);
std::string catalog_csv(const domain::CatalogSnapshot& cat, const std::string& base_url);

}  // namespace au::api
