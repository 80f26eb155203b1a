#include "channels/io_channel.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "channels/http_outcome.h"
#include "domain/io_message.h"
#include "domain/utc_time.h"
#include "web/http_client.h"

namespace au::channels {

namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kProvider = "App IO";
constexpr const char* kNotOnIo = "il destinatario non usa App IO";
constexpr const char* kOptedOut = "il destinatario ha disattivato i messaggi di questo servizio su App IO";
constexpr const char* kBadKey = "chiave del servizio App IO non valida";

bool one_of(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

// IO's `due_date` is a UTC timestamp; the project keeps "YYYY-MM-DDTHH:MM:SSZ" and IO's own
// examples add milliseconds, so both are let through and anything else stops here.
bool valid_due_date(std::string_view d) {
  if (d.size() > 20 && d[19] == '.' && d.back() == 'Z') {
    std::string_view fraction = d.substr(20, d.size() - 21);
    if (fraction.empty() || fraction.size() > 9 ||
        !std::all_of(fraction.begin(), fraction.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    return domain::parse_utc(std::string(d.substr(0, 19)) + "Z").has_value();
  }
  return domain::parse_utc(d).has_value();
}

std::string dump(const json& j) {
  // Invalid UTF-8 in a template's output must not throw: IO gets U+FFFD instead.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// IO's ProblemJson says what it refused; "detail" is the useful half, "title" the fallback.
std::string problem_words(const std::string& body) {
  json problem = json::parse(body, nullptr, false);
  if (problem.is_object()) {
    for (const char* field : {"detail", "title"}) {
      auto it = problem.find(field);
      if (it != problem.end() && it->is_string() && !it->get<std::string>().empty())
        return provider_words(it->get<std::string>());
    }
  }
  return "";
}

std::string with_words(std::string reason, const std::string& body) {
  if (std::string words = problem_words(body); !words.empty()) reason += ": " + words;
  return reason;
}

// Statuses that mean the same on both requests.
SendResult common_failure(const web::OutboundResponse& r) {
  if (r.status == 0) return transport_failure(kProvider, r);
  if (r.status == 401) return technical_failure(kBadKey);
  if (r.status == 429)
    return temporary_failure("App IO ha limitato le richieste (429)", retry_after_seconds(r.headers, unix_now()));
  if (r.status == 400)
    return technical_failure(with_words("App IO ha rifiutato la richiesta (400)", r.body));
  if (r.status >= 500) {
    return temporary_failure("App IO non disponibile (" + std::to_string(r.status) + ")",
                             retry_after_seconds(r.headers, unix_now()));
  }
  // 3xx (redirects are not followed), 408 and the statuses IO does not document: most likely a
  // proxy in the way, which passes.
  return temporary_failure("risposta inattesa da App IO (" + std::to_string(r.status) + ")");
}

std::string id_from_location(const web::Headers& headers) {
  auto it = headers.find("Location");
  if (it == headers.end()) return "";
  const std::string& loc = it->second;
  auto slash = loc.find_last_of('/');
  return slash == std::string::npos ? loc : loc.substr(slash + 1);
}

}  // namespace

std::string io_fiscal_code_problem(std::string_view code) {
  static constexpr std::string_view kOmocode = "0123456789LMNPQRSTUV";
  static constexpr std::string_view kMonth = "ABCDEHLMPRST";
  auto letter = [](char c) { return c >= 'A' && c <= 'Z'; };
  if (code.size() != 16) return "il codice fiscale per App IO deve avere 16 caratteri";
  bool ok = true;
  for (std::size_t i = 0; i < 16 && ok; ++i) {
    char c = code[i];
    if (i < 6 || i == 11 || i == 15) ok = letter(c);
    else if (i == 8) ok = one_of(c, kMonth);
    else ok = one_of(c, kOmocode);  // 6-7 year, 9-10 day, 12-14 place: digits or omocodia letters
  }
  return ok ? "" : "il codice fiscale per App IO non è nel formato previsto";
}

IoChannel::IoChannel(IoSettings settings) : settings_(std::move(settings)) {
  while (!settings_.base_url.empty() && settings_.base_url.back() == '/') settings_.base_url.pop_back();
}

SendResult IoChannel::send(const OutgoingNotification& n) {
  // Everything that IO would refuse for sure is refused here, before spending a request.
  if (std::string p = io_fiscal_code_problem(n.address); !p.empty()) return permanent_failure(p);
  if (std::string p = domain::io_content_problem(n.subject, n.body); !p.empty()) return technical_failure(p);
  if (!n.due_date.empty() && !valid_due_date(n.due_date))
    return technical_failure("la scadenza per App IO non è una data e ora UTC ISO 8601");

  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(settings_.timeout_ms);
  auto post = [&](const std::string& path, const json& body) -> std::optional<web::OutboundResponse> {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) return std::nullopt;
    web::OutboundRequest req;
    req.method = "POST";
    req.url = settings_.base_url + path;
    req.headers = {{"Ocp-Apim-Subscription-Key", settings_.api_key},
                   {"Content-Type", "application/json"},
                   {"Accept", "application/json"}};
    req.body = dump(body);
    req.timeout_ms = left;
    req.max_body_bytes = 64 * 1024;  // IO's answers are small; a bigger one is not IO
    return web::http_send(req);
  };
  const auto out_of_time = [] { return temporary_failure("App IO non ha risposto entro il tempo massimo"); };

  // 1. The mandatory profile check.
  auto profile = post("/profiles", json{{"fiscal_code", n.address}});
  if (!profile) return out_of_time();
  if (profile->status == 404) return permanent_failure(kNotOnIo);
  if (profile->status == 403) return technical_failure(kBadKey);
  if (profile->status != 200) return common_failure(*profile);
  json limited = json::parse(profile->body, nullptr, false);
  auto allowed = limited.is_object() ? limited.find("sender_allowed") : limited.end();
  if (!limited.is_object() || allowed == limited.end() || !allowed->is_boolean())
    return temporary_failure("risposta non valida da App IO al controllo del profilo");
  if (!allowed->get<bool>()) return permanent_failure(kOptedOut);

  // 2. The message.
  json content = {{"subject", n.subject}, {"markdown", n.body}};
  if (!n.due_date.empty()) content["due_date"] = n.due_date;
  auto message = post("/messages", json{{"fiscal_code", n.address}, {"content", std::move(content)}});
  if (!message) return out_of_time();
  if (message->status >= 200 && message->status < 300) {
    json created = json::parse(message->body, nullptr, false);
    if (created.is_object() && created.contains("id") && created["id"].is_string())
      return delivered(created["id"].get<std::string>());
    return delivered(id_from_location(message->headers));
  }
  if (message->status == 404) return permanent_failure(kNotOnIo);
  if (message->status == 403)
    return technical_failure(with_words("App IO non autorizza il servizio a scrivere a questo destinatario (403)",
                                        message->body));
  return common_failure(*message);
}

ChannelFactory io_channel_factory(IoSettings settings) {
  return [settings = std::move(settings)]() -> std::unique_ptr<Channel> {
    if (settings.base_url.empty() || settings.api_key.empty()) return nullptr;
    return std::make_unique<IoChannel>(settings);
  };
}

}  // namespace au::channels
