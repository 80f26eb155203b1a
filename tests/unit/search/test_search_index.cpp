#include "search/search_index.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace au::search {
namespace {

namespace fs = std::filesystem;

fs::path unique_temp_dir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return fs::temp_directory_path() / ("au-search-test-" + std::to_string(::getpid()) + "-" +
                                      std::to_string(counter++) + "-" + std::to_string(rd()));
}

SearchDoc service(const std::string& id, const std::string& title, const std::string& summary = "",
                  const std::string& body = "") {
  SearchDoc d;
  d.doc_id = "svc:" + id;
  d.service_id = id;
  d.slug = id;
  d.title = title;
  d.summary = summary;
  d.body = body;
  d.category = "generale";
  d.ente = "regione-umbria";
  return d;
}

SearchQuery text(const std::string& t) {
  SearchQuery q;
  q.text = t;
  return q;
}

std::vector<std::string> ids(const SearchResult& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hits) out.push_back(h.doc_id);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::uint64_t facet(const SearchResult& r, const std::string& name, const std::string& value) {
  const auto it = r.facets.find(name);
  if (it == r.facets.end()) return 0;
  for (const auto& fc : it->second) {
    if (fc.value == value) return fc.count;
  }
  return 0;
}

std::size_t generation_dirs(const fs::path& root) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.is_directory() && e.path().filename().string().rfind("gen-", 0) == 0) ++n;
  }
  return n;
}

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = unique_temp_dir(); }
  void TearDown() override {
    index_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  SearchIndex& index() {
    if (!index_) index_ = std::make_unique<SearchIndex>(dir_.string());
    return *index_;
  }

  fs::path dir_;
  std::unique_ptr<SearchIndex> index_;
};

// --- normalisation -------------------------------------------------------------------------

TEST(NormalizeItalian, SplitsElisionsWithBothApostrophes) {
  EXPECT_EQ(normalize_italian("nell'anagrafe"), "nell anagrafe");
  EXPECT_EQ(normalize_italian("dell\u2019ente"), "dell ente");
  EXPECT_EQ(normalize_italian("L'Ufficio"), "l ufficio");
}

TEST(NormalizeItalian, FoldsAccentsAndLowerCases) {
  EXPECT_EQ(normalize_italian("Carta d'Identità"), "carta d identita");
  EXPECT_EQ(normalize_italian("CITTÀ PIÙ perché È così"), "citta piu perche e cosi");
  EXPECT_EQ(normalize_italian("e\u0300"), "e");  // decomposed è
}

TEST(NormalizeItalian, KeepsPunctuationAndSurvivesInvalidUtf8) {
  EXPECT_EQ(normalize_italian("SCIA: \"edilizia\""), "scia: \"edilizia\"");
  EXPECT_NO_THROW(normalize_italian(std::string("abc\xff\xfe", 5)));
}

// --- opening ---------------------------------------------------------------------------------

TEST_F(SearchIndexTest, CreatesMissingDirectoryAndSearchesEmptyIndex) {
  const fs::path nested = dir_ / "nested" / "deeper";
  ASSERT_FALSE(fs::exists(nested));
  SearchIndex idx(nested.string());
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_EQ(idx.size(), 0u);

  const auto r = idx.search(text("anagrafe"));
  EXPECT_EQ(r.total, 0u);
  EXPECT_TRUE(r.hits.empty());
  EXPECT_EQ(r.facets.size(), 4u);
  EXPECT_EQ(idx.search(SearchQuery{}).total, 0u);
}

TEST_F(SearchIndexTest, ReopensExistingIndexAndStubOpensWithPlainXapian) {
  index().upsert(service("a", "Certificato di residenza"));
  index().upsert(service("b", "Carta d'identità elettronica"));
  index_.reset();

  EXPECT_EQ(index().size(), 2u);
  EXPECT_EQ(index().search(text("residenza")).total, 1u);
  // The root directory is a Xapian stub, so tools can open the live generation directly.
  Xapian::Database external(dir_.string());
  EXPECT_EQ(external.get_doccount(), 2u);
}

