#include "domain/io_message.h"

namespace au::domain {

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++n;  // count every byte that does not continue a sequence
  return n;
}

namespace {

std::string length_problem(const char* what, std::size_t length, std::size_t min, std::size_t max) {
  if (length < min)
    return std::string(what) + " per App IO è di " + std::to_string(length) + " caratteri: ne servono almeno " +
           std::to_string(min);
  if (length > max)
    return std::string(what) + " per App IO è di " + std::to_string(length) + " caratteri: il massimo è " +
           std::to_string(max);
  return "";
}

}  // namespace

std::string io_content_problem(std::string_view subject, std::string_view markdown) {
  if (auto p = length_problem("l'oggetto", utf8_length(subject), kIoSubjectMin, kIoSubjectMax); !p.empty()) return p;
  return length_problem("il testo", utf8_length(markdown), kIoMarkdownMin, kIoMarkdownMax);
}

}  // namespace au::domain
