#include "domain/completeness.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace au::domain {
namespace {

const std::vector<std::string> kAllLabels = {
    "Titolo",          "Descrizione breve", "Categoria",          "Argomenti",
    "A chi è rivolto", "Descrizione",       "Come fare",          "Cosa serve",
    "Cosa si ottiene", "Tempi e scadenze",  "Quanto costa",       "Accedi al servizio",
    "Condizioni di servizio",               "Contatti"};

Service complete_service() {
  Service s;
  s.title = "Autorizzazione Unica Ambientale";
  s.summary = "Un solo titolo per più autorizzazioni ambientali.";
  s.category = "ENVI";
  s.topics = {"Ambiente"};
  s.texts.addressed = "Le imprese.";
  s.texts.description = "L'AUA sostituisce ...";
  s.texts.how_to = "Presenta la domanda al SUAPE.";
  s.texts.needed = "Modello istanza AUA.";
  s.texts.achieved = "Il provvedimento di AUA.";
  s.texts.calendar = "150 giorni.";
  s.texts.costs = "Oneri istruttori.";
  s.channels.push_back(Channel{ChannelKind::Online, "Presenta la pratica", "https://suape.example.it", "", ""});
  s.texts.conditions = "Controlli a campione.";
  s.office_name = "Servizio Sostenibilità ambientale";
  return s;
}

TEST(Completeness, FullServiceScoresHundred) {
  const auto c = assess_completeness(complete_service());
  EXPECT_EQ(c.score, 100);
  EXPECT_TRUE(c.missing.empty());
}

TEST(Completeness, EmptyServiceMissesEverythingInPageOrder) {
  const auto c = assess_completeness(Service{});
  EXPECT_EQ(c.score, 0);
  EXPECT_EQ(c.missing, kAllLabels);
}

struct Removal {
  const char* label;
  std::function<void(Service&)> remove;
};

// Removing each criterion on its own costs one fourteenth and names exactly that label.
TEST(Completeness, EachCriterionWeighsTheSame) {
  const std::vector<Removal> removals = {
      {"Titolo", [](Service& s) { s.title = "   "; }},
      {"Descrizione breve", [](Service& s) { s.summary.clear(); }},
      {"Categoria", [](Service& s) { s.category.clear(); }},
      {"Argomenti", [](Service& s) { s.topics = {" "}; }},
      {"A chi è rivolto", [](Service& s) { s.texts.addressed = "\n\t"; }},
      {"Descrizione", [](Service& s) { s.texts.description.clear(); }},
      {"Come fare", [](Service& s) { s.texts.how_to.clear(); }},
      {"Cosa serve", [](Service& s) { s.texts.needed.clear(); }},
      {"Cosa si ottiene", [](Service& s) { s.texts.achieved.clear(); }},
      {"Tempi e scadenze", [](Service& s) { s.texts.calendar.clear(); }},
      {"Quanto costa", [](Service& s) { s.texts.costs = " "; }},
      {"Accedi al servizio", [](Service& s) { s.channels.clear(); }},
      {"Condizioni di servizio", [](Service& s) { s.texts.conditions.clear(); }},
      {"Contatti", [](Service& s) { s.office_name.clear(); }},
  };
  ASSERT_EQ(removals.size(), kAllLabels.size());
  for (const auto& r : removals) {
    Service s = complete_service();
    r.remove(s);
    const auto c = assess_completeness(s);
    EXPECT_EQ(c.score, 93) << r.label;  // round(13 * 100 / 14)
    EXPECT_EQ(c.missing, std::vector<std::string>{r.label});
  }
}

TEST(Completeness, ScoreRoundsToNearest) {
  Service s;
  s.title = "Solo titolo";
  EXPECT_EQ(assess_completeness(s).score, 7);  // 100 / 14 = 7.14
  s.summary = "e descrizione";
  EXPECT_EQ(assess_completeness(s).score, 14);  // 14.28
  s.category = "ENVI";
  EXPECT_EQ(assess_completeness(s).score, 21);  // 21.43
  s.topics = {"Ambiente"};
  s.texts.addressed = "x";
  s.texts.description = "x";
  s.texts.how_to = "x";
  EXPECT_EQ(assess_completeness(s).score, 50);  // 7 of 14
}

TEST(Completeness, CostsCanComeFromStructuredList) {
  Service s = complete_service();
  s.texts.costs.clear();
  s.costs.push_back(Cost{1600, "Marca da bollo"});
  EXPECT_EQ(assess_completeness(s).score, 100);
}

TEST(Completeness, AccessAlternatives) {
  Service base = complete_service();
  base.channels.clear();

  Service online_without_url = base;
  online_without_url.channels.push_back(Channel{ChannelKind::Online, "Online", "", "", ""});
  EXPECT_EQ(assess_completeness(online_without_url).missing, std::vector<std::string>{"Accedi al servizio"});

  Service phone_only = base;
  phone_only.channels.push_back(Channel{ChannelKind::Phone, "Telefono", "", "075 5041", ""});
  EXPECT_EQ(assess_completeness(phone_only).missing, std::vector<std::string>{"Accedi al servizio"});

  Service office = base;
  office.channels.push_back(Channel{ChannelKind::Office, "Sportello", "", "Via M. Angeloni 61", "9-13"});
  EXPECT_EQ(assess_completeness(office).score, 100);

  Service text = base;
  text.texts.access = "Scegli il tuo Comune.";
  EXPECT_EQ(assess_completeness(text).score, 100);

  Service per_comune = base;
  per_comune.local_channel_key = "urlsuape";
  EXPECT_EQ(assess_completeness(per_comune).score, 100);
}

TEST(Completeness, ContactsFromOfficeDetails) {
  Service s = complete_service();
  s.office_name.clear();
  s.office.pec = "direzioneambiente.regione@postacert.umbria.it";
  EXPECT_EQ(assess_completeness(s).score, 100);
  s.office.pec = "  ";
  EXPECT_EQ(assess_completeness(s).missing, std::vector<std::string>{"Contatti"});
}

}  // namespace
}  // namespace au::domain
