// Full-text search over the catalogue: Xapian with the Italian stemmer.
//
// Contract: SearchIndex owns one Xapian database directory. Documents are SearchDoc values
// keyed by doc_id (a service "svc:<service-id>" or a local variant "var:<service-id>:<ente-id>").
// Writes (upsert/remove/rebuild) are serialised internally; search() may run concurrently with
// other searches and sees the last committed state. Elisions ("nell'anagrafe") and accents
// ("identita" finds "identità") are handled on both sides; exact title matches rank first.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace au::search {

struct SearchDoc {
  std::string doc_id;
  std::string service_id;
  std::string slug;           // service slug
  std::string comune_slug;    // local variants only
  std::string title;
  std::string summary;
  std::string body;           // all section text, plain (no markup)
  std::vector<std::string> keywords;
  // Facets (value = code/slug, shown with a label by the caller)
  std::string category;
  std::vector<std::string> audience;
  std::string ente;           // competent ente id (variant: the comune's ente id)
  std::vector<std::string> life_events;
};

struct SearchQuery {
  std::string text;
  // Filters (AND between fields, OR within a field's list).
  std::vector<std::string> category, audience, ente, life_event;
  bool include_variants = false;  // variants are indexed but hidden unless asked
  std::size_t offset = 0;
  std::size_t limit = 10;
};

struct Hit {
  std::string doc_id, service_id, slug, comune_slug, title;
  std::string snippet_html;  // HTML-escaped text with <mark>…</mark> around matched words
  int percent = 0;
};

struct FacetCount { std::string value; std::uint64_t count = 0; };

struct SearchResult {
  std::uint64_t total = 0;         // estimated matches (exact for small sets)
  std::vector<Hit> hits;
  std::map<std::string, std::vector<FacetCount>> facets;  // "category","audience","ente","life_event"
  std::string suggestion;          // "Forse cercavi": set only when hits are few (<3)
};

class SearchIndex {
 public:
  // Opens (creating if missing) the index in directory `path`.
  explicit SearchIndex(const std::string& path);
  ~SearchIndex();

  void upsert(const SearchDoc& doc);          // commits
  void remove(const std::string& doc_id);     // commits
  // Replaces the whole index atomically (readers see old or new, never half).
  // progress(done, total) is called every few hundred documents.
  void rebuild(const std::vector<SearchDoc>& docs,
               const std::function<void(std::size_t, std::size_t)>& progress = {});
  SearchResult search(const SearchQuery& q) const;
  std::uint64_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Normalisation shared by indexing and querying (exposed for tests):
// lower-cases, splits elisions (l', dell', nell', un', all', ...) into separate words,
// and folds accents (à→a, è/é→e, ì→i, ò→o, ù→u) so accented and plain spellings meet.
std::string normalize_italian(const std::string& text);

}  // namespace au::search
