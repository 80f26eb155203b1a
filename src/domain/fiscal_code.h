// Italian identifiers of people and businesses: codice fiscale and partita IVA.
//
// Contract: pure functions, no I/O. A person's codice fiscale is 16 characters
// (6 letters surname/name, 2 digits year, month letter, 2 digits day(+40 for women),
// 4 characters place, check letter), where the 7 digit positions may be replaced by letters
// L M N P Q R S T U V for omocodia (DM 12/3/1974, DM 23/12/1976). The check letter is computed
// over the first 15 characters with the odd/even tables of the Agenzia delle Entrate.
// A partita IVA (and a business's 11-digit codice fiscale) is 11 digits, the last a Luhn-style
// check digit (DM 23/12/1976, art. 7).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace au::domain {

// Upper-cases and strips surrounding blanks; does not validate.
std::string normalize_fiscal_code(std::string_view raw);

// True when `code` (already normalised: upper case, no blanks) is a well-formed personal
// codice fiscale with a correct check character, omocodia included, and a plausible
// month letter and day (1-31 or 41-71).
bool valid_personal_fiscal_code(std::string_view code);

// True for 11 digits with a correct check digit (partita IVA, or a business's codice fiscale).
bool valid_partita_iva(std::string_view code);

// The check character of the first 15 characters of a personal code, or nullopt if they are
// not of the right shape (used by tests and by the demo data generator).
std::optional<char> fiscal_code_check_char(std::string_view first15);

}  // namespace au::domain
