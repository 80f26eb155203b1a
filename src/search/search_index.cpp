// SearchIndex: writer side (one WritableDatabase behind a mutex, atomic rebuild by generation
// swap) and reader side (pooled read-only handles, ranking, facets, spelling, snippets).
#include "search/search_index.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include <xapian.h>

#include "search/document_mapping.h"
#include "search/facet_spy.h"
#include "search/index_directory.h"
#include "search/italian_text.h"
#include "search/reader_pool.h"
#include "search/snippets.h"

namespace au::search {

using namespace detail;

namespace {

// Suggestions are offered when the query as typed found fewer results than this.
constexpr std::uint64_t kFewHits = 3;
// Extra weight of the query matched against titles alone, on top of the title's wdf×3.
constexpr double kTitleBoost = 2.0;
// The last word is only completed as a prefix from this many characters on: shorter prefixes
// expand to too many unrelated words.
constexpr std::size_t kMinPartialChars = 3;
constexpr std::size_t kProgressEvery = 256;
// Lock-free attempts before a search holds commits back (see with_reader).
constexpr int kUngatedAttempts = 3;

constexpr unsigned kParseFlags =
    Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_LOVEHATE;

template <class F>
decltype(auto) translating_errors(const char* what, F&& body) {
  try {
    return body();
  } catch (const Xapian::Error& e) {
    // Xapian::Error is not a std::exception; callers of this module should not need Xapian.
    throw std::runtime_error(std::string("search index: ") + what + ": " + e.get_description());
  }
}

std::string title_tier(const std::string& title, const std::string& phrase) {
  if (title == phrase) return "0";
  for (auto pos = title.find(phrase); pos != std::string::npos; pos = title.find(phrase, pos + 1)) {
    const auto end = pos + phrase.size();
    if ((pos == 0 || title[pos - 1] == ' ') && (end == title.size() || title[end] == ' ')) {
      return "1";
    }
  }
  return "2";
}

// Sort key that puts title matches first: "0" the title is the query, "1" the title contains
// the query as a phrase, "2" everything else; relevance orders documents within a tier. A key
// (rather than a big weight boost) makes the guarantee hold whatever BM25 says about the rest.
//
// The key is computed for every match, so it must be cheap: the few documents whose title has
// the phrase are found first (a phrase query on title terms) and the key is a docid lookup.
// Only when very many titles contain the phrase does it fall back to reading each title.
class TitleTier : public Xapian::KeyMaker {
 public:
  // nullptr when no matching title contains the phrase: plain relevance order is then right.
  static std::unique_ptr<TitleTier> for_query(Reader& r, const Xapian::Query& query,
                                              const std::vector<std::string>& words,
                                              const std::string& phrase) {
    std::vector<Xapian::Query> terms;
    for (const auto& w : words) terms.emplace_back(std::string(kPrefixTitle) + w);
    const Xapian::Query in_title =
        terms.size() == 1
            ? terms.front()
            : Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(), terms.size());
    Xapian::Enquire enquire(r.db);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, in_title));
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    const Xapian::MSet found = enquire.get_mset(0, kMaxTitleMatches + 1);
    if (found.empty()) return nullptr;
    std::unique_ptr<TitleTier> tier(new TitleTier(phrase));
    if (found.size() > kMaxTitleMatches) return tier;
    tier->by_docid_ = true;
    for (auto it = found.begin(); it != found.end(); ++it) {
      tier->tiers_[*it] = it.get_document().get_value(kSlotTitleKey) == phrase ? "0" : "1";
    }
    return tier;
  }

  std::string operator()(const Xapian::Document& doc) const override {
    if (!by_docid_) return title_tier(doc.get_value(kSlotTitleKey), phrase_);
    const auto it = tiers_.find(doc.get_docid());
    return it == tiers_.end() ? "2" : it->second;
  }

 private:
  static constexpr Xapian::doccount kMaxTitleMatches = 2000;

  explicit TitleTier(std::string phrase) : phrase_(std::move(phrase)) {}

  std::string phrase_;
  bool by_docid_ = false;
  std::unordered_map<Xapian::docid, std::string> tiers_;
};