// --- text matching -----------------------------------------------------------------------

TEST_F(SearchIndexTest, ElisionsMatchBareWord) {
  index().upsert(service("anagrafe", "Iscrizione", "Iscrizione nell'anagrafe della popolazione"));
  index().upsert(service("ente", "Contatti", "I recapiti dell\u2019ente"));
  index().upsert(service("altro", "Tributi", "Pagamento della TARI"));

  EXPECT_EQ(ids(index().search(text("anagrafe"))), std::vector<std::string>{"svc:anagrafe"});
  EXPECT_EQ(ids(index().search(text("ente"))), std::vector<std::string>{"svc:ente"});
  // The elided form typed by the user matches too, with either apostrophe.
  EXPECT_EQ(ids(index().search(text("nell\u2019anagrafe"))),
            std::vector<std::string>{"svc:anagrafe"});
  EXPECT_EQ(ids(index().search(text("dell'ente"))), std::vector<std::string>{"svc:ente"});
}

TEST_F(SearchIndexTest, AccentsFoldBothWays) {
  index().upsert(service("cie", "Carta d'identità elettronica"));
  index().upsert(service("citta", "Servizi della citta", "Vivere in città"));

  EXPECT_EQ(ids(index().search(text("identita"))), std::vector<std::string>{"svc:cie"});
  EXPECT_EQ(ids(index().search(text("IDENTITÀ"))), std::vector<std::string>{"svc:cie"});
  EXPECT_EQ(index().search(text("città")).total, 1u);
  EXPECT_EQ(index().search(text("citta")).total, 1u);
}

TEST_F(SearchIndexTest, ItalianStemmingMatchesInflections) {
  index().upsert(service("cert", "Certificati anagrafici", "Rilascio dei certificati"));
  index().upsert(service("other", "Bollo auto"));

  EXPECT_EQ(ids(index().search(text("certificato"))), std::vector<std::string>{"svc:cert"});
  EXPECT_EQ(ids(index().search(text("certificato anagrafico"))),
            std::vector<std::string>{"svc:cert"});
}

TEST_F(SearchIndexTest, AndFallsBackToOrWhenNothingHasEveryWord) {
  index().upsert(service("cie", "Carta d'identità elettronica", "Richiesta della CIE"));
  index().upsert(service("tari", "Tassa rifiuti"));

  const auto r = index().search(text("carta identità comune"));
  EXPECT_EQ(ids(r), std::vector<std::string>{"svc:cie"});
}

TEST_F(SearchIndexTest, AndIsPreferredWhenSomethingHasEveryWord) {
  index().upsert(service("cie", "Carta d'identità elettronica"));
  index().upsert(service("carta", "Carta dei servizi"));
  const auto r = index().search(text("carta identità"));
  EXPECT_EQ(ids(r), std::vector<std::string>{"svc:cie"});
}

TEST_F(SearchIndexTest, PartialLastWordOnlyWhenCompleteWordsFindNothing) {
  index().upsert(service("scia", "SCIA edilizia"));
  index().upsert(service("sciopero", "Sciopero dei trasporti"));
  index().upsert(service("anagrafe", "Anagrafe della popolazione"));

  // Type-ahead: an unfinished word is completed.
  EXPECT_EQ(ids(index().search(text("anagr"))), std::vector<std::string>{"svc:anagrafe"});
  EXPECT_EQ(ids(index().search(text("sciop"))), std::vector<std::string>{"svc:sciopero"});
  // Precision: a complete word that matches is not widened to every word it prefixes.
  EXPECT_EQ(ids(index().search(text("scia"))), std::vector<std::string>{"svc:scia"});
  // A trailing space means the word is finished: no completion.
  EXPECT_EQ(index().search(text("anagr ")).total, 0u);
}

// --- ranking ---------------------------------------------------------------------------------

