#include "search/document_mapping.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "search/italian_text.h"

namespace au::search::detail {

namespace {

constexpr std::size_t kMaxTermBytes = 240;
constexpr char kStoredFormat = '\x01';

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

void put_varint(std::string& out, std::size_t n) {
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
}

bool get_varint(std::string_view& in, std::size_t& n) {
  n = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    n |= static_cast<std::size_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void put_field(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

bool get_field(std::string_view& in, std::string& s) {
  std::size_t n = 0;
  if (!get_varint(in, n) || n > in.size()) return false;
  s.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

// Facet values are codes; blank ones are noise and duplicates would be counted twice.
std::vector<std::string> clean_values(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::string clean;
    for (char c : v) {
      if (c != kValueSeparator) clean += c;
    }
    if (!clean.empty()) out.push_back(std::move(clean));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void add_facet(Xapian::Document& xdoc, std::string& joined, FacetField field,
               std::string_view prefix, const std::vector<std::string>& values) {
  for (const auto& v : clean_values(values)) {
    xdoc.add_boolean_term(boolean_term(prefix, v));
    if (!joined.empty()) joined += kValueSeparator;
    joined += static_cast<char>(field);
    joined += v;
  }
}

}  // namespace

std::string boolean_term(std::string_view prefix, std::string_view value) {
  std::string term(prefix);
  if (prefix.size() + value.size() <= kMaxTermBytes) {
    term.append(value);
    return term;
  }
  constexpr std::size_t kHashChars = 17;  // '#' and 16 hex digits
  char hash[kHashChars + 1];
  std::snprintf(hash, sizeof hash, "#%016llx", static_cast<unsigned long long>(fnv1a64(value)));
  term.append(value.substr(0, kMaxTermBytes - prefix.size() - kHashChars));
  term.append(hash);
  return term;
}

bool is_variant_id(std::string_view doc_id) { return doc_id.starts_with("var:"); }

Xapian::Document to_xapian(const SearchDoc& doc, Xapian::TermGenerator& indexer) {
  Xapian::Document xdoc;
  xdoc.set_data(encode_stored(doc));
  xdoc.add_boolean_term(boolean_term(kPrefixId, doc.doc_id));
  xdoc.add_boolean_term(is_variant_id(doc.doc_id) ? kTermVariant : kTermMain);

  indexer.set_document(xdoc);
  const std::string title = normalize_italian(doc.title);
  // Weights: title 3, summary and keywords 2, body 1 (wdf increments feed BM25).
  indexer.index_text(title, 3);
  indexer.increase_termpos(kFieldGap);
  indexer.index_text(title, 1, std::string(kPrefixTitle));
  indexer.increase_termpos(kFieldGap);
  indexer.index_text(normalize_italian(doc.summary), 2);
  for (const auto& keyword : doc.keywords) {
    indexer.increase_termpos(kFieldGap);
    indexer.index_text(normalize_italian(keyword), 2);
  }
  indexer.increase_termpos(kFieldGap);
  indexer.index_text(normalize_italian(doc.body), 1);

  xdoc.add_value(kSlotTitleKey, join_words(split_words(title)));
  std::string facets;
  add_facet(xdoc, facets, FacetField::kCategory, kPrefixCategory, {doc.category});
  add_facet(xdoc, facets, FacetField::kAudience, kPrefixAudience, doc.audience);
  add_facet(xdoc, facets, FacetField::kEnte, kPrefixEnte, {doc.ente});
  add_facet(xdoc, facets, FacetField::kLifeEvent, kPrefixLifeEvent, doc.life_events);
  if (!facets.empty()) xdoc.add_value(kSlotFacets, facets);
  return xdoc;
}

std::string encode_stored(const SearchDoc& doc) {
  std::string out;
  out.reserve(doc.title.size() + doc.summary.size() + doc.body.size() + 64);
  out += kStoredFormat;
  for (const std::string* f : {&doc.doc_id, &doc.service_id, &doc.slug, &doc.comune_slug,
                               &doc.title, &doc.summary, &doc.body}) {
    put_field(out, *f);
  }
  return out;
}

StoredDoc decode_stored(const std::string& data) {
  StoredDoc d;
  std::string_view in(data);
  if (in.empty() || in.front() != kStoredFormat) return d;
  in.remove_prefix(1);
  for (std::string* f :
       {&d.doc_id, &d.service_id, &d.slug, &d.comune_slug, &d.title, &d.summary, &d.body}) {
    if (!get_field(in, *f)) break;
  }
  return d;
}

}  // namespace au::search::detail