Xapian::Query parse(Reader& r, const std::string& text, unsigned flags, const std::string& prefix) {
  try {
    return r.parser.parse_query(text, flags, prefix);
  } catch (const Xapian::QueryParserError&) {
    // Stray syntax ("a AND", unbalanced quotes) should degrade to plain words, not fail.
    try {
      return r.parser.parse_query(text, 0, prefix);
    } catch (const Xapian::QueryParserError&) {
      return {};
    }
  }
}

struct TextQuery {
  Xapian::Query query;
  std::string corrected;  // spelling correction of the whole query string, if asked and found
};

TextQuery build_text_query(Reader& r, const std::string& normalized, Xapian::Query::op op,
                           unsigned flags) {
  r.parser.set_default_op(op);
  TextQuery out;
  Xapian::Query main = parse(r, normalized, flags, "");
  if (flags & Xapian::QueryParser::FLAG_SPELLING_CORRECTION) {
    out.corrected = r.parser.get_corrected_query_string();
  }
  if (main.empty()) return out;
  const Xapian::Query title =
      parse(r, normalized, flags & ~Xapian::QueryParser::FLAG_SPELLING_CORRECTION,
            std::string(kPrefixTitle));
  out.query =
      title.empty()
          ? main
          : Xapian::Query(Xapian::Query::OP_AND_MAYBE, main,
                          Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, title, kTitleBoost));
  return out;
}

