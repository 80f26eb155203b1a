// The common status model of a practice and the mapping of back-office state codes onto it.
#include <gtest/gtest.h>

#include "domain/practice_status.h"

using namespace au::domain;

TEST(PracticeStatus, CodesAndLabelsRoundTrip) {
  // Modello Comuni: six statuses, each with a stable code and the label people read.
  for (auto s : {PracticeStatus::Bozza, PracticeStatus::InCorso, PracticeStatus::SospesoUtente, PracticeStatus::SospesoPa,
                 PracticeStatus::ConclusoPositivo, PracticeStatus::ConclusoNegativo}) {
    auto back = parse_status_code(status_code(s));
    ASSERT_TRUE(back.has_value()) << status_code(s);
    EXPECT_EQ(*back, s);
    EXPECT_FALSE(status_label(s).empty());
  }
  EXPECT_EQ(status_label(PracticeStatus::SospesoUtente), "Sospeso – azione dell'utente");
  EXPECT_FALSE(parse_status_code("In corso").has_value());  // labels are not codes
  EXPECT_FALSE(parse_status_code("").has_value());
}

TEST(PracticeStatus, ConclusionAndWhoActsNext) {
  EXPECT_TRUE(is_concluded(PracticeStatus::ConclusoPositivo));
  EXPECT_TRUE(is_concluded(PracticeStatus::ConclusoNegativo));
  EXPECT_FALSE(is_concluded(PracticeStatus::SospesoPa));
  EXPECT_EQ(expected_from(PracticeStatus::SospesoUtente), NextActor::Richiedente);
  EXPECT_EQ(expected_from(PracticeStatus::Bozza), NextActor::Richiedente);
  EXPECT_EQ(expected_from(PracticeStatus::InCorso), NextActor::Amministrazione);
  EXPECT_EQ(expected_from(PracticeStatus::SospesoPa), NextActor::Amministrazione);
  EXPECT_EQ(expected_from(PracticeStatus::ConclusoNegativo), NextActor::Nessuno);
}

TEST(PracticeStatus, VbgBehaviours) {
  // VBG staticomportamento: -1 Chiusa negativamente, 0 Attiva, 1 Chiusa positivamente.
  EXPECT_EQ(from_vbg_behaviour(-1, false), PracticeStatus::ConclusoNegativo);
  EXPECT_EQ(from_vbg_behaviour(1, false), PracticeStatus::ConclusoPositivo);
  EXPECT_EQ(from_vbg_behaviour(0, false), PracticeStatus::InCorso);
  // An active practice with a contromovimento due from the applicant waits for them.
  EXPECT_EQ(from_vbg_behaviour(0, true), PracticeStatus::SospesoUtente);
  EXPECT_FALSE(from_vbg_behaviour(2, false).has_value());
}

TEST(StatusMapping, FromJsonWithCommonStatusesAndVbgBehaviours) {
  std::vector<std::string> errors;
  auto m = StatusMapping::from_json(
      nlohmann::json::parse(R"({"AT": {"vbg_behaviour": 0}, "CP": {"vbg_behaviour": 1}, "CN": {"vbg_behaviour": -1},
                               "SI": "sospeso-utente", "PA": "sospeso-pa"})"),
      errors);
  ASSERT_TRUE(m.has_value()) << (errors.empty() ? "" : errors[0]);
  EXPECT_EQ(m->size(), 5u);
  EXPECT_EQ(m->map("AT"), PracticeStatus::InCorso);
  EXPECT_EQ(m->map("CP"), PracticeStatus::ConclusoPositivo);
  EXPECT_EQ(m->map("CN"), PracticeStatus::ConclusoNegativo);
  EXPECT_EQ(m->map("SI"), PracticeStatus::SospesoUtente);
  EXPECT_FALSE(m->map("XX").has_value());  // unknown codes are the caller's 422, not a default
  EXPECT_FALSE(m->map("at").has_value());  // codes are case-sensitive, as VBG stores them
  EXPECT_EQ(m->to_json()["PA"], "sospeso-pa");
}

TEST(StatusMapping, EveryProblemIsReportedAndNamesTheCode) {
  struct Case {
    const char* rule;
    const char* json;
    std::size_t errors;
  };
  const Case cases[] = {
      {"the table must be an object", R"(["AT"])", 1},
      {"an empty table maps nothing", R"({})", 1},
      {"an unknown common status", R"({"AT": "attiva"})", 1},
      {"a VBG behaviour out of range", R"({"AT": {"vbg_behaviour": 5}})", 1},
      {"a behaviour that is not an integer", R"({"AT": {"vbg_behaviour": "0"}})", 1},
      {"a code with spaces", R"({"A T": "in-corso"})", 1},
      {"a code longer than 20 characters", R"({"ABCDEFGHIJKLMNOPQRSTU": "in-corso"})", 1},
      {"two problems, both reported", R"({"AT": "x", "CP": 3})", 2},
  };
  for (const auto& c : cases) {
    std::vector<std::string> errors;
    auto m = StatusMapping::from_json(nlohmann::json::parse(c.json), errors);
    EXPECT_FALSE(m.has_value()) << c.rule;
    EXPECT_EQ(errors.size(), c.errors) << c.rule;
  }
  std::vector<std::string> errors;
  StatusMapping::from_json(nlohmann::json::parse(R"({"ZZ": "boh"})"), errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("ZZ"), std::string::npos);
}

TEST(StatusMapping, RepeatedCodesAreRefused) {
  StatusMapping m;
  std::string error;
  EXPECT_TRUE(m.add("AT", PracticeStatus::InCorso, error));
  EXPECT_FALSE(m.add("AT", PracticeStatus::SospesoPa, error));
  EXPECT_NE(error.find("ripetuto"), std::string::npos);
  EXPECT_EQ(m.map("AT"), PracticeStatus::InCorso);
}
