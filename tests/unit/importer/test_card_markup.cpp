#include "importer/card_markup.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace au::importer {
namespace {

constexpr const char* kBase = "https://accessounico.regione.umbria.it";

std::filesystem::path catalogue_path() {
  const std::filesystem::path in_repo = AU_SOURCE_DIR "/data/accesso_unico/catalogo_schede.json";
  if (std::filesystem::exists(in_repo)) return in_repo;
  return "/work/shared/data/accesso_unico/catalogo_schede.json";
}

const nlohmann::json& catalogue() {
  static const nlohmann::json cards = [] {
    std::ifstream in(catalogue_path());
    return nlohmann::json::parse(in);
  }();
  return cards;
}

const nlohmann::json& card(const std::string& object) {
  for (const auto& c : catalogue()) {
    if (c.at("object") == object) return c;
  }
  throw std::runtime_error("no card " + object);
}

// The whole sidebar as one markdown text, the way the importer reads it.
std::string sidebar_of(const std::string& object) {
  std::string md;
  for (const auto& s : card(object).at("sidebar")) md += s.at("markdown").get<std::string>() + "\n\n";
  return md;
}

std::string sidebar_section(const std::string& object, const std::string& title) {
  for (const auto& s : card(object).at("sidebar")) {
    if (s.at("title") == title) return s.at("markdown").get<std::string>();
  }
  throw std::runtime_error("no sidebar " + title + " in " + object);
}

bool has_liquid(const std::string& s) {
  return s.find("{%") != std::string::npos || s.find("%}") != std::string::npos ||
         s.find("{{") != std::string::npos || s.find("}}") != std::string::npos;
}

// --- real sidebars ------------------------------------------------------------------------

TEST(CardMarkupReal, AcgSidebar) {
  const auto r = parse_card_markup(sidebar_of("acg"), kBase);
  EXPECT_EQ(r.comuni_select_key, "urlsuape");
  EXPECT_TRUE(r.has_documents_include);
  ASSERT_EQ(r.documents.size(), 5u);
  EXPECT_EQ(r.documents[0].title, "All.A-Elenco attività in deroga-Criteri e condizioni-Prescrizioni e adempimenti");
  EXPECT_EQ(r.documents[0].url, std::string(kBase) + "/docs/modulistica/ALLEGATO_A_ACG.pdf");
  EXPECT_EQ(r.documents[4].title, "Istanza di voltura");
  for (const auto& d : r.documents) EXPECT_EQ(d.kind, "modulo") << d.title;
  EXPECT_EQ(r.linked_card_objects, (std::vector<std::string>{"aua", "sportellisuape"}));
  EXPECT_NE(r.markdown.find("[Autorizzazione Unica Ambientale](/servizi/card:aua)"), std::string::npos) << r.markdown;
  EXPECT_NE(r.markdown.find("[Sportelli Suape Comunali](/servizi/card:sportellisuape)"), std::string::npos);
  EXPECT_NE(r.markdown.find("Scegli il Comune interessato per avere informazioni online sul Suape"), std::string::npos);
  EXPECT_FALSE(has_liquid(r.markdown)) << r.markdown;
  EXPECT_EQ(r.markdown.find("<option"), std::string::npos);
  EXPECT_EQ(r.markdown.find("\n\n\n"), std::string::npos);
}

TEST(CardMarkupReal, PresentaLaPraticaIsJustTheSentence) {
  const auto r = parse_card_markup(sidebar_section("aua", "Presenta la pratica"), kBase);
  EXPECT_EQ(r.comuni_select_key, "urlaua");
  EXPECT_EQ(r.markdown, "Scegli il Comune interessato per avere informazioni online sul Suape");
}

TEST(CardMarkupReal, ComuniSelectKeysAcrossCatalogue) {
  EXPECT_EQ(parse_card_markup(sidebar_of("autorizzazionepaesaggistica"), kBase).comuni_select_key, "urlautpaes");
  EXPECT_EQ(parse_card_markup(sidebar_of("scia"), kBase).comuni_select_key, "urlsuape");
  EXPECT_EQ(parse_card_markup(sidebar_of("fse"), kBase).comuni_select_key, "");
}

TEST(CardMarkupReal, RootRelativeDocumentsLiveOnTheSourceSite) {
  const auto r = parse_card_markup(sidebar_section("autorizzazionepaesaggistica", "Modulistica"), kBase);
  ASSERT_EQ(r.documents.size(), 4u);
  EXPECT_EQ(r.documents[0].url, std::string(kBase) + "/docs/modulistica/ModelloOrdinaria.pdf");
  EXPECT_EQ(r.documents[2].title, "Scheda semplificata di cui all'allegato D del D.P.R. 31/2017");
  EXPECT_EQ(r.markdown, "");
}

TEST(CardMarkupReal, OptionTitleSpanningLinesIsCollapsed) {
  const auto r = parse_card_markup(sidebar_section("elencoprofessionisti", "Modulistica"), kBase);
  ASSERT_GE(r.documents.size(), 2u);
  EXPECT_EQ(r.documents[0].title, "Modello A1");
}

TEST(CardMarkupReal, ManualisticaIncludeMakesManuals) {
  const auto r = parse_card_markup(sidebar_section("mobilitavenatoria", "Manualistica"), kBase);
  ASSERT_EQ(r.documents.size(), 1u);
  EXPECT_EQ(r.documents[0].kind, "manuale");
  EXPECT_EQ(r.documents[0].title, "Istruzioni per la mobilità venatoria");
  EXPECT_EQ(r.documents[0].url.rfind("http://www.regione.umbria.it/documents/", 0), 0u);
}

TEST(CardMarkupReal, LinkTitleIsKeptWhenRewritingCardLink) {
  std::string md;
  for (const auto& s : card("acconciatore").at("sections")) {
    if (s.at("title") == "Avvio dell'attività") md = s.at("markdown").get<std::string>();
  }
  ASSERT_FALSE(md.empty());
  const auto r = parse_card_markup(md, kBase);
  EXPECT_NE(r.markdown.find("[AUA](/servizi/card:aua \"vai alla scheda\")"), std::string::npos) << r.markdown;
  EXPECT_EQ(r.linked_card_objects, (std::vector<std::string>{"aua", "cambio_destinazione_uso"}));
}

TEST(CardMarkupReal, ReferenceDefinitionsAreRewrittenToo) {
  std::string md;
  for (const auto& s : card("sportellisuape").at("sections")) {
    if (s.at("title") == "Come funziona") md = s.at("markdown").get<std::string>();
  }
  const auto r = parse_card_markup(md, kBase);
  EXPECT_NE(r.markdown.find("[550ed802]: " + std::string(kBase) + "/cosaesuape \"cosa è il suape\""), std::string::npos)
      << r.markdown;
}

// Every section and sidebar of the 35 cards: no Liquid or <option> survives, every capture of
// options yields documents, and every /schede/ link becomes a placeholder.
TEST(CardMarkupReal, WholeCatalogueIsCleaned) {
  int documents = 0, captures = 0, linked = 0;
  for (const auto& c : catalogue()) {
    for (const char* part : {"sections", "sidebar"}) {
      for (const auto& s : c.at(part)) {
        const std::string md = s.at("markdown").get<std::string>();
        const auto r = parse_card_markup(md, kBase);
        EXPECT_FALSE(has_liquid(r.markdown)) << c.at("object") << " / " << s.at("title");
        EXPECT_EQ(r.markdown.find("<option"), std::string::npos) << c.at("object");
        EXPECT_EQ(r.markdown.find("/schede/"), std::string::npos) << c.at("object") << ": " << r.markdown;
        for (const auto& d : r.documents) {
          EXPECT_FALSE(d.title.empty());
          EXPECT_TRUE(d.url.rfind("http", 0) == 0) << d.url;
        }
        documents += static_cast<int>(r.documents.size());
        linked += static_cast<int>(r.linked_card_objects.size());
        for (auto p = md.find("{% capture"); p != std::string::npos; p = md.find("{% capture", p + 1)) ++captures;
      }
    }
  }
  EXPECT_EQ(captures, 21);
  EXPECT_EQ(documents, 48);  // one per <option> in the file
  EXPECT_GE(linked, 40);
}

// --- hand-written edge cases --------------------------------------------------------------

TEST(CardMarkup, EmptyInput) {
  const auto r = parse_card_markup("", kBase);
  EXPECT_EQ(r.markdown, "");
  EXPECT_TRUE(r.documents.empty());
  EXPECT_TRUE(r.linked_card_objects.empty());
  EXPECT_EQ(r.comuni_select_key, "");
  EXPECT_FALSE(r.has_documents_include);
  EXPECT_EQ(strip_markdown(""), "");
}

TEST(CardMarkup, BaseUrlSpellingsAndTrailingSlash) {
  const auto r = parse_card_markup("[a]({{site.baseurl}}/x.pdf) [b]({{ site.baseurl }}/y.pdf) [c]({{- site.baseurl -}}/z)",
                                   "https://example.it/");
  EXPECT_EQ(r.markdown, "[a](https://example.it/x.pdf) [b](https://example.it/y.pdf) [c](https://example.it/z)");
}

TEST(CardMarkup, EmptyBaseKeepsRootRelativeLinks) {
  const auto r = parse_card_markup("[Doc](/docs/a.pdf) [Scheda]({{site.baseurl}}/schede/ruop/index.html)", "");
  EXPECT_EQ(r.markdown, "[Doc](/docs/a.pdf) [Scheda](/servizi/card:ruop)");
  EXPECT_EQ(r.linked_card_objects, std::vector<std::string>{"ruop"});
}

TEST(CardMarkup, OtherOutputTagsDisappearButLoneBracesStay) {
  const auto r = parse_card_markup("Pagina {{ page.title }} di {{site.baseurl}}. Insieme {a, b} e {{ non chiuso", "B");
  EXPECT_EQ(r.markdown, "Pagina  di B. Insieme {a, b} e {{ non chiuso");
}

TEST(CardMarkup, UnterminatedCaptureRunsToEnd) {
  const auto r = parse_card_markup(
      "Prima\n{% capture opts %}\n<option value=\"/a.pdf\">A &amp; B</option>\n<option value=\"/b.pdf\">C</option>\nresto",
      kBase);
  EXPECT_EQ(r.markdown, "Prima");
  ASSERT_EQ(r.documents.size(), 2u);
  EXPECT_EQ(r.documents[0].title, "A & B");
  EXPECT_EQ(r.documents[0].url, std::string(kBase) + "/a.pdf");
  EXPECT_EQ(r.documents[1].kind, "modulo");
}

TEST(CardMarkup, UnterminatedTagIsDroppedToEndOfLine) {
  const auto r = parse_card_markup("Uno\n{% include comuni_select.html url='urlsuape'\nDue", kBase);
  EXPECT_EQ(r.markdown, "Uno\n\nDue");
  EXPECT_EQ(r.comuni_select_key, "");  // a broken tag carries no facts
}

TEST(CardMarkup, UnfinishedTagDoesNotSwallowTheNextOne) {
  const auto r = parse_card_markup("A {% include x\nB {% include documenti_select.html %} C", kBase);
  EXPECT_TRUE(r.has_documents_include);
  EXPECT_EQ(r.markdown, "A \nB  C");
}

TEST(CardMarkup, NestedBracesInsideTags) {
  const auto r = parse_card_markup(
      "{% if site.x == '{' %}Sì {{ site.baseurl }}/{% endif %}\n{% include comuni_select.html url=\"urlprg\" extra='{{ a }}' %}\nFine",
      "https://b.it");
  EXPECT_EQ(r.comuni_select_key, "urlprg");
  EXPECT_EQ(r.markdown, "Sì https://b.it/\nFine");
}

TEST(CardMarkup, RemovalNeverLeavesFreshLiquidBehind) {
  // Dropping the tag in the middle joins "{" and "% include ... %}" into a new tag.
  const auto r = parse_card_markup("a {{% endif %}% include documenti_select.html %} b", kBase);
  EXPECT_TRUE(r.has_documents_include);
  EXPECT_FALSE(has_liquid(r.markdown)) << r.markdown;
}

TEST(CardMarkup, RawKeepsBodyAndCommentDropsIt) {
  const auto r = parse_card_markup("{% raw %}{{ x }}{% endraw %} {% comment %}nota {{ y }}{% endcomment %}ok", kBase);
  EXPECT_EQ(r.markdown, "{{ x }} ok");
}

TEST(CardMarkup, CaptureKindFollowsTheIncludeThatUsesIt) {
  const std::string md =
      "{% capture m %}<option value=\"https://a.it/m.pdf\">M</option>{% endcapture %}\n"
      "{% capture options %}<option value=\"https://a.it/g.pdf\">G</option>{% endcapture %}\n"
      "{% include manualistica_select_include.html options=options %}\n"
      "{% include modulistica_select_include.html options=m %}\n";
  const auto r = parse_card_markup(md, kBase);
  ASSERT_EQ(r.documents.size(), 2u);
  EXPECT_EQ(r.documents[0].title, "M");
  EXPECT_EQ(r.documents[0].kind, "modulo");
  EXPECT_EQ(r.documents[1].title, "G");
  EXPECT_EQ(r.documents[1].kind, "manuale");
  EXPECT_EQ(r.markdown, "");
}

TEST(CardMarkup, OptionsEntitiesAndPlaceholders) {
  const auto r = parse_card_markup(
      "{% capture o %}"
      "<option value=\"\">Scegli...</option>"
      "<OPTION value='https://a.it/x?a=1&amp;b=2'>Qualit&agrave; &quot;alta&quot; &#39;e&#39; &lt;ok&gt; &egrave; &#232; &#xE0;</OPTION>"
      "<option value=\"https://a.it/empty.pdf\"></option>"
      "{% endcapture %}",
      kBase);
  ASSERT_EQ(r.documents.size(), 2u);  // the placeholder without a URL is not a document
  EXPECT_EQ(r.documents[0].url, "https://a.it/x?a=1&b=2");
  EXPECT_EQ(r.documents[0].title, "Qualità \"alta\" 'e' <ok> è è à");
  EXPECT_EQ(r.documents[1].title, "https://a.it/empty.pdf");
}

TEST(CardMarkup, CardLinkVariants) {
  const auto r = parse_card_markup(
      "[a](/schede/aua/) [b](/schede/aua/index.html#costi) [c](<{{site.baseurl}}/schede/scia>) "
      "[d](https://altro.it/schede/x/) [e](/schede/) [f](https://accessounico.regione.umbria.it/schede/fse/index.html)",
      kBase);
  EXPECT_EQ(r.markdown,
            "[a](/servizi/card:aua) [b](/servizi/card:aua) [c](</servizi/card:scia>) "
            "[d](https://altro.it/schede/x/) [e](" + std::string(kBase) + "/schede/) [f](/servizi/card:fse)");
  EXPECT_EQ(r.linked_card_objects, (std::vector<std::string>{"aua", "scia", "fse"}));
}

TEST(CardMarkup, RawHtmlIsLeftAlone) {
  const auto r = parse_card_markup("Le <a href=\"https://x.it/z\" target=\"_blank\">zone</a>.<br>Fine", kBase);
  EXPECT_EQ(r.markdown, "Le <a href=\"https://x.it/z\" target=\"_blank\">zone</a>.<br>Fine");
}

TEST(DecodeHtmlEntities, KnownUnknownAndMalformed) {
  EXPECT_EQ(decode_html_entities("&amp;&lt;&gt;&quot;&#39;&apos;"), "&<>\"''");
  EXPECT_EQ(decode_html_entities("citt&agrave; perch&eacute; &Egrave;"), "città perché È");
  EXPECT_EQ(decode_html_entities("&#8217; &#x20AC;"), "’ €");
  EXPECT_EQ(decode_html_entities("&bogus; &#; &#xZZ; & amp; &#0; &#xD800;"), "&bogus; &#; &#xZZ; & amp; &#0; &#xD800;");
  EXPECT_EQ(decode_html_entities("a &amp"), "a &amp");
}

// --- strip_markdown -----------------------------------------------------------------------

struct StripCase {
  const char* markdown;
  const char* text;
};

class StripMarkdownTest : public ::testing::TestWithParam<StripCase> {};

TEST_P(StripMarkdownTest, PlainText) { EXPECT_EQ(strip_markdown(GetParam().markdown), GetParam().text); }

INSTANTIATE_TEST_SUITE_P(
    Cases, StripMarkdownTest,
    ::testing::Values(
        StripCase{"**Bold** and *em* and __u__ and _e_ and ~~s~~ and `code`", "Bold and em and u and e and s and code"},
        StripCase{"Vedi [la scheda AUA](/servizi/card:aua \"vai\") oggi", "Vedi la scheda AUA oggi"},
        StripCase{"**[AUA]({{x}}/schede/aua/ \"t\")**", "AUA"},
        StripCase{"![logo](/img/a.png) testo", "logo testo"},
        StripCase{"- uno\n- due\n* tre\n+ quattro\n•\tcinque\n1. sei\n2) sette", "uno due tre quattro cinque sei sette"},
        StripCase{"# Titolo\n\n## Sotto\n\n> citazione\n\n---\n\nfine", "Titolo Sotto citazione fine"},
        StripCase{"[SPID][212158a9] e [CNS][x]\n\n  [212158a9]: https://www.spid.gov.it/ \"Per saperne di più\"\n",
                  "SPID e CNS"},
        StripCase{"riga<br>altra<br/>ancora", "riga altra ancora"},
        StripCase{"A&nbsp;B &egrave; <https://x.it/a> <mailto:a@b.it>", "A B è https://x.it/a a@b.it"},
        StripCase{"File ALLEGATO_A_ACG.pdf e snake_case", "File ALLEGATO_A_ACG.pdf e snake_case"},
        StripCase{"[[email personale rimossa]]([email personale rimossa])", "email personale rimossa"},
        StripCase{"5 \\* 3 \\[non link\\]", "5 * 3 [non link]"},
        StripCase{"a)\tprimo\nb) secondo", "a) primo b) secondo"},
        StripCase{"x < y e 2 > 1", "x < y e 2 > 1"},
        StripCase{"  \n\t spazi   multipli \n\n ", "spazi multipli"}));

TEST(StripMarkdown, RealCardSectionHasNoMarkup) {
  for (const auto& c : catalogue()) {
    for (const auto& s : c.at("sections")) {
      const auto clean = parse_card_markup(s.at("markdown").get<std::string>(), kBase);
      const std::string text = strip_markdown(clean.markdown);
      EXPECT_EQ(text.find("**"), std::string::npos) << c.at("object");
      EXPECT_EQ(text.find("]("), std::string::npos) << c.at("object");
      EXPECT_EQ(text.find("<br"), std::string::npos) << c.at("object");
      EXPECT_EQ(text.find("\n"), std::string::npos);
      EXPECT_EQ(text.find("  "), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace au::importer