Xapian::Query field_filter(std::string_view prefix, const std::vector<std::string>& values) {
  std::vector<Xapian::Query> terms;
  for (const auto& v : values) {
    if (!v.empty()) terms.emplace_back(boolean_term(prefix, v));
  }
  if (terms.empty()) return {};
  return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

// OR within a field, AND across fields; empty Query when nothing is filtered.
Xapian::Query build_filter(const SearchQuery& q) {
  Xapian::Query filter;
  for (auto&& f :
       {field_filter(kPrefixCategory, q.category), field_filter(kPrefixAudience, q.audience),
        field_filter(kPrefixEnte, q.ente), field_filter(kPrefixLifeEvent, q.life_event)}) {
    if (f.empty()) continue;
    filter = filter.empty() ? f : Xapian::Query(Xapian::Query::OP_AND, filter, f);
  }
  return filter;
}

Xapian::Query restrict(const Xapian::Query& q, Xapian::Query filter, bool include_variants) {
  if (!include_variants) {
    const Xapian::Query main_only(kTermMain);
    filter = filter.empty() ? main_only : Xapian::Query(Xapian::Query::OP_AND, filter, main_only);
  }
  return filter.empty() ? q : Xapian::Query(Xapian::Query::OP_FILTER, q, filter);
}

struct Page {
  Xapian::MSet mset;
  std::map<std::string, std::vector<FacetCount>> facets;
  std::uint64_t total = 0;
};

enum class Order { kRelevance, kTitle };

// Runs one query with facet counting. checkatleast = doccount makes both the total and the
// facet counts exact: every match is visited. `tier`, if any, goes before relevance.
Page run(Reader& r, const Xapian::Query& query, const SearchQuery& sq, Order order,
         std::unique_ptr<Xapian::KeyMaker> tier = nullptr) {
  Xapian::Enquire enquire(r.db);
  enquire.set_query(query);
  if (order == Order::kTitle) {
    enquire.set_weighting_scheme(Xapian::BoolWeight());  // no relevance to compute
    enquire.set_sort_by_value(kSlotTitleKey, false);
  } else if (tier) {
    // Ownership passes to the Enquire (Xapian reference-counts released objects).
    enquire.set_sort_by_key_then_relevance(tier.release()->release(), false);
  }
  auto* spy = new FacetSpy;  // owned by the Enquire, read below while the Enquire lives
  enquire.add_matchspy(spy->release());
  const Xapian::doccount doccount = r.db.get_doccount();
  const auto limit = static_cast<Xapian::doccount>(std::min<std::size_t>(sq.limit, doccount));
  const auto offset = static_cast<Xapian::doccount>(std::min<std::size_t>(sq.offset, doccount));
  Page page;
  page.mset = enquire.get_mset(offset, limit, doccount);
  page.total = page.mset.get_matches_estimated();
  page.facets = spy->counts();
  return page;
}

std::uint64_t count_matches(Reader& r, const Xapian::Query& query) {
  Xapian::Enquire enquire(r.db);
  enquire.set_query(query);
  const Xapian::doccount doccount = r.db.get_doccount();
  return enquire.get_mset(0, 0, doccount).get_matches_estimated();
}

// Type-ahead: the user is still typing the last word (no trailing space) and has typed enough
// of it for a prefix to be meaningful.
bool last_word_may_be_partial(const std::string& raw, const std::vector<std::string>& words) {
  if (words.empty() || raw.empty()) return false;
  const unsigned char last = static_cast<unsigned char>(raw.back());
  if (last == ' ' || last == '\t' || last == '\n' || last == '"') return false;
  return utf8_length(words.back()) >= kMinPartialChars;
}

std::string snippet_source(const StoredDoc& d) {
  if (d.summary.empty()) return d.body;
  if (d.body.empty()) return d.summary;
  return d.summary + " " + d.body;
}

void fill_hits(Reader& r, const Page& page, SearchResult& out, const Xapian::Query* query,
               const std::string& partial_prefix) {
  std::vector<std::string> texts;
  for (auto it = page.mset.begin(); it != page.mset.end(); ++it) {
    StoredDoc d = decode_stored(it.get_document().get_data());
    Hit h;
    h.doc_id = std::move(d.doc_id);
    h.service_id = std::move(d.service_id);
    h.slug = std::move(d.slug);
    h.comune_slug = std::move(d.comune_slug);
    h.title = std::move(d.title);
    h.percent = query ? it.get_percent() : 0;  // browse has no relevance to show
    texts.push_back(snippet_source(d));
    out.hits.push_back(std::move(h));
  }
  if (query) {
    auto snippets = SnippetMaker(r, *query, partial_prefix).make(texts);
    for (std::size_t i = 0; i < snippets.size(); ++i)
      out.hits[i].snippet_html = std::move(snippets[i]);
  } else {
    for (std::size_t i = 0; i < texts.size(); ++i)
      out.hits[i].snippet_html = leading_excerpt(texts[i]);
  }
}

SearchResult browse(Reader& r, const SearchQuery& q, const Xapian::Query& filter) {
  const Page page =
      run(r, restrict(Xapian::Query::MatchAll, filter, q.include_variants), q, Order::kTitle);
  SearchResult out;
  out.total = page.total;
  out.facets = page.facets;
  fill_hits(r, page, out, nullptr, "");
  return out;
}

// "Forse cercavi": judged on the query as typed (all words, strict_total hits), and kept only
// when it finds more than that query did. The second condition hides "corrections" of valid
// inflections that Xapian's spelling dictionary happens not to contain.
std::string suggest(Reader& r, const SearchQuery& q, const Xapian::Query& filter,
                    const std::string& corrected, const std::string& phrase,
                    std::uint64_t strict_total) {
  if (strict_total >= kFewHits || corrected.empty()) return {};
  const std::vector<std::string> corrected_words = split_words(corrected);
  if (corrected_words.empty() || join_words(corrected_words) == phrase) return {};
  std::uint64_t found = 0;
  for (auto op : {Xapian::Query::OP_AND, Xapian::Query::OP_OR}) {
    const TextQuery cq = build_text_query(r, corrected, op, kParseFlags);
    if (!cq.query.empty()) found = count_matches(r, restrict(cq.query, filter, q.include_variants));
    if (found > 0 || corrected_words.size() == 1) break;
  }
  return found > strict_total ? join_words(corrected_words) : std::string();
}

SearchResult execute(Reader& r, const SearchQuery& q) {
  const std::string normalized = normalize_italian(q.text);
  const std::vector<std::string> words = split_words(normalized);
  const Xapian::Query filter = build_filter(q);
  r.parser.set_database(r.db);
  if (words.empty()) return browse(r, q, filter);

  // Precision first: all words (AND); then, if nothing matched, complete the last word as a
  // prefix (type-ahead); then any word (OR), so "carta identità comune" still finds the card.
  struct Plan {
    Xapian::Query::op op;
    unsigned extra_flags;
  };
  constexpr unsigned kPartial = Xapian::QueryParser::FLAG_PARTIAL;
  const bool may_be_partial = last_word_may_be_partial(q.text, words);
  std::vector<Plan> plans = {{Xapian::Query::OP_AND, 0u}};
  if (may_be_partial) plans.push_back({Xapian::Query::OP_AND, kPartial});
  if (words.size() > 1) plans.push_back({Xapian::Query::OP_OR, may_be_partial ? kPartial : 0u});

  const std::string phrase = join_words(words);
  std::string corrected;
  std::uint64_t strict_total = 0;
  SearchResult out;
  out.facets = FacetSpy().counts();  // all four keys, even when nothing could be run
  for (std::size_t i = 0; i < plans.size(); ++i) {
    TextQuery tq = build_text_query(r, normalized, plans[i].op, kParseFlags | plans[i].extra_flags);
    if (tq.query.empty()) continue;
    const Xapian::Query restricted = restrict(tq.query, filter, q.include_variants);
    const Page page = run(r, restricted, q, Order::kRelevance,
                          TitleTier::for_query(r, restricted, words, phrase));
    if (i == 0) strict_total = page.total;
    if (page.total == 0 && i + 1 < plans.size()) continue;
    out.total = page.total;
    out.facets = page.facets;
    const bool partial = (plans[i].extra_flags & kPartial) != 0;
    fill_hits(r, page, out, &restricted, partial ? words.back() : std::string());
    break;
  }
  // The spelling correction walks the dictionary for every word (about a third of a query's CPU
  // in the national-scale profile): ask for it only when a suggestion may be shown.
  if (strict_total < kFewHits) {
    corrected = build_text_query(r, normalized, Xapian::Query::OP_AND,
                                 kParseFlags | Xapian::QueryParser::FLAG_SPELLING_CORRECTION)
                    .corrected;
  }
  out.suggestion = suggest(r, q, filter, corrected, phrase, strict_total);
  return out;
}

}  // namespace