// Filler that makes a document long, so BM25 scores its matching words lower.
std::string filler(int sentences) {
  std::string out;
  for (int i = 0; i < sentences; ++i) {
    out += "Orari di apertura degli sportelli, recapiti telefonici e indirizzi utili " +
           std::to_string(i) + ". ";
  }
  return out;
}

TEST_F(SearchIndexTest, ExactTitleRanksFirst) {
  // Relevance alone favours "guida": the query words in its title, keywords, summary and body
  // many times, while the exact-title page is long and mentions them once.
  std::string heavy;
  for (int i = 0; i < 30; ++i) heavy += "La SCIA edilizia e la SCIA per l'edilizia privata. ";
  auto guida = service("guida", "Edilizia: SCIA, CILA e SCIA alternativa",
                       "SCIA edilizia: tutto sulla SCIA edilizia", heavy);
  guida.keywords = {"SCIA edilizia", "SCIA", "edilizia"};
  index().upsert(guida);
  index().upsert(service("scia", "SCIA edilizia", "", filler(60)));
  index().upsert(service("modulistica", "Modulistica per la SCIA edilizia", "", filler(60)));
  index().upsert(service("altro", "Permesso di costruire", "Quando serve invece della SCIA"));

  const auto r = index().search(text("SCIA edilizia"));
  ASSERT_GE(r.hits.size(), 3u);
  EXPECT_EQ(r.hits[0].doc_id, "svc:scia");          // title equals the query
  EXPECT_EQ(r.hits[1].doc_id, "svc:modulistica");   // title contains the query as a phrase
  EXPECT_EQ(r.hits[2].doc_id, "svc:guida");         // only many mentions
  EXPECT_GT(r.hits[2].percent, r.hits[0].percent);  // ...which relevance alone would prefer
}

TEST_F(SearchIndexTest, ExactTitleFirstEvenWithAccentsAndCaseDifferences) {
  std::string heavy;
  for (int i = 0; i < 30; ++i) heavy += "carta identita carta identita ";
  auto faq = service("faq", "Carta e identità: domande frequenti", "carta identita", heavy);
  faq.keywords = {"carta d'identità"};
  index().upsert(faq);
  index().upsert(service("cie", "Carta d'Identità", "", filler(60)));
  const auto r = index().search(text("carta d’identita"));
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_EQ(r.hits[0].doc_id, "svc:cie");
  EXPECT_GT(r.hits[1].percent, r.hits[0].percent);
}

TEST_F(SearchIndexTest, ExactTitleFirstWhenThousandsOfTitlesContainTheQuery) {
  // More title matches than the ranking collects up front: the per-title comparison takes over.
  std::vector<SearchDoc> docs;
  for (int i = 0; i < 2100; ++i) {
    docs.push_back(service("n" + std::to_string(i), "Certificato numero " + std::to_string(i)));
  }
  std::string heavy;
  for (int i = 0; i < 50; ++i) heavy += "certificato certificato ";
  auto faq = service("faq", "Domande frequenti", "certificato", heavy);
  faq.keywords = {"certificato"};
  docs.push_back(faq);
  docs.push_back(service("exact", "Certificato", "", filler(60)));
  index().rebuild(docs);

  const auto r = index().search(text("certificato"));
  EXPECT_EQ(r.total, docs.size());
  ASSERT_EQ(r.hits.size(), 10u);
  EXPECT_EQ(r.hits[0].doc_id, "svc:exact");
  for (const auto& h : r.hits) EXPECT_NE(h.doc_id, "svc:faq");  // 2100 titles say "certificato"
}

// --- facets and filters ----------------------------------------------------------------------

class FacetTest : public SearchIndexTest {
 protected:
  void SetUp() override {
    SearchIndexTest::SetUp();
    auto a = service("a", "Certificato di residenza");
    a.category = "anagrafe";
    a.audience = {"cittadini", "imprese"};
    a.life_events = {"cambio-residenza"};
    a.ente = "comune-perugia";
    auto b = service("b", "Certificato di stato di famiglia");
    b.category = "anagrafe";
    b.audience = {"cittadini"};
    b.life_events = {"cambio-residenza", "nascita"};
    b.ente = "comune-terni";
    auto c = service("c", "Certificato di agibilità");
    c.category = "edilizia";
    c.audience = {"imprese", "professionisti", "imprese"};  // duplicate counted once
    c.ente = "comune-perugia";
    for (const auto& d : {a, b, c}) index().upsert(d);
  }
};

