#include "domain/fiscal_code.h"

#include <array>

namespace au::domain {
namespace {

constexpr std::size_t kPersonalLength = 16;
constexpr std::size_t kBusinessLength = 11;

// Positions of a personal code that hold digits (year, day, place number); omocodia may put a
// letter in any of them.
constexpr std::array<std::size_t, 7> kDigitPositions = {6, 7, 9, 10, 12, 13, 14};
constexpr std::size_t kMonthPosition = 8;

// Omocodia letters, in the order of the digit they stand for: L=0, M=1, ..., V=9.
constexpr std::string_view kOmocodiaLetters = "LMNPQRSTUV";

// Month letters A=January ... T=December (the letters were chosen to avoid look-alikes).
constexpr std::string_view kMonthLetters = "ABCDEHLMPRST";

// "Dispari" table: value of a character at an odd position (1st, 3rd, ...). Digits take the
// value of the letter with the same index (0 like A, 1 like B, ...).
constexpr std::array<int, 26> kOddValues = {
    1,  0,  5,  7,  9,  13, 15, 17, 19, 21,  // A-J
    2,  4,  18, 20, 11, 3,  6,  8,  12, 14,  // K-T
    16, 10, 22, 25, 24, 23,                  // U-Z
};

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_digit_position(std::size_t i) {
  for (auto p : kDigitPositions)
    if (p == i) return true;
  return false;
}

// The digit a digit position stands for, undoing omocodia; -1 when it is neither.
int digit_value(char c) {
  if (is_digit(c)) return c - '0';
  const auto at = kOmocodiaLetters.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Checks letters and digit-or-omocodia positions of the first `n` characters, nothing more:
// month and day plausibility belong to validation, not to check-character computation.
bool has_personal_shape(std::string_view code, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const char c = code[i];
    if (is_digit_position(i) ? digit_value(c) < 0 : !is_upper(c)) return false;
  }
  return true;
}

int odd_value(char c) { return kOddValues[is_digit(c) ? c - '0' : c - 'A']; }
int even_value(char c) { return is_digit(c) ? c - '0' : c - 'A'; }

}  // namespace

std::string normalize_fiscal_code(std::string_view raw) {
  const auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::size_t begin = 0, end = raw.size();
  while (begin < end && blank(raw[begin])) ++begin;
  while (end > begin && blank(raw[end - 1])) --end;
  std::string out(raw.substr(begin, end - begin));
  // ASCII only: a fiscal code has no other characters, and anything else must stay invalid
  // rather than be folded into something that looks valid.
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::optional<char> fiscal_code_check_char(std::string_view first15) {
  if (first15.size() != kPersonalLength - 1 || !has_personal_shape(first15, first15.size()))
    return std::nullopt;
  int sum = 0;
  // Index 0 is the 1st character, an odd position in the Agenzia's counting.
  for (std::size_t i = 0; i < first15.size(); ++i)
    sum += (i % 2 == 0) ? odd_value(first15[i]) : even_value(first15[i]);
  return static_cast<char>('A' + sum % 26);
}

bool valid_personal_fiscal_code(std::string_view code) {
  if (code.size() != kPersonalLength) return false;
  if (kMonthLetters.find(code[kMonthPosition]) == std::string_view::npos) return false;
  const auto check = fiscal_code_check_char(code.substr(0, kPersonalLength - 1));
  if (!check || *check != code[kPersonalLength - 1]) return false;
  // The shape check above guarantees both day characters map to digits.
  const int day = digit_value(code[9]) * 10 + digit_value(code[10]);
  return (day >= 1 && day <= 31) || (day >= 41 && day <= 71);
}

bool valid_partita_iva(std::string_view code) {
  if (code.size() != kBusinessLength) return false;
  bool all_zero = true;
  int sum = 0;
  for (std::size_t i = 0; i < kBusinessLength; ++i) {
    if (!is_digit(code[i])) return false;
    const int d = code[i] - '0';
    if (d != 0) all_zero = false;
    if (i == kBusinessLength - 1) break;
    if (i % 2 == 0) {
      sum += d;  // 1st, 3rd, ... 9th digit as is
    } else {
      const int doubled = d * 2;  // 2nd, 4th, ... 10th doubled, digits summed
      sum += doubled > 9 ? doubled - 9 : doubled;
    }
  }
  // "00000000000" passes the arithmetic but is no one's number.
  if (all_zero) return false;
  return (10 - sum % 10) % 10 == code[kBusinessLength - 1] - '0';
}

}  // namespace au::domain
