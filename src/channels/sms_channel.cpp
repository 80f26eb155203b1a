#include "channels/sms_channel.h"

#include <nlohmann/json.hpp>

#include <utility>
#include <vector>

#include "channels/http_outcome.h"
#include "web/http_client.h"

namespace au::channels {

namespace {

using json = nlohmann::json;

constexpr const char* kProvider = "il gateway SMS";

// UTF-8 to code points; each invalid byte becomes U+FFFD (which forces UCS-2, as the gateway
// would have to send the replacement character).
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms and surrogates are invalid UTF-8 too.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
               (cp >= 0xD800 && cp <= 0xDFFF)))
      ok = false;
    out.push_back(ok ? cp : U'\uFFFD');
    i += ok ? len : 1;
  }
  return out;
}

// Septets of a character in GSM 03.38: 1 (default alphabet), 2 (escape + extension table), or
// 0 when the character is not in GSM-7 at all.
int gsm_septets(char32_t c) {
  static constexpr std::u32string_view kBasic =
      U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
      U"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  static constexpr std::u32string_view kExtension = U"\f^{}\\[~]|€";
  if (kBasic.find(c) != std::u32string_view::npos) return 1;
  if (kExtension.find(c) != std::u32string_view::npos) return 2;
  return 0;
}

// Parts needed when characters of the given unit widths are packed in order without splitting
// any of them: `single` units fit in one part, `per_part` in each part of a split message.
std::size_t pack(const std::vector<int>& widths, std::size_t single, std::size_t per_part) {
  std::size_t total = 0;
  for (int w : widths) total += static_cast<std::size_t>(w);
  if (total == 0) return 0;
  if (total <= single) return 1;
  std::size_t parts = 1, used = 0;
  for (int w : widths) {
    if (used + static_cast<std::size_t>(w) > per_part) {
      ++parts;
      used = 0;
    }
    used += static_cast<std::size_t>(w);
  }
  return parts;
}

std::string error_code(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("code") && j["code"].is_string()) return j["code"].get<std::string>();
  return "";
}

}  // namespace

std::string phone_number_problem(std::string_view number) {
  if (number.empty()) return "manca il numero di telefono";
  if (number[0] != '+') return "il numero di telefono deve iniziare con + e il prefisso internazionale (+39...)";
  std::string_view digits = number.substr(1);
  for (char c : digits)
    if (c < '0' || c > '9') return "il numero di telefono può contenere solo cifre dopo il +";
  if (digits.size() < 8 || digits.size() > 15) return "il numero di telefono deve avere da 8 a 15 cifre dopo il +";
  if (digits[0] == '0') return "il prefisso internazionale del numero di telefono non può iniziare con 0";
  return "";
}

std::size_t sms_segments(std::string_view text) {
  const std::vector<char32_t> cps = code_points(text);
  std::vector<int> widths;
  widths.reserve(cps.size());
  bool gsm = true;
  for (char32_t c : cps) {
    int w = gsm_septets(c);
    if (w == 0) {
      gsm = false;
      break;
    }
    widths.push_back(w);
  }
  if (gsm) return pack(widths, 160, 153);
  widths.clear();
  for (char32_t c : cps) widths.push_back(c > 0xFFFF ? 2 : 1);  // UTF-16 units
  return pack(widths, 70, 67);
}

SmsChannel::SmsChannel(SmsSettings settings) : settings_(std::move(settings)) {}

SendResult SmsChannel::send(const OutgoingNotification& n) {
  if (std::string p = phone_number_problem(n.address); !p.empty()) return permanent_failure(p);
  if (n.body.empty()) return technical_failure("il testo dell'SMS è vuoto");
  if (std::size_t parts = sms_segments(n.body); parts > kSmsMaxSegments)
    return technical_failure("il testo dell'SMS richiede " + std::to_string(parts) + " parti: il massimo è " +
                             std::to_string(kSmsMaxSegments));
  // Without the key a retry could send a second SMS: the notify layer always sets one.
  if (n.idempotency_key.empty()) return technical_failure("manca la chiave di idempotenza dell'SMS");

  web::OutboundRequest req;
  req.method = "POST";
  req.url = settings_.url;
  req.headers = {{"Authorization", "Bearer " + settings_.token},
                 {"Idempotency-Key", n.idempotency_key},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json"}};
  req.body = json{{"to", n.address}, {"from", settings_.sender}, {"text", n.body}, {"reference", n.idempotency_key}}
                 .dump(-1, ' ', false, json::error_handler_t::replace);
  req.timeout_ms = settings_.timeout_ms;
  req.max_body_bytes = 64 * 1024;
  const web::OutboundResponse r = web::http_send(req);

  if (r.status == 0) return transport_failure(kProvider, r);
  if (r.status >= 200 && r.status < 300) {
    json j = json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("id") && j["id"].is_string()) return delivered(j["id"].get<std::string>());
    return delivered();
  }
  const std::string status = " (" + std::to_string(r.status) + ")";
  if (r.status == 404) return permanent_failure("il numero non può ricevere SMS" + status);
  if (r.status == 400 || r.status == 422) {
    const std::string code = error_code(r.body);
    if (code == "invalid_number") return permanent_failure("il numero non può ricevere SMS" + status);
    return technical_failure("il gateway SMS ha rifiutato la richiesta" + status +
                             (code.empty() ? "" : ": " + provider_words(code, 60)));
  }
  if (r.status == 401 || r.status == 403) return technical_failure("token del gateway SMS non valido" + status);
  if (r.status == 429)
    return temporary_failure("il gateway SMS ha limitato le richieste" + status,
                             retry_after_seconds(r.headers, unix_now()));
  if (r.status >= 500)
    return temporary_failure("gateway SMS non disponibile" + status, retry_after_seconds(r.headers, unix_now()));
  return temporary_failure("risposta inattesa dal gateway SMS" + status);
}

ChannelFactory sms_channel_factory(SmsSettings settings) {
  return [settings = std::move(settings)]() -> std::unique_ptr<Channel> {
    if (settings.url.empty() || settings.token.empty()) return nullptr;
    return std::make_unique<SmsChannel>(settings);
  };
}

}  // namespace au::channels
