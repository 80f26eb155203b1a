#include "domain/catalog_snapshot.h"

#include <algorithm>

namespace au::domain {

namespace {
std::string pair_key(const std::string& a, const std::string& b) { return a + '\x1f' + b; }

template <typename T>
const T* find_in(const std::unordered_map<std::string, std::size_t>& index, const std::vector<T>& items,
                 const std::string& key) {
  auto it = index.find(key);
  return it == index.end() ? nullptr : &items[it->second];
}
}  // namespace

CatalogSnapshot::CatalogSnapshot(std::uint64_t generation, std::vector<Ente> enti,
                                 std::vector<Service> services, std::vector<ServiceVariant> variants,
                                 std::vector<VocabularyTerm> terms)
    : generation_(generation),
      enti_(std::move(enti)),
      services_(std::move(services)),
      variants_(std::move(variants)),
      terms_(std::move(terms)) {
  std::sort(services_.begin(), services_.end(),
            [](const Service& a, const Service& b) { return a.title < b.title; });
  for (std::size_t i = 0; i < services_.size(); ++i) {
    service_slug_[services_[i].slug] = i;
    service_id_[services_[i].id] = i;
  }
  for (std::size_t i = 0; i < enti_.size(); ++i) {
    ente_id_[enti_[i].id] = i;
    ente_slug_[enti_[i].slug] = i;
    if (enti_[i].kind == EnteKind::Comune) comune_istat_[enti_[i].istat_code] = i;
  }
  for (std::size_t i = 0; i < variants_.size(); ++i)
    variant_key_[pair_key(variants_[i].service_id, variants_[i].ente_id)] = i;
  for (std::size_t i = 0; i < terms_.size(); ++i) {
    term_key_[pair_key(terms_[i].vocabulary, terms_[i].code)] = i;
    term_slug_[pair_key(terms_[i].vocabulary, terms_[i].slug)] = i;
  }
}

std::vector<const Ente*> CatalogSnapshot::comuni() const {
  std::vector<const Ente*> out;
  for (const auto& e : enti_)
    if (e.kind == EnteKind::Comune) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](const Ente* a, const Ente* b) { return a->name < b->name; });
  return out;
}

std::vector<const VocabularyTerm*> CatalogSnapshot::vocabulary(const std::string& name) const {
  std::vector<const VocabularyTerm*> out;
  for (const auto& t : terms_)
    if (t.vocabulary == name) out.push_back(&t);
  return out;
}

const Service* CatalogSnapshot::service_by_slug(const std::string& slug) const {
  return find_in(service_slug_, services_, slug);
}
const Service* CatalogSnapshot::service_by_id(const std::string& id) const {
  return find_in(service_id_, services_, id);
}
const Ente* CatalogSnapshot::ente_by_id(const std::string& id) const { return find_in(ente_id_, enti_, id); }
const Ente* CatalogSnapshot::ente_by_slug(const std::string& slug) const {
  return find_in(ente_slug_, enti_, slug);
}
const Ente* CatalogSnapshot::comune_by_istat(const std::string& istat) const {
  return find_in(comune_istat_, enti_, istat);
}
const ServiceVariant* CatalogSnapshot::variant(const std::string& service_id, const std::string& ente_id) const {
  return find_in(variant_key_, variants_, pair_key(service_id, ente_id));
}
const VocabularyTerm* CatalogSnapshot::term(const std::string& vocabulary, const std::string& code) const {
  return find_in(term_key_, terms_, pair_key(vocabulary, code));
}
const VocabularyTerm* CatalogSnapshot::term_by_slug(const std::string& vocabulary, const std::string& slug) const {
  return find_in(term_slug_, terms_, pair_key(vocabulary, slug));
}
std::string CatalogSnapshot::term_label(const std::string& vocabulary, const std::string& code) const {
  const auto* t = term(vocabulary, code);
  return t ? t->label : code;
}

bool CatalogSnapshot::offered_in(const Service& s, const Ente& comune) const {
  if (comune.kind != EnteKind::Comune) return false;
  return s.authority == AuthorityKind::EachComune || variant(s.id, comune.id) != nullptr;
}

std::vector<const Service*> CatalogSnapshot::services_in(const Ente& comune) const {
  std::vector<const Service*> out;
  for (const auto& s : services_)
    if (offered_in(s, comune)) out.push_back(&s);
  return out;
}

}  // namespace au::domain