TEST_F(FacetTest, CountsMultiValuedFacetsExactly) {
  const auto r = index().search(text("certificato"));
  EXPECT_EQ(r.total, 3u);
  EXPECT_EQ(facet(r, "audience", "cittadini"), 2u);
  EXPECT_EQ(facet(r, "audience", "imprese"), 2u);
  EXPECT_EQ(facet(r, "audience", "professionisti"), 1u);
  EXPECT_EQ(r.facets.at("audience").size(), 3u);  // no joined pseudo-values
  EXPECT_EQ(facet(r, "category", "anagrafe"), 2u);
  EXPECT_EQ(facet(r, "category", "edilizia"), 1u);
  EXPECT_EQ(facet(r, "ente", "comune-perugia"), 2u);
  EXPECT_EQ(facet(r, "life_event", "cambio-residenza"), 2u);
  EXPECT_EQ(facet(r, "life_event", "nascita"), 1u);
  // Sorted by count, then value.
  const auto& aud = r.facets.at("audience");
  EXPECT_EQ(aud[0].value, "cittadini");
  EXPECT_EQ(aud[1].value, "imprese");
  EXPECT_EQ(aud[2].value, "professionisti");
}

TEST_F(FacetTest, FacetsReflectFiltersAndPageSize) {
  SearchQuery q = text("certificato");
  q.audience = {"imprese"};
  q.limit = 1;
  const auto r = index().search(q);
  EXPECT_EQ(r.total, 2u);
  EXPECT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(facet(r, "audience", "imprese"), 2u);
  EXPECT_EQ(facet(r, "audience", "cittadini"), 1u);
  EXPECT_EQ(facet(r, "audience", "professionisti"), 1u);
  EXPECT_EQ(facet(r, "category", "anagrafe"), 1u);
  EXPECT_EQ(facet(r, "category", "edilizia"), 1u);
}

TEST_F(FacetTest, FiltersAreOrWithinFieldAndAcrossFields) {
  SearchQuery q = text("certificato");
  q.audience = {"professionisti", "cittadini"};
  EXPECT_EQ(index().search(q).total, 3u);

  q.category = {"anagrafe"};
  auto r = index().search(q);
  EXPECT_EQ(r.total, 2u);

  q.ente = {"comune-terni"};
  r = index().search(q);
  EXPECT_EQ(ids(r), std::vector<std::string>{"svc:b"});

  q.life_event = {"nascita", "unknown"};
  EXPECT_EQ(index().search(q).total, 1u);
  q.life_event = {"unknown"};
  EXPECT_EQ(index().search(q).total, 0u);
}

TEST_F(FacetTest, BrowseWithFiltersListsByTitle) {
  index().upsert(service("z", "Zona a traffico limitato"));
  index().upsert(service("acc", "Accesso agli atti"));
  auto e = service("e", "Ètica pubblica");  // accented capital must not sort after Z
  e.category = "anagrafe";
  index().upsert(e);

  SearchQuery q;
  q.category = {"anagrafe"};
  const auto r = index().search(q);
  EXPECT_EQ(r.total, 3u);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"svc:a", "svc:b", "svc:e"}));
  EXPECT_EQ(facet(r, "category", "anagrafe"), 3u);

  const auto all = index().search(SearchQuery{});
  EXPECT_EQ(all.total, 6u);
  EXPECT_EQ(all.hits.front().doc_id, "svc:acc");
  EXPECT_EQ(all.hits.back().doc_id, "svc:z");
}

