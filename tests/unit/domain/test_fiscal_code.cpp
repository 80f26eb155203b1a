#include "domain/fiscal_code.h"

#include <gtest/gtest.h>

#include <string>

namespace au::domain {
namespace {

// Builds a 16-character code from its first 15 with the check character computed here, so
// that a case tests exactly one rule (the day, the month, the shape) and not the check letter.
std::string with_check(const std::string& first15) {
  const auto check = fiscal_code_check_char(first15);
  return check ? first15 + *check : first15 + "?";
}

struct CheckCharCase {
  const char* first15;
  char expected;
  const char* rule;
};

class FiscalCodeCheckChar : public ::testing::TestWithParam<CheckCharCase> {};

TEST_P(FiscalCodeCheckChar, MatchesHandComputedValue) {
  const auto& c = GetParam();
  EXPECT_EQ(fiscal_code_check_char(c.first15), std::optional<char>(c.expected)) << c.rule;
}

INSTANTIATE_TEST_SUITE_P(
    KnownVectors, FiscalCodeCheckChar,
    ::testing::Values(
        // The textbook example (Mario Rossi, Agrigento): odd/even tables over 15 characters.
        CheckCharCase{"RSSMRA85T10A562", 'S', "published example"},
        // Omocodia on the 15th character (odd position): '2' counts 5, 'N' counts 20, so the
        // sum grows by 15 and S (18) becomes (18+15)%26 = 7 = H.
        CheckCharCase{"RSSMRA85T10A56N", 'H', "omocodic place digit, odd table for letters"},
        // Woman: day 10 -> 50, the 10th character (even position) goes 1 -> 5, sum +4: S -> W.
        CheckCharCase{"RSSMRA85T50A562", 'W', "day + 40 on an even position"},
        // Every digit position replaced (8->U 5->R 1->M 0->L 5->R 6->S 2->N).
        CheckCharCase{"RSSMRAURTMLARSN", 'L', "fully omocodic"},
        CheckCharCase{"VRDGPP70A01H501", 'S', "Rome, January 1st"},
        CheckCharCase{"BNCLCU92M45D653", 'M', "woman, letter month M"}));

struct ValidityCase {
  std::string code;
  bool valid;
  const char* rule;
};

class PersonalFiscalCode : public ::testing::TestWithParam<ValidityCase> {};

TEST_P(PersonalFiscalCode, Validity) {
  const auto& c = GetParam();
  EXPECT_EQ(valid_personal_fiscal_code(c.code), c.valid) << c.rule << ": " << c.code;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, PersonalFiscalCode,
    ::testing::Values(
        ValidityCase{"RSSMRA85T10A562S", true, "published example is valid"},
        ValidityCase{"RSSMRA85T10A562T", false, "wrong check letter"},
        ValidityCase{"RSSMRA85T10A56NH", true, "omocodic place digit with recomputed check"},
        ValidityCase{"RSSMRA85T10A56NS", false, "omocodic variant keeping the old check letter"},
        ValidityCase{"RSSMRAURTMLARSNL", true, "all seven digit positions omocodic"},
        ValidityCase{"RSSMRA85T50A562W", true, "woman, day 10 + 40"},
        ValidityCase{"VRDGPP70A01H501S", true, "day 01, month A"},
        ValidityCase{"BNCLCU92M45D653M", true, "woman, day 05 + 40"},
        ValidityCase{"rssmra85t10a562s", false, "lower case is not normalised by the validator"},
        ValidityCase{"RSSMRA85T10A562", false, "15 characters"},
        ValidityCase{"RSSMRA85T10A562SS", false, "17 characters"},
        ValidityCase{"", false, "empty"},
        ValidityCase{" RSSMRA85T10A562S", false, "surrounding blank (normalise first)"},
        ValidityCase{with_check("RSSMRA85T00A562"), false, "day 00"},
        ValidityCase{with_check("RSSMRA85T01A562"), true, "day 01 (lowest)"},
        ValidityCase{with_check("RSSMRA85T31A562"), true, "day 31 (highest for men)"},
        ValidityCase{with_check("RSSMRA85T32A562"), false, "day 32"},
        ValidityCase{with_check("RSSMRA85T40A562"), false, "day 40 (woman's 00)"},
        ValidityCase{with_check("RSSMRA85T41A562"), true, "day 41 (woman's 01)"},
        ValidityCase{with_check("RSSMRA85T71A562"), true, "day 71 (woman's 31)"},
        ValidityCase{with_check("RSSMRA85T72A562"), false, "day 72"},
        ValidityCase{with_check("RSSMRA85T99A562"), false, "day 99"},
        ValidityCase{with_check("RSSMRA85T1MA562"), true, "omocodic day 1M = 11"},
        ValidityCase{with_check("RSSMRA85TLLA562"), false, "omocodic day LL = 00, checked after mapping"},
        ValidityCase{with_check("RSSMRA85TQLA562"), false, "omocodic day QL = 40, checked after mapping"},
        ValidityCase{with_check("RSSMRA85TQMA562"), true, "omocodic day QM = 41"},
        ValidityCase{with_check("RSSMRA85A10A562"), true, "month A (January)"},
        ValidityCase{with_check("RSSMRA85E10A562"), true, "month E (May)"},
        ValidityCase{with_check("RSSMRA85H10A562"), true, "month H (June)"},
        ValidityCase{with_check("RSSMRA85F10A562"), false, "F is not a month letter"},
        ValidityCase{with_check("RSSMRA85Z10A562"), false, "Z is not a month letter"},
        ValidityCase{"RSSMRA8510A562S0", false, "digit in the month position"},
        ValidityCase{"RSSMR185T10A562S", false, "digit among the name letters"},
        ValidityCase{"RSSMRAA5T10A562S", false, "A is not an omocodia letter (year)"},
        ValidityCase{"RSSMRA85T10A5W2S", false, "W is not an omocodia letter (place)"},
        ValidityCase{"RSSMRA85T101562S", false, "digit in the place letter position"},
        ValidityCase{"RSSMRA85T10A562-", false, "check position not a letter"},
        ValidityCase{"RSSMRA85T10A562\xC3", false, "non-ASCII byte"}));

TEST(FiscalCode, CheckCharRejectsWrongShape) {
  EXPECT_EQ(fiscal_code_check_char("RSSMRA85T10A56"), std::nullopt);    // 14 characters
  EXPECT_EQ(fiscal_code_check_char("RSSMRA85T10A562S"), std::nullopt);  // 16 characters
  EXPECT_EQ(fiscal_code_check_char("rssmra85t10a562"), std::nullopt);   // lower case
  EXPECT_EQ(fiscal_code_check_char("RSSMRA8AT10A562"), std::nullopt);   // A in a digit position
  EXPECT_EQ(fiscal_code_check_char("RSSMRA85T10A56?"), std::nullopt);   // punctuation
  EXPECT_EQ(fiscal_code_check_char(""), std::nullopt);
}

TEST(FiscalCode, EveryOmocodicVariantOfAValidCodeIsValid) {
  // Each of the 7 digit positions, replaced alone by its letter, with the check recomputed.
  const std::string base = "RSSMRA85T10A562";
  const std::string letters = "LMNPQRSTUV";
  for (std::size_t pos : {6, 7, 9, 10, 12, 13, 14}) {
    std::string variant = base;
    variant[pos] = letters[static_cast<std::size_t>(base[pos] - '0')];
    const std::string code = with_check(variant);
    EXPECT_TRUE(valid_personal_fiscal_code(code)) << code;
  }
}

TEST(FiscalCode, NormalizeUppercasesAndTrims) {
  EXPECT_EQ(normalize_fiscal_code("  rssmra85t10a562s\n"), "RSSMRA85T10A562S");
  EXPECT_EQ(normalize_fiscal_code("\tRssMra85T10a562S \r"), "RSSMRA85T10A562S");
  EXPECT_EQ(normalize_fiscal_code("rss mra"), "RSS MRA");  // inner blanks are kept: not valid
  EXPECT_EQ(normalize_fiscal_code("   "), "");
  EXPECT_EQ(normalize_fiscal_code(""), "");
  EXPECT_TRUE(valid_personal_fiscal_code(normalize_fiscal_code(" rssmra85t10a562s ")));
}

struct PartitaIvaCase {
  const char* code;
  bool valid;
  const char* rule;
};

class PartitaIva : public ::testing::TestWithParam<PartitaIvaCase> {};

TEST_P(PartitaIva, Validity) {
  const auto& c = GetParam();
  EXPECT_EQ(valid_partita_iva(c.code), c.valid) << c.rule << ": " << c.code;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, PartitaIva,
    ::testing::Values(
        // Regione Umbria: odd positions 0+2+2+2+5 = 11, even doubled 2+2+7+0+8 = 19, 30 -> 0.
        PartitaIvaCase{"01212820540", true, "Regione Umbria"},
        // Agenzia delle Entrate's codice fiscale: 15 + 14 = 29 -> 1.
        PartitaIvaCase{"06363391001", true, "business codice fiscale, check 1"},
        // 1+3+5+7+9 = 25; 2,4,(12-9),(16-9),0 = 22; 47 -> 3.
        PartitaIvaCase{"12345678903", true, "doubled digits above 9 lose 9"},
        PartitaIvaCase{"00163570542", true, "hand-computed, check 2"},
        PartitaIvaCase{"01212820541", false, "wrong check digit"},
        PartitaIvaCase{"12345678900", false, "wrong check digit (0 instead of 3)"},
        PartitaIvaCase{"10212820540", false, "two digits swapped"},
        PartitaIvaCase{"00000000000", false, "all zeros pass the arithmetic but are rejected"},
        PartitaIvaCase{"0121282054", false, "10 digits"},
        PartitaIvaCase{"012128205400", false, "12 digits"},
        PartitaIvaCase{"0121282054A", false, "letter"},
        PartitaIvaCase{"01212 20540", false, "blank inside"},
        PartitaIvaCase{"", false, "empty"},
        PartitaIvaCase{"RSSMRA85T10A562S", false, "a personal code is not a partita IVA"}));

}  // namespace
}  // namespace au::domain
