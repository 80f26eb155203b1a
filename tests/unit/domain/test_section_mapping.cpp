#include "domain/section_mapping.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace au::domain {
namespace {

struct TitleCase {
  const char* title;
  ModelBlock block;
};

std::ostream& operator<<(std::ostream& os, const TitleCase& c) { return os << c.title; }

class ClassifySectionTest : public ::testing::TestWithParam<TitleCase> {};

TEST_P(ClassifySectionTest, MapsTitleToBlock) {
  EXPECT_EQ(classify_section(GetParam().title), GetParam().block)
      << GetParam().title << " -> " << block_label(classify_section(GetParam().title));
}

using MB = ModelBlock;

// Every distinct title of the 35 regional cards, with where it belongs.
INSTANTIATE_TEST_SUITE_P(
    RealCardTitles, ClassifySectionTest,
    ::testing::Values(
        TitleCase{"Cosa è", MB::Description}, TitleCase{"Cosa sono", MB::Description},
        TitleCase{"Introduzione", MB::Description}, TitleCase{"La pratica", MB::Description},
        TitleCase{"A chi è rivolto", MB::Addressed}, TitleCase{"Chi deve registrarsi", MB::Addressed},
        TitleCase{"Chi la può ottenere", MB::Addressed}, TitleCase{"Chi la può richiedere", MB::Addressed},
        TitleCase{"Chi le può richiedere", MB::Addressed}, TitleCase{"Chi lo può richiedere", MB::Addressed},
        TitleCase{"Chi può fare accesso", MB::Addressed}, TitleCase{"Chi può fare domanda", MB::Addressed},
        TitleCase{"Chi può fare richiesta", MB::Addressed},
        TitleCase{"Chi può ottenere l'attestato", MB::Addressed},
        TitleCase{"Chi può presentare la SCIA", MB::Addressed},
        TitleCase{"Chi può sostenere l'esame finale", MB::Addressed},
        TitleCase{"Come fare accesso per progetti dal 01/01/1972 al 31/12/2017", MB::HowTo},
        TitleCase{"Come fare accesso per progetti dal 01/01/2018", MB::HowTo},
        TitleCase{"Come fare domanda", MB::HowTo}, TitleCase{"Come fare richiesta", MB::HowTo},
        TitleCase{"Come funziona", MB::HowTo},
        TitleCase{"Come presentare la comunicazione annuale", MB::HowTo},
        TitleCase{"Come presentare la domanda", MB::HowTo},
        TitleCase{"Come presentare la domanda di autorizzazione alla riproduzione", MB::HowTo},
        TitleCase{"Come presentare la domanda di ispezione", MB::HowTo},
        TitleCase{"Come presentare la richiesta", MB::HowTo}, TitleCase{"Come registrarsi", MB::HowTo},
        TitleCase{"Come richiederlo", MB::HowTo}, TitleCase{"Come si attiva", MB::HowTo},
        TitleCase{"Come si attiva da parte degli ATC", MB::HowTo},
        TitleCase{"Come si attiva da parte dei capi-squadra", MB::HowTo},
        TitleCase{"Modalità di adesione", MB::HowTo},
        TitleCase{"Modalità di iscrizione all'anagrafica regionale dei cacciatori", MB::HowTo},
        TitleCase{"Modalità di richiesta dell'abilitazione", MB::HowTo},
        TitleCase{"Modalità di svolgimento dell'esame", MB::HowTo},
        TitleCase{"Avvio dell'attività", MB::HowTo},
        TitleCase{"Documenti da allegare alla SCIA", MB::Needed},
        TitleCase{"Requisiti oggettivi", MB::Needed}, TitleCase{"Requisiti soggettivi", MB::Needed},
        TitleCase{"Rilascio dell'attestato", MB::Achieved},
        TitleCase{"Modalità e tempi", MB::Calendar}, TitleCase{"Iter amministrativo", MB::Calendar},
        TitleCase{"Le fasi del procedimento", MB::Calendar},
        TitleCase{"Tempi e durata dell'iscrizione", MB::Calendar},
        TitleCase{"Durata e controlli", MB::Calendar},
        TitleCase{"Costi", MB::Costs}, TitleCase{"Costi e durata", MB::Costs},
        TitleCase{"Costi e durata dell'iscrizione", MB::Costs}, TitleCase{"Durata e costi", MB::Costs},
        TitleCase{"Costi, Durata e Tempi di rilascio", MB::Costs},
        TitleCase{"Tempi, costi e durata dell'iscrizione", MB::Costs},
        TitleCase{"Modalità di pagamento e costi", MB::Costs},
        TitleCase{"Modalità di pagamento, costi e durata", MB::Costs},
        TitleCase{"Quote annuali", MB::Costs},
        TitleCase{"Controlli", MB::Conditions},
        TitleCase{"Obblighi dei gestori di monta pubblica", MB::Conditions},
        TitleCase{"Obblighi dei titolari dei Centri privati", MB::Conditions},
        TitleCase{"Obblighi e scadenze annuali", MB::Conditions},
        TitleCase{"Obblighi per le amministrazioni comunali", MB::Conditions},
        TitleCase{"Adempimenti dei tecnici professionisti", MB::More},
        TitleCase{"Autorizzazione al rilascio del passaporto delle piante", MB::More},
        TitleCase{"Categorie di lavori e importi", MB::More},
        TitleCase{"Come si forma l'elenco", MB::More}, TitleCase{"Come utilizzare l'elenco", MB::More},
        TitleCase{"Dove e come esercitare", MB::More}, TitleCase{"Faq", MB::More},
        TitleCase{"Faq per i Comuni", MB::More}, TitleCase{"I vantaggi", MB::More},
        TitleCase{"Interventi subordinati alla SCIA", MB::More},
        TitleCase{"Istruttoria preliminare", MB::More}, TitleCase{"Mobilità in ingresso", MB::More},
        TitleCase{"Mobilità in uscita", MB::More}, TitleCase{"Passaporto delle piante", MB::More},
        TitleCase{"Pescare nei tratti No Kill dell'Alto Tevere", MB::More},
        TitleCase{"Riferimenti e contatti per progetti dal 09/12/1981 ad oggi", MB::More},
        TitleCase{"Risorse in rete", MB::More},
        TitleCase{"Soggetti aggiudicatori che utilizzano l'elenco imprese", MB::More},
        TitleCase{"Tesserino di caccia", MB::More},
        TitleCase{"Tipologie di cambio di destinazione d'uso", MB::More},
        TitleCase{"Tipologie di servizio", MB::More}));

INSTANTIATE_TEST_SUITE_P(
    CaseAccentAndPunctuation, ClassifySectionTest,
    ::testing::Values(TitleCase{"COSA È", MB::Description}, TitleCase{"cosa e", MB::Description},
                      TitleCase{"Cos'è il SUAPE", MB::Description},
                      TitleCase{"  a chi e' rivolto?  ", MB::Addressed},
                      TitleCase{"CHI PUÒ FARE DOMANDA", MB::Addressed},
                      TitleCase{"Modalita' di adesione", MB::HowTo},
                      TitleCase{"Cosa serve", MB::Needed}, TitleCase{"Cosa si ottiene", MB::Achieved},
                      TitleCase{"Quanto costa", MB::Costs}, TitleCase{"Tempi e scadenze", MB::Calendar},
                      TitleCase{"Accedi al servizio", MB::Access},
                      TitleCase{"Condizioni di servizio", MB::Conditions},
                      // whole words only: "chiusura" is not "chi", "costituzione" is not "costi"
                      TitleCase{"Chiusura dell'attività", MB::More},
                      TitleCase{"", MB::More}, TitleCase{"?!", MB::More}));

TEST(SectionTitles, GenericAndCostsAndTimes) {
  EXPECT_TRUE(is_generic_section_title("Cosa è"));
  EXPECT_TRUE(is_generic_section_title("Come fare domanda"));
  EXPECT_TRUE(is_generic_section_title("COSTI"));
  EXPECT_FALSE(is_generic_section_title("Modalità di svolgimento dell'esame"));
  EXPECT_FALSE(is_generic_section_title("Requisiti soggettivi"));

  EXPECT_TRUE(names_costs_and_times("Costi, Durata e Tempi di rilascio"));
  EXPECT_TRUE(names_costs_and_times("Durata e costi"));
  EXPECT_TRUE(names_costs_and_times("Costi e durata dell'iscrizione"));
  EXPECT_FALSE(names_costs_and_times("Costi"));
  EXPECT_FALSE(names_costs_and_times("Modalità di pagamento e costi"));
  EXPECT_FALSE(names_costs_and_times("Tempi e durata dell'iscrizione"));  // no costs in it
  EXPECT_FALSE(names_costs_and_times("Obblighi e scadenze annuali"));
}

TEST(ApplySections, GenericTitleAloneHasNoHeading) {
  ServiceTexts t;
  apply_sections({{"Cosa è", "\n\nIl servizio consente...\n\n"}}, t);
  EXPECT_EQ(t.description, "Il servizio consente...");
}

TEST(ApplySections, SecondSectionInABlockGetsItsTitleInBold) {
  ServiceTexts t;
  apply_sections({{"Come fare richiesta", "Compila il modulo."},
                  {"Modalità di svolgimento dell'esame", "Prova pratica."}},
                 t);
  EXPECT_EQ(t.how_to, "Compila il modulo.\n\n**Modalità di svolgimento dell'esame**\n\nProva pratica.");
}

TEST(ApplySections, InformativeTitleIsShownEvenWhenFirst) {
  ServiceTexts t;
  apply_sections({{"Requisiti soggettivi", "Maggiore età."}, {"Requisiti oggettivi", "Locali idonei."}}, t);
  EXPECT_EQ(t.needed, "**Requisiti soggettivi**\n\nMaggiore età.\n\n**Requisiti oggettivi**\n\nLocali idonei.");
}

TEST(ApplySections, ExistingTextCountsAsAlreadyFilled) {
  ServiceTexts t;
  t.costs = "Gratuito.";
  apply_sections({{"Costi", "Marca da bollo da 16 euro."}}, t);
  EXPECT_EQ(t.costs, "Gratuito.\n\n**Costi**\n\nMarca da bollo da 16 euro.");
}

TEST(ApplySections, MoreKeepsTitleAndOrder) {
  ServiceTexts t;
  apply_sections({{"Faq", "D: ... R: ..."}, {"I vantaggi", "- uno\n- due\n"}}, t);
  ASSERT_EQ(t.more.size(), 2u);
  EXPECT_EQ(t.more[0].title, "Faq");
  EXPECT_EQ(t.more[0].markdown, "D: ... R: ...");
  EXPECT_EQ(t.more[1].title, "I vantaggi");
  EXPECT_EQ(t.more[1].markdown, "- uno\n- due");
}

TEST(ApplySections, BlankSectionsAreSkipped) {
  ServiceTexts t;
  apply_sections({{"Cosa è", "  \n\t\n"}, {"Faq", ""}, {"Costi", "Nessuno."}}, t);
  EXPECT_EQ(t.description, "");
  EXPECT_TRUE(t.more.empty());
  EXPECT_EQ(t.costs, "Nessuno.");
}

TEST(ApplySections, CostsAndTimesSectionAlsoFillsEmptyCalendar) {
  ServiceTexts t;
  apply_sections({{"Costi, Durata e Tempi di rilascio", "150 giorni, 50 euro."}}, t);
  EXPECT_EQ(t.costs, "**Costi, Durata e Tempi di rilascio**\n\n150 giorni, 50 euro.");
  EXPECT_EQ(t.calendar, "**Costi, Durata e Tempi di rilascio**\n\n150 giorni, 50 euro.");
}

TEST(ApplySections, CostsAndTimesSectionLeavesAStatedCalendarAlone) {
  ServiceTexts t;
  apply_sections({{"Durata e costi", "Annuale, 30 euro."}, {"Modalità e tempi", "Entro 30 giorni."}}, t);
  EXPECT_EQ(t.costs, "**Durata e costi**\n\nAnnuale, 30 euro.");
  EXPECT_EQ(t.calendar, "**Modalità e tempi**\n\nEntro 30 giorni.");
}

TEST(ApplySections, TitleMarkdownIsEscapedInHeading) {
  ServiceTexts t;
  t.more.clear();
  apply_sections({{"Requisiti *speciali* [vedi]", "Testo."}}, t);
  EXPECT_EQ(t.needed, "**Requisiti \\*speciali\\* \\[vedi\\]**\n\nTesto.");
}

// --- the real catalogue -------------------------------------------------------------------

std::filesystem::path catalogue_path() {
  const std::filesystem::path in_repo = AU_SOURCE_DIR "/data/accesso_unico/catalogo_schede.json";
  if (std::filesystem::exists(in_repo)) return in_repo;
  return "/work/shared/data/accesso_unico/catalogo_schede.json";
}

std::vector<std::string> all_texts(const ServiceTexts& t) {
  std::vector<std::string> v = {t.description, t.addressed, t.how_to,   t.needed,    t.achieved,
                                t.calendar,    t.costs,     t.access,   t.conditions};
  for (const auto& s : t.more) v.push_back(s.markdown);
  return v;
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

TEST(ApplySections, RealCatalogueLosesNoTextAndFillsDescriptions) {
  std::ifstream in(catalogue_path());
  ASSERT_TRUE(in) << catalogue_path();
  const auto cards = nlohmann::json::parse(in);
  ASSERT_EQ(cards.size(), 35u);

  int with_description = 0, with_how_to = 0, with_addressed = 0;
  for (const auto& card : cards) {
    const std::string object = card.at("object").get<std::string>();
    std::vector<Section> sections;
    for (const auto& s : card.at("sections")) {
      sections.push_back(Section{s.value("title", ""), s.value("markdown", "")});
    }
    ServiceTexts texts;
    apply_sections(sections, texts);

    std::size_t source_length = 0, mapped_length = 0;
    const auto mapped = all_texts(texts);
    for (const auto& m : mapped) mapped_length += m.size();
    for (const auto& s : sections) {
      const std::string body = trimmed(s.markdown);
      source_length += body.size();
      if (body.empty()) continue;
      bool found = false;
      for (const auto& m : mapped) found = found || m.find(body) != std::string::npos;
      EXPECT_TRUE(found) << object << ": section \"" << s.title << "\" was lost";
    }
    EXPECT_GE(mapped_length, source_length) << object;

    with_description += !texts.description.empty();
    with_how_to += !texts.how_to.empty();
    with_addressed += !texts.addressed.empty();
  }
  EXPECT_GE(with_description, 30);
  // Not required by the model mapping but a regression guard on the rule table.
  EXPECT_GE(with_how_to, 28);
  EXPECT_GE(with_addressed, 24);
}

}  // namespace
}  // namespace au::domain