TEST_F(SearchIndexTest, VariantsHiddenUnlessAskedAndFacetsFollow) {
  auto svc = service("tari", "TARI - tassa sui rifiuti");
  svc.ente = "regione-umbria";
  auto var = service("tari", "TARI - tassa sui rifiuti a Perugia");
  var.doc_id = "var:tari:comune-perugia";
  var.comune_slug = "perugia";
  var.ente = "comune-perugia";
  index().upsert(svc);
  index().upsert(var);
  EXPECT_EQ(index().size(), 2u);

  SearchQuery q = text("tari");
  auto r = index().search(q);
  EXPECT_EQ(ids(r), std::vector<std::string>{"svc:tari"});
  EXPECT_EQ(facet(r, "ente", "comune-perugia"), 0u);
  EXPECT_EQ(r.total, 1u);

  q.include_variants = true;
  r = index().search(q);
  EXPECT_EQ(r.total, 2u);
  EXPECT_TRUE(contains(ids(r), "var:tari:comune-perugia"));
  EXPECT_EQ(facet(r, "ente", "comune-perugia"), 1u);
  for (const auto& h : r.hits) {
    if (h.doc_id.starts_with("var:")) {
      EXPECT_EQ(h.comune_slug, "perugia");
    }
  }

  SearchQuery browse;
  EXPECT_EQ(index().search(browse).total, 1u);
  browse.include_variants = true;
  EXPECT_EQ(index().search(browse).total, 2u);
}

TEST_F(SearchIndexTest, PaginationKeepsTotal) {
  for (int i = 0; i < 25; ++i) {
    index().upsert(service("s" + std::to_string(i), "Servizio numero " + std::to_string(i)));
  }
  SearchQuery q = text("servizio");
  q.offset = 20;
  q.limit = 10;
  const auto r = index().search(q);
  EXPECT_EQ(r.total, 25u);
  EXPECT_EQ(r.hits.size(), 5u);
  q.offset = 100;
  EXPECT_TRUE(index().search(q).hits.empty());
}

// --- spelling --------------------------------------------------------------------------------

TEST_F(SearchIndexTest, SuggestsSpellingWhenFewHits) {
  index().upsert(
      service("cert", "Certificato di residenza", "Il certificato attesta la residenza"));
  index().upsert(service("tari", "Tassa rifiuti"));

  const auto r = index().search(text("certifcato"));
  EXPECT_EQ(r.suggestion, "certificato");

  const auto two = index().search(text("certifcato resdenza"));
  EXPECT_EQ(two.suggestion, "certificato residenza");
}

TEST_F(SearchIndexTest, NoSuggestionWhenEnoughHitsOrNothingToCorrect) {
  for (int i = 0; i < 3; ++i) {
    index().upsert(service("c" + std::to_string(i), "Certificati anagrafici " + std::to_string(i)));
  }
  // "certificato" is not in the dictionary (only "certificati" is), but stemming finds 3 hits.
  EXPECT_EQ(index().search(text("certificato")).total, 3u);
  EXPECT_EQ(index().search(text("certificato")).suggestion, "");
  EXPECT_EQ(index().search(text("certificati")).suggestion, "");
  // Few hits but a correct query: nothing to suggest.
  index().upsert(service("bollo", "Bollo auto"));
  EXPECT_EQ(index().search(text("bollo")).suggestion, "");
  // Gibberish far from every word: no suggestion rather than a wild guess.
  EXPECT_EQ(index().search(text("zzzzqqq")).suggestion, "");
}

// --- snippets --------------------------------------------------------------------------------

std::string strip_marks(std::string s) {
  for (const std::string tag : {"<mark>", "</mark>"}) {
    for (auto pos = s.find(tag); pos != std::string::npos; pos = s.find(tag))
      s.erase(pos, tag.size());
  }
  return s;
}

