// An immutable, in-memory view of the whole catalogue with the lookups pages and the API need.
//
// Contract: built once from loaded values (store/catalog_repository.h), never modified after,
// shared between threads through std::shared_ptr<const CatalogSnapshot>. A catalogue change
// builds a new snapshot and swaps it in; readers keep the one they started with.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/catalog.h"

namespace au::domain {

class CatalogSnapshot {
 public:
  CatalogSnapshot(std::uint64_t generation, std::vector<Ente> enti, std::vector<Service> services,
                  std::vector<ServiceVariant> variants, std::vector<VocabularyTerm> terms);

  std::uint64_t generation() const { return generation_; }
  const std::vector<Ente>& enti() const { return enti_; }
  const std::vector<Service>& services() const { return services_; }  // sorted by title
  const std::vector<ServiceVariant>& variants() const { return variants_; }
  const std::vector<VocabularyTerm>& terms() const { return terms_; }
  std::vector<const Ente*> comuni() const;  // sorted by name
  std::vector<const VocabularyTerm*> vocabulary(const std::string& name) const;  // in source order

  const Service* service_by_slug(const std::string& slug) const;
  const Service* service_by_id(const std::string& id) const;
  const Ente* ente_by_id(const std::string& id) const;
  const Ente* ente_by_slug(const std::string& slug) const;
  const Ente* comune_by_istat(const std::string& istat) const;
  const ServiceVariant* variant(const std::string& service_id, const std::string& ente_id) const;
  const VocabularyTerm* term(const std::string& vocabulary, const std::string& code) const;
  const VocabularyTerm* term_by_slug(const std::string& vocabulary, const std::string& slug) const;
  std::string term_label(const std::string& vocabulary, const std::string& code) const;  // code if unknown

  // Does the service exist as a local variant for this comune? (each-comune services exist
  // everywhere; others only where a variant row was imported.)
  bool offered_in(const Service& s, const Ente& comune) const;
  // Services offered in a comune: each-comune services plus those with a variant there.
  std::vector<const Service*> services_in(const Ente& comune) const;

 private:
  std::uint64_t generation_;
  std::vector<Ente> enti_;
  std::vector<Service> services_;
  std::vector<ServiceVariant> variants_;
  std::vector<VocabularyTerm> terms_;
  std::unordered_map<std::string, std::size_t> service_slug_, service_id_, ente_id_, ente_slug_,
      comune_istat_, variant_key_, term_key_, term_slug_;
};

}  // namespace au::domain
