#include "domain/slug.h"

#include <array>
#include <vector>

namespace au::domain {
namespace {

// ASCII spelling of U+00C0..U+00FF, indexed by code point - 0xC0. nullptr keeps the original
// character (× and ÷ are not letters).
constexpr std::array<const char*, 64> kLatin1Fold = {
    "a", "a", "a", "a", "a", "a", "ae", "c",   // À Á Â Ã Ä Å Æ Ç
    "e", "e", "e", "e", "i", "i", "i", "i",    // È É Ê Ë Ì Í Î Ï
    "d", "n", "o", "o", "o", "o", "o", nullptr,  // Ð Ñ Ò Ó Ô Õ Ö ×
    "o", "u", "u", "u", "u", "y", "th", "ss",  // Ø Ù Ú Û Ü Ý Þ ß
    "a", "a", "a", "a", "a", "a", "ae", "c",   // à á â ã ä å æ ç
    "e", "e", "e", "e", "i", "i", "i", "i",    // è é ê ë ì í î ï
    "d", "n", "o", "o", "o", "o", "o", nullptr,  // ð ñ ò ó ô õ ö ÷
    "o", "u", "u", "u", "u", "y", "th", "y",   // ø ù ú û ü ý þ ÿ
};

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string fold_accents(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
      continue;
    }
    // U+00C0..U+00FF are encoded as C3 80..C3 BF.
    if (c == 0xC3 && i + 1 < utf8.size()) {
      const auto next = static_cast<unsigned char>(utf8[i + 1]);
      if (next >= 0x80 && next <= 0xBF) {
        if (const char* folded = kLatin1Fold[next - 0x80]) {
          out += folded;
        } else {
          out += utf8.substr(i, 2);
        }
        ++i;
        continue;
      }
    }
    out += static_cast<char>(c);
  }
  return out;
}

std::string slugify(std::string_view utf8) {
  const std::string folded = fold_accents(utf8);
  std::vector<std::string> words;
  std::string word;
  for (char c : folded) {
    if (is_ascii_alnum(c)) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));

  std::string slug;
  for (const auto& w : words) {
    const std::size_t needed = slug.empty() ? w.size() : slug.size() + 1 + w.size();
    if (needed > kMaxSlugLength) {
      // A word that alone exceeds the limit would otherwise leave an empty slug.
      if (slug.empty()) slug = w.substr(0, kMaxSlugLength);
      break;
    }
    if (!slug.empty()) slug += '-';
    slug += w;
  }
  return slug;
}

}  // namespace au::domain