TEST_F(SearchIndexTest, SnippetIsEscapedAndHighlighted) {
  index().upsert(
      service("x", "Modulo online",
              "Attenzione: <script>alert('x')</script> compila il modulo & invia \"ora\"",
              "Il modulo va firmato."));
  const auto r = index().search(text("modulo"));
  ASSERT_EQ(r.hits.size(), 1u);
  const std::string& s = r.hits[0].snippet_html;
  EXPECT_NE(s.find("<mark>modulo</mark>"), std::string::npos) << s;
  EXPECT_NE(s.find("&lt;script&gt;"), std::string::npos) << s;
  EXPECT_EQ(s.find("<script>"), std::string::npos) << s;
  EXPECT_NE(s.find("&amp;"), std::string::npos) << s;
  const std::string bare = strip_marks(s);
  EXPECT_EQ(bare.find_first_of("<>\"'"), std::string::npos) << s;
}

TEST_F(SearchIndexTest, SnippetHighlightsElidedAndAccentedWordsAsWritten) {
  index().upsert(
      service("x", "Iscrizione", "Iscrizione nell'anagrafe e rilascio della carta d’identità."));
  auto r = index().search(text("anagrafe identita"));
  ASSERT_EQ(r.hits.size(), 1u);
  const std::string& s = r.hits[0].snippet_html;
  EXPECT_NE(s.find("<mark>nell&#39;anagrafe</mark>"), std::string::npos) << s;
  EXPECT_NE(s.find("<mark>d’identità</mark>"), std::string::npos) << s;
}

TEST_F(SearchIndexTest, SnippetIsShortAndBrowseShowsOpening) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += "Testo di riempimento senza parole utili. ";
  body += "Qui si parla del contrassegno invalidi. ";
  for (int i = 0; i < 100; ++i) body += "Altro testo di riempimento. ";
  index().upsert(service("x", "Parcheggi", "Sosta riservata", body));

  const auto r = index().search(text("contrassegno"));
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_NE(r.hits[0].snippet_html.find("<mark>contrassegno</mark>"), std::string::npos);
  EXPECT_LT(r.hits[0].snippet_html.size(), 400u);

  const auto browse = index().search(SearchQuery{});
  ASSERT_EQ(browse.hits.size(), 1u);
  EXPECT_EQ(browse.hits[0].snippet_html.rfind("Sosta riservata", 0), 0u);
  EXPECT_LT(browse.hits[0].snippet_html.size(), 400u);
}

// --- writes ----------------------------------------------------------------------------------

TEST_F(SearchIndexTest, UpsertReplacesDocument) {
  index().upsert(service("x", "Vecchio titolo"));
  index().upsert(service("x", "Nuovo titolo"));
  EXPECT_EQ(index().size(), 1u);
  EXPECT_EQ(index().search(text("vecchio")).total, 0u);
  const auto r = index().search(text("nuovo"));
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].title, "Nuovo titolo");
  EXPECT_EQ(r.hits[0].service_id, "x");
  EXPECT_EQ(r.hits[0].slug, "x");
}

TEST_F(SearchIndexTest, RemoveDeletesDocumentAndIgnoresUnknownIds) {
  index().upsert(service("x", "Bollo auto"));
  index().upsert(service("y", "Bollo moto"));
  index().remove("svc:x");
  EXPECT_EQ(index().size(), 1u);
  EXPECT_EQ(ids(index().search(text("bollo"))), std::vector<std::string>{"svc:y"});
  EXPECT_NO_THROW(index().remove("svc:never-indexed"));
  EXPECT_EQ(index().size(), 1u);
}

TEST_F(SearchIndexTest, RejectsDocumentsWithoutId) {
  EXPECT_THROW(index().upsert(SearchDoc{}), std::invalid_argument);
  index().upsert(service("keep", "Resta"));
  std::vector<SearchDoc> docs = {service("a", "A"), SearchDoc{}};
  EXPECT_THROW(index().rebuild(docs), std::invalid_argument);
  EXPECT_EQ(index().size(), 1u);  // the live index is untouched
}