struct SearchIndex::Impl {
  explicit Impl(const std::string& path);
  ~Impl();

  Xapian::TermGenerator make_indexer(Xapian::WritableDatabase& db) const;
  void delete_retired_generations();
  template <class F>
  auto with_reader(F&& body) const;

  std::filesystem::path root;
  std::mutex write_mu;  // guards everything below except `readers`, which locks itself
  // Writers hold it exclusively while changing the live database; a search that keeps losing
  // its revision to new commits holds it shared for one last attempt (see with_reader).
  mutable std::shared_mutex commit_gate;
  Xapian::WritableDatabase writer;
  Generation current;
  std::uint64_t next_generation = 1;
  Xapian::Stem stemmer{"italian"};
  std::unique_ptr<ReaderPool> readers;
};

SearchIndex::Impl::Impl(const std::string& path) : root(path) {
  std::filesystem::create_directories(root);
  const auto generations = list_generations(root);
  std::uint64_t highest = 0;
  for (const auto& g : generations) highest = std::max(highest, g.number);

  const auto existing = read_current_generation(root);
  current = existing ? *existing : generation_at(root, highest + 1);
  writer = Xapian::WritableDatabase(current.dir.string(), Xapian::DB_CREATE_OR_OPEN);
  if (!existing) {
    writer.commit();
    write_current_generation(root, current);
  }
  next_generation = std::max(highest, current.number) + 1;

  // Anything else is a rebuild that crashed, or an old generation from a previous run.
  for (const auto& g : generations) {
    if (g.number != current.number) {
      std::error_code ec;
      std::filesystem::remove_all(g.dir, ec);
    }
  }
  readers = std::make_unique<ReaderPool>(current);
}

SearchIndex::Impl::~Impl() {
  try {
    writer.close();
  } catch (const Xapian::Error&) {
  }
  readers.reset();  // no search may be running while the index is destroyed
  for (const auto& g : list_generations(root)) {
    if (g.number != current.number) {
      std::error_code ec;
      std::filesystem::remove_all(g.dir, ec);
    }
  }
}

Xapian::TermGenerator SearchIndex::Impl::make_indexer(Xapian::WritableDatabase& db) const {
  Xapian::TermGenerator indexer;
  indexer.set_stemmer(stemmer);
  indexer.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  indexer.set_stopper(&italian_stopper());
  // Stop words keep their unstemmed, positional term so quoted phrases still match them.
  indexer.set_stopper_strategy(Xapian::TermGenerator::STOP_STEMMED);
  indexer.set_database(db);
  indexer.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
  return indexer;
}

