#include "domain/slug.h"

#include <gtest/gtest.h>

#include <string>

namespace au::domain {
namespace {

struct SlugCase {
  const char* input;
  const char* expected;
};

class SlugifyTest : public ::testing::TestWithParam<SlugCase> {};

TEST_P(SlugifyTest, ProducesExpectedSlug) {
  EXPECT_EQ(slugify(GetParam().input), GetParam().expected) << "input: " << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Italian, SlugifyTest,
    ::testing::Values(
        SlugCase{"Carta d’identità elettronica (CIE)", "carta-d-identita-elettronica-cie"},
        SlugCase{"Città della Pieve", "citta-della-pieve"},
        SlugCase{"Sant'Anatolia di Narco", "sant-anatolia-di-narco"},
        SlugCase{"Abilitazione per l’esercizio dell’attività di acconciatore",
                 "abilitazione-per-l-esercizio-dell-attivita-di-acconciatore"},
        SlugCase{"À Á Â Ä È É Ì Ò Ó Ù Ú Ç Ñ", "a-a-a-a-e-e-i-o-o-u-u-c-n"},
        SlugCase{"perché più così già", "perche-piu-cosi-gia"},
        SlugCase{"  --Costi, Durata e Tempi di rilascio!!  ", "costi-durata-e-tempi-di-rilascio"},
        SlugCase{"SUAPE: Sportelli Unici", "suape-sportelli-unici"},
        SlugCase{"D.Lgs. 152/2006 art. 3", "d-lgs-152-2006-art-3"},
        SlugCase{"a__b//c", "a-b-c"},
        SlugCase{"Prezzo 10 € – «offerta»", "prezzo-10-offerta"},
        SlugCase{"", ""},
        SlugCase{"’'!?  ", ""}));

TEST(Slugify, CutsAtWordBoundaryWithinLimit) {
  std::string long_title;
  for (int i = 0; i < 30; ++i) long_title += "procedimento ";
  const std::string slug = slugify(long_title);
  EXPECT_LE(slug.size(), kMaxSlugLength);
  EXPECT_GT(slug.size(), kMaxSlugLength - 13);  // nothing shorter than needed was dropped
  EXPECT_NE(slug.back(), '-');
  EXPECT_EQ(slug.rfind("procedimento"), slug.size() - 12);  // ends on a whole word
}

TEST(Slugify, ExactlyEightyCharactersIsKept) {
  const std::string w40(40, 'x'), w39(39, 'y');
  EXPECT_EQ(slugify(w40 + " " + w39), w40 + "-" + w39);          // 80 characters
  EXPECT_EQ(slugify(w40 + " " + w39 + " c"), w40 + "-" + w39);   // 82: the last word goes
  EXPECT_EQ(slugify(w40 + " " + w39 + "z"), w40);                // 81: cut before the long word
}

TEST(Slugify, HardCutsSingleOverlongWord) {
  EXPECT_EQ(slugify(std::string(120, 'z')), std::string(kMaxSlugLength, 'z'));
}

TEST(Slugify, InvalidUtf8IsASeparatorNotACrash) {
  EXPECT_EQ(slugify(std::string("ab\xC3") + "cd\xFF" + "ef"), "ab-cd-ef");
}

TEST(FoldAccents, LowercasesAndFoldsButKeepsOtherCharacters) {
  EXPECT_EQ(fold_accents("Città di CASTELLO – Perché?"), "citta di castello – perche?");
  EXPECT_EQ(fold_accents("ÀÈÉÌÒÙ àèéìòù çÇ ñÑ"), "aeeiou aeeiou cc nn");
  EXPECT_EQ(fold_accents("d’identità"), "d’identita");
  EXPECT_EQ(fold_accents("Straße Æ × ÷"), "strasse ae × ÷");
  EXPECT_EQ(fold_accents(""), "");
}

}  // namespace
}  // namespace au::domain