TEST_F(SearchIndexTest, RebuildReplacesEverythingAndReportsProgress) {
  index().upsert(service("old", "Servizio vecchio"));
  std::vector<SearchDoc> docs;
  for (int i = 0; i < 600; ++i) docs.push_back(service("n" + std::to_string(i), "Servizio nuovo"));
  docs.push_back(service("n0", "Servizio nuovo duplicato"));  // later duplicate wins

  std::vector<std::pair<std::size_t, std::size_t>> calls;
  index().rebuild(docs,
                  [&](std::size_t done, std::size_t total) { calls.emplace_back(done, total); });

  EXPECT_EQ(index().size(), 600u);
  EXPECT_EQ(index().search(text("vecchio")).total, 0u);
  EXPECT_EQ(index().search(text("duplicato")).total, 1u);
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls.back(), std::make_pair(docs.size(), docs.size()));
  EXPECT_TRUE(std::is_sorted(calls.begin(), calls.end()));
  EXPECT_EQ(generation_dirs(dir_), 1u);  // the old generation is gone

  // Writes after a rebuild go to the new generation and survive a restart.
  index().upsert(service("after", "Servizio aggiunto"));
  index_.reset();
  EXPECT_EQ(index().size(), 601u);
  EXPECT_EQ(index().search(text("aggiunto")).total, 1u);
}

TEST_F(SearchIndexTest, SearchesDuringRebuildSeeOldOrNewNeverHalf) {
  constexpr std::uint64_t kOld = 50, kNew = 3000;
  for (std::uint64_t i = 0; i < kOld; ++i) {
    index().upsert(service("o" + std::to_string(i), "Servizio comunale"));
  }
  std::vector<SearchDoc> docs;
  for (std::uint64_t i = 0; i < kNew; ++i) {
    docs.push_back(
        service("n" + std::to_string(i), "Servizio comunale", "Sintesi", "Testo del servizio"));
  }

  std::atomic<bool> done{false};
  std::set<std::uint64_t> seen_total, seen_size;
  std::thread reader([&] {
    SearchQuery q = text("servizio");
    q.limit = 1;
    // Keep reading until the rebuild finished and we have looked at least once more.
    bool last_round = false;
    while (!last_round) {
      last_round = done.load();
      seen_total.insert(index_->search(q).total);
      seen_size.insert(index_->size());
    }
  });
  index().rebuild(docs);
  done = true;
  reader.join();

  for (auto n : seen_total) EXPECT_TRUE(n == kOld || n == kNew) << n;
  for (auto n : seen_size) EXPECT_TRUE(n == kOld || n == kNew) << n;
  EXPECT_TRUE(seen_total.count(kNew));
  EXPECT_EQ(index().size(), kNew);
}

TEST_F(SearchIndexTest, ConcurrentSearchesWhileUpserting) {
  index().upsert(service("seed", "Servizio iniziale"));
  constexpr int kWrites = 150;
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::atomic<int> searches{0};

  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      std::uint64_t last = 0;
      bool last_round = false;
      while (!last_round) {
        last_round = !writing.load();
        try {
          SearchQuery q = text("servizio");
          q.limit = 5;
          const auto r = index_->search(q);
          // Writes only add documents, and every search sees at least the last commit it
          // could know about: a thread's totals never go backwards.
          if (r.total < last || r.hits.empty()) {
            std::fprintf(stderr, "total %llu after %llu\n", (unsigned long long)r.total,
                         (unsigned long long)last);
            ++failures;
          }
          last = r.total;
          ++searches;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "search failed: %s\n", e.what());
          ++failures;
        }
      }
    });
  }
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      index_->upsert(service("w" + std::to_string(i), "Servizio aggiunto " + std::to_string(i),
                             "Sintesi", "Corpo del servizio numero " + std::to_string(i)));
    }
    writing = false;
  });
  writer.join();
  for (auto& t : readers) t.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(searches.load(), 4);
  EXPECT_EQ(index().size(), kWrites + 1u);
  EXPECT_EQ(index().search(text("servizio")).total, kWrites + 1u);
}

}  // namespace
}  // namespace au::search