void SearchIndex::Impl::delete_retired_generations() {
  for (const auto& dir : readers->take_retired_dirs()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

// Glass keeps a reader's revision readable until the writer has committed twice more; a search
// that spans two commits gets DatabaseModifiedError and must reopen and retry. Retries are
// normally enough, but under a burst of commits a slow search could retry forever, so the last
// attempt holds the commit gate: commits wait (a few ms at most), the search always completes.
template <class F>
auto SearchIndex::Impl::with_reader(F&& body) const {
  for (int attempt = 0;; ++attempt) {
    const bool last = attempt == kUngatedAttempts;
    std::shared_lock gate(commit_gate, std::defer_lock);
    if (last) gate.lock();
    try {
      // Opening and reopening can lose the race too, so they are inside the retry.
      auto lease = readers->acquire(/*force_reopen=*/attempt > 0);
      return body(*lease);
    } catch (const Xapian::DatabaseModifiedError&) {
      if (last) throw;
    }
  }
}

SearchIndex::SearchIndex(const std::string& path)
    : impl_(translating_errors("open", [&] { return std::make_unique<Impl>(path); })) {}

SearchIndex::~SearchIndex() = default;

void SearchIndex::upsert(const SearchDoc& doc) {
  if (doc.doc_id.empty()) throw std::invalid_argument("search index: upsert without doc_id");
  translating_errors("upsert", [&] {
    std::lock_guard lock(impl_->write_mu);
    impl_->delete_retired_generations();
    auto indexer = impl_->make_indexer(impl_->writer);
    Xapian::Document xdoc = to_xapian(doc, indexer);
    std::unique_lock gate(impl_->commit_gate);
    impl_->writer.replace_document(boolean_term(kPrefixId, doc.doc_id), xdoc);
    impl_->writer.commit();
    impl_->readers->note_commit(impl_->writer.get_revision());
  });
}

void SearchIndex::remove(const std::string& doc_id) {
  translating_errors("remove", [&] {
    std::lock_guard lock(impl_->write_mu);
    impl_->delete_retired_generations();
    std::unique_lock gate(impl_->commit_gate);
    impl_->writer.delete_document(boolean_term(kPrefixId, doc_id));
    impl_->writer.commit();
    impl_->readers->note_commit(impl_->writer.get_revision());
  });
}

// Builds generation N+1 beside the live one while searches keep using N, then flips the stub
// and the pool to N+1. Writers wait for the rebuild (they would otherwise be lost with the old
// generation); readers never wait. On failure the half-built directory is deleted and N stays.
void SearchIndex::rebuild(const std::vector<SearchDoc>& docs,
                          const std::function<void(std::size_t, std::size_t)>& progress) {
  for (const auto& d : docs) {
    if (d.doc_id.empty()) throw std::invalid_argument("search index: rebuild with empty doc_id");
  }
  translating_errors("rebuild", [&] {
    std::lock_guard lock(impl_->write_mu);
    impl_->delete_retired_generations();
    const Generation next = generation_at(impl_->root, impl_->next_generation++);
    std::error_code ec;
    std::filesystem::remove_all(next.dir, ec);
    try {
      Xapian::WritableDatabase fresh(next.dir.string(), Xapian::DB_CREATE_OR_OVERWRITE);
      auto indexer = impl_->make_indexer(fresh);
      // Same id twice: the later one wins, as a sequence of upserts would do.
      std::unordered_map<std::string_view, std::size_t> last;
      for (std::size_t i = 0; i < docs.size(); ++i) last[docs[i].doc_id] = i;
      for (std::size_t i = 0; i < docs.size(); ++i) {
        if (last[docs[i].doc_id] == i) fresh.add_document(to_xapian(docs[i], indexer));
        if (progress && (i + 1) % kProgressEvery == 0 && i + 1 < docs.size()) {
          progress(i + 1, docs.size());
        }
      }
      fresh.commit();
      write_current_generation(impl_->root, next);
      impl_->writer.close();
      impl_->writer = fresh;
      impl_->current = next;
    } catch (...) {
      std::filesystem::remove_all(next.dir, ec);
      throw;
    }
    impl_->readers->switch_generation(next, impl_->writer.get_revision());
    impl_->delete_retired_generations();
  });
  if (progress) progress(docs.size(), docs.size());
}

SearchResult SearchIndex::search(const SearchQuery& q) const {
  return translating_errors(
      "search", [&] { return impl_->with_reader([&](Reader& r) { return execute(r, q); }); });
}

std::uint64_t SearchIndex::size() const {
  return translating_errors("size", [&] {
    return impl_->with_reader([](Reader& r) -> std::uint64_t { return r.db.get_doccount(); });
  });
}

}  // namespace au::search
