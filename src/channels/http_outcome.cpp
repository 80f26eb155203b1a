#include "channels/http_outcome.h"

#include <chrono>
#include <ctime>

namespace au::channels {

SendResult delivered(std::string provider_ref) {
  SendResult r;
  r.outcome = SendOutcome::Delivered;
  r.provider_ref = std::move(provider_ref);
  return r;
}

SendResult temporary_failure(std::string reason, int retry_after_seconds) {
  SendResult r;
  r.outcome = SendOutcome::TemporaryFailure;
  r.reason = std::move(reason);
  r.retry_after_seconds = retry_after_seconds;
  return r;
}

SendResult permanent_failure(std::string reason) {
  SendResult r;
  r.outcome = SendOutcome::PermanentFailure;
  r.reason = std::move(reason);
  return r;
}

SendResult technical_failure(std::string reason) {
  SendResult r;
  r.outcome = SendOutcome::TechnicalFailure;
  r.reason = std::move(reason);
  return r;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int retry_after_seconds(const web::Headers& headers, std::int64_t now_seconds) {
  constexpr std::int64_t kCap = 24 * 3600;
  auto it = headers.find("Retry-After");
  if (it == headers.end() || it->second.empty()) return 0;
  const std::string& v = it->second;
  std::int64_t seconds = -1;
  if (v.find_first_not_of("0123456789") == std::string::npos) {
    // More digits than a day needs would overflow stoll on hostile input: cap first.
    seconds = v.size() > 6 ? kCap : std::stoll(v);
  } else {
    std::tm tm{};
    const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return 0;
    seconds = static_cast<std::int64_t>(timegm(&tm)) - now_seconds;
  }
  if (seconds <= 0) return 0;
  return static_cast<int>(seconds > kCap ? kCap : seconds);
}

SendResult transport_failure(std::string_view provider, const web::OutboundResponse& response) {
  // curl says "Timeout was reached" (CURLE_OPERATION_TIMEDOUT) for both connect and transfer.
  const bool timed_out = response.error.find("Timeout") != std::string::npos ||
                         response.error.find("timed out") != std::string::npos;
  std::string reason(provider);
  reason += timed_out ? " non ha risposto entro il tempo massimo" : " non raggiungibile";
  return temporary_failure(std::move(reason));
}

std::string provider_words(std::string_view text, std::size_t max_code_points) {
  std::string clean;
  clean.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      // Skip to the closing quote, honouring backslash escapes; an unterminated string hides
      // everything after its opening quote (better too little than the content).
      std::size_t j = i + 1;
      while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
      clean += "\"…\"";
      i = j;
      continue;
    }
    clean += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? ' ' : c;
  }
  // The result, "…" included, has at most max_code_points code points.
  std::size_t total = 0;
  for (unsigned char c : clean) total += (c & 0xC0) != 0x80;
  if (total <= max_code_points) return clean;
  const std::size_t keep = max_code_points > 0 ? max_code_points - 1 : 0;
  std::size_t points = 0, cut = 0;
  for (; cut < clean.size(); ++cut) {
    if ((static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) continue;
    if (points == keep) break;
    ++points;
  }
  clean.resize(cut);
  if (max_code_points > 0) clean += "…";
  return clean;
}

}  // namespace au::channels
