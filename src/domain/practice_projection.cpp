#include "domain/practice_projection.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

// Choices the header leaves open, made here:
// - String lengths are counted in bytes of the UTF-8 text (what the database column and the
//   JSON payload limits are about), not in code points. A JSON null counts as an absent member.
// - project_practice keeps every event in the timeline, but an event whose data would fail
//   validate_event_data (errors on status_code/status_label aside: the projection reads the
//   mapped status from TimelineEvent) is otherwise ignored: it sets no default status, opens or
//   closes no request, sets no protocol and adds no document. Its mapped status, when the ingest
//   gave one, still counts: that is the back office's explicit state.
// - One request per (kind, request_id): a repeated request with the same id is ignored. A
//   request is closed by the first matching receipt ordered after it, else by the first one
//   ordered before it (a receipt timestamped before its request is a back-office clock problem;
//   compute_deadline then ignores that suspension with a warning).
// - The "Termine per:" label keeps at most 120 bytes of the description, then "…".

namespace au::domain {

using nlohmann::json;

namespace {

struct KindInfo {
  PracticeEventKind kind;
  const char* suffix;
  const char* label;
};

constexpr std::array<KindInfo, 10> kKinds = {{
    {PracticeEventKind::Aperta, "aperta", "Pratica aperta"},
    {PracticeEventKind::Protocollata, "protocollata", "Protocollata"},
    {PracticeEventKind::Stato, "stato", "Cambio di stato"},
    {PracticeEventKind::RichiestaIntegrazione, "richiesta-integrazione",
     "Richiesta di integrazione"},
    {PracticeEventKind::IntegrazioneRicevuta, "integrazione-ricevuta", "Integrazione ricevuta"},
    {PracticeEventKind::PreavvisoRigetto, "preavviso-rigetto",
     "Preavviso di rigetto (art. 10-bis)"},
    {PracticeEventKind::OsservazioniRicevute, "osservazioni-ricevute", "Osservazioni ricevute"},
    {PracticeEventKind::Documento, "documento", "Documento"},
    {PracticeEventKind::Messaggio, "messaggio", "Messaggio"},
    {PracticeEventKind::Conclusa, "conclusa", "Procedimento concluso"},
}};

const KindInfo& info(PracticeEventKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k;
  return kKinds[2];  // unreachable for a valid enum value
}

constexpr int kDefaultIntegrationDays = 30;  // request_due_date default of the header
constexpr int kObservationDays = 10;         // art. 10-bis
constexpr std::size_t kLabelDescriptionBytes = 120;

// ---- validation helpers ------------------------------------------------------------------------

// The member, or nullptr when absent or null.
const json* member(const json& data, const char* name) {
  auto it = data.find(name);
  if (it == data.end() || it->is_null()) return nullptr;
  return &*it;
}

class Checker {
 public:
  Checker(const json& data, const std::string& prefix, std::vector<FieldError>& errors)
      : data_(data), prefix_(prefix), errors_(errors) {}

  void fail(const char* name, const std::string& message) {
    errors_.push_back({prefix_ + "/data/" + name, message});
  }

  // Reports a missing required member; returns the member when present.
  const json* get(const char* name, bool required, const std::string& expected) {
    const json* v = member(data_, name);
    if (!v && required) fail(name, std::string("Manca ") + name + ": serve " + expected + ".");
    return v;
  }

  void invalid(const char* name, const std::string& expected) {
    fail(name, std::string(name) + " non è valido: serve " + expected + ".");
  }

  void text(const char* name, std::size_t min, std::size_t max, bool required) {
    const std::string expected =
        min > 0 ? "una stringa da " + std::to_string(min) + " a " + std::to_string(max) + " byte"
                : "una stringa di al massimo " + std::to_string(max) + " byte";
    const json* v = get(name, required, expected);
    if (!v) return;
    if (!v->is_string()) return invalid(name, expected);
    const auto size = v->get_ref<const std::string&>().size();
    if (size < min || size > max) invalid(name, expected);
  }

  void date(const char* name, bool required) {
    const std::string expected = "una data nel formato AAAA-MM-GG (un giorno esistente)";
    const json* v = get(name, required, expected);
    if (!v) return;
    if (!v->is_string() || !parse_civil_date(v->get_ref<const std::string&>())) {
      invalid(name, expected);
    }
  }

 private:
  const json& data_;
  const std::string& prefix_;
  std::vector<FieldError>& errors_;
};

bool is_status_code_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_host_char(unsigned char c) {
  // RFC 3986 reg-name (unreserved, pct-encoded, sub-delims) plus non-ASCII bytes (IDN as UTF-8).
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~%!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
}

bool has_prefix_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// Absolute http(s) URL with a host, as a citizen will follow it from the portal.
bool valid_document_url(std::string_view url) {
  if (url.empty() || url.size() > 2000) return false;
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7F) return false;  // spaces and control characters
  std::string_view rest;
  if (has_prefix_nocase(url, "https://")) {
    rest = url.substr(8);
  } else if (has_prefix_nocase(url, "http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // No userinfo: "https://comune.it@altro.example" would show one host and open another.
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {  // IP literal
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    host = authority.substr(1, close - 1);
    for (char c : host)
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty()) return false;
    bool alnum = false;
    for (unsigned char c : host) {
      if (!is_host_char(c)) return false;
      if (std::isalnum(c) || c >= 0x80) alnum = true;
    }
    if (!alnum) return false;
  }
  if (!port.empty()) {
    if (port.size() > 5) return false;
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 65535) return false;
  }
  return true;
}

// True when validate_event_data finds nothing the projection would read.
bool usable(PracticeEventKind kind, const json& data) {
  std::vector<FieldError> errors;
  validate_event_data(kind, data, "", errors);
  return std::all_of(errors.begin(), errors.end(), [](const FieldError& e) {
    return e.path == "/data/status_code" || e.path == "/data/status_label";
  });
}

std::string string_member(const json& data, const char* name) {
  const json* v = member(data, name);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

// At most `max` bytes of `text`, cut on a UTF-8 character boundary, with "…" when shortened.
std::string shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max;
  // text[cut] is the first byte left out: while it continues a character, cut before that one.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\t')) {
    out.pop_back();
  }
  return out + "…";
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int64_t kMsPerHour = 3'600'000;

// 01:00 UTC of the last Sunday of `month` (March or October) of `year`.
std::int64_t rome_switch_ms(int year, int month) {
  Date last{year, month, 31};  // both months have 31 days
  last = add_days(last, -static_cast<std::int64_t>(weekday(last)));
  return to_days(last) * kMsPerDay + kMsPerHour;
}

bool is_receipt_for(PracticeEventKind receipt, PracticeEventKind request) {
  return (receipt == PracticeEventKind::IntegrazioneRicevuta &&
          request == PracticeEventKind::RichiestaIntegrazione) ||
         (receipt == PracticeEventKind::OsservazioniRicevute &&
          request == PracticeEventKind::PreavvisoRigetto);
}

std::string dump_safely(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::optional<PracticeEventKind> parse_event_type(std::string_view type) {
  if (type.substr(0, kPracticeEventPrefix.size()) != kPracticeEventPrefix) return std::nullopt;
  const std::string_view suffix = type.substr(kPracticeEventPrefix.size());
  for (const auto& k : kKinds)
    if (suffix == k.suffix) return k.kind;
  return std::nullopt;
}

std::string event_type_name(PracticeEventKind kind) {
  return std::string(kPracticeEventPrefix) + info(kind).suffix;
}

std::string event_kind_label(PracticeEventKind kind) { return info(kind).label; }

std::vector<std::string> accepted_event_types() {
  std::vector<std::string> out;
  for (const auto& k : kKinds)
    if (k.kind != PracticeEventKind::Aperta) out.push_back(event_type_name(k.kind));
  return out;
}

void validate_event_data(PracticeEventKind kind, const json& data, const std::string& path_prefix,
                         std::vector<FieldError>& errors) {
  if (!data.is_object()) {
    errors.push_back(
        {path_prefix + "/data", "data deve essere un oggetto JSON con i campi dell'evento " +
                                    event_type_name(kind) + "."});
    return;
  }
  Checker c(data, path_prefix, errors);
  switch (kind) {
    case PracticeEventKind::Aperta: break;  // the hub's own record of the practice
    case PracticeEventKind::Protocollata:
      c.text("protocol_number", 1, 64, true);
      c.date("protocol_date", true);
      break;
    case PracticeEventKind::Stato: break;  // status_code required: checked below
    case PracticeEventKind::RichiestaIntegrazione: {
      c.text("request_id", 1, 64, true);
      c.text("description", 1, 2000, true);
      c.date("due_date", false);
      const std::string expected = "un numero intero da 1 a 365 (giorni)";
      if (const json* days = c.get("due_days", false, expected)) {
        // is_number_integer is false for 30.0, "30" and booleans: all rejected.
        bool ok = days->is_number_integer();
        if (ok && days->is_number_unsigned()) {
          ok = days->get<std::uint64_t>() >= 1 && days->get<std::uint64_t>() <= 365;
        } else if (ok) {
          ok = days->get<std::int64_t>() >= 1 && days->get<std::int64_t>() <= 365;
        }
        if (!ok) c.invalid("due_days", expected);
        if (member(data, "due_date")) {
          c.fail("due_days", "Indica due_date oppure due_days, non entrambi.");
        }
      }
      break;
    }
    case PracticeEventKind::IntegrazioneRicevuta:
    case PracticeEventKind::OsservazioniRicevute: c.text("request_id", 1, 64, true); break;
    case PracticeEventKind::PreavvisoRigetto:
      c.text("request_id", 1, 64, true);
      c.text("description", 1, 2000, true);
      break;
    case PracticeEventKind::Documento: {
      c.text("title", 1, 300, true);
      const std::string expected =
          "un indirizzo assoluto http:// o https:// con un host, senza spazi né caratteri di "
          "controllo, di al massimo 2000 byte";
      if (const json* url = c.get("url", true, expected)) {
        if (!url->is_string() || !valid_document_url(url->get_ref<const std::string&>())) {
          c.invalid("url", expected);
        }
      }
      c.text("media_type", 0, 100, false);
      break;
    }
    case PracticeEventKind::Messaggio: c.text("text", 1, 2000, true); break;
    case PracticeEventKind::Conclusa: {
      const std::string expected = "\"positivo\" oppure \"negativo\"";
      if (const json* esito = c.get("esito", true, expected)) {
        if (!esito->is_string() || (*esito != "positivo" && *esito != "negativo")) {
          c.invalid("esito", expected);
        }
      }
      c.text("description", 0, 2000, false);
      break;
    }
  }

  const std::string code_expected = "una stringa da 1 a 20 caratteri tra lettere, cifre, - e _";
  if (const json* code = c.get("status_code", kind == PracticeEventKind::Stato, code_expected)) {
    bool ok = code->is_string();
    if (ok) {
      const auto& s = code->get_ref<const std::string&>();
      ok = !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), is_status_code_char);
    }
    if (!ok) c.invalid("status_code", code_expected);
  }
  c.text("status_label", 0, 200, false);
}

std::optional<PracticeStatus> default_status(PracticeEventKind kind, const json& data) {
  switch (kind) {
    case PracticeEventKind::Aperta:
    case PracticeEventKind::Protocollata:
    case PracticeEventKind::IntegrazioneRicevuta:
    case PracticeEventKind::OsservazioniRicevute: return PracticeStatus::InCorso;
    case PracticeEventKind::RichiestaIntegrazione:
    case PracticeEventKind::PreavvisoRigetto: return PracticeStatus::SospesoUtente;
    case PracticeEventKind::Conclusa: {
      if (!data.is_object()) return std::nullopt;
      const json* esito = member(data, "esito");
      if (esito && *esito == "positivo") return PracticeStatus::ConclusoPositivo;
      if (esito && *esito == "negativo") return PracticeStatus::ConclusoNegativo;
      return std::nullopt;
    }
    case PracticeEventKind::Stato:
    case PracticeEventKind::Documento:
    case PracticeEventKind::Messaggio: return std::nullopt;
  }
  return std::nullopt;
}

Date rome_date(std::int64_t epoch_ms) {
  // Keep the arithmetic inside years 0001..9999 (no overflow, always a valid Date).
  constexpr std::int64_t kMin = -62'135'596'800'000;  // 0001-01-01T00:00:00Z
  constexpr std::int64_t kMax = 253'402'297'199'999;  // 9999-12-31T22:59:59.999Z
  const std::int64_t ms = std::clamp(epoch_ms, kMin, kMax);
  const int year = from_days(floor_div(ms, kMsPerDay)).y;
  // The switches happen at 01:00 UTC, far from midnight in Italy, so the UTC year decides.
  const bool summer = ms >= rome_switch_ms(year, 3) && ms < rome_switch_ms(year, 10);
  return from_days(floor_div(ms + (summer ? 2 : 1) * kMsPerHour, kMsPerDay));
}

Projection project_practice(const PracticeFacts& facts, std::vector<TimelineEvent> events,
                            Date today) {
  // Full tie-break after (time_ms, sequence) so that even duplicated sequences sort the same way
  // whatever the arrival order.
  std::stable_sort(
      events.begin(), events.end(), [](const TimelineEvent& a, const TimelineEvent& b) {
        if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
        if (a.sequence != b.sequence) return a.sequence < b.sequence;
        const auto ka = std::tie(a.kind, a.time, a.backoffice_code, a.backoffice_label);
        const auto kb = std::tie(b.kind, b.time, b.backoffice_code, b.backoffice_label);
        if (ka != kb) return ka < kb;
        if (a.status != b.status) return a.status < b.status;
        return dump_safely(a.data) < dump_safely(b.data);
      });

  struct Request {
    PracticeEventKind kind;
    std::string id, description;
    Date requested_on, due;
    std::size_t index;
  };
  struct Receipt {
    PracticeEventKind kind;
    std::string id;
    Date date;
    std::size_t index;
  };
  std::vector<Request> requests;
  std::vector<Receipt> receipts;

  Projection p;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const TimelineEvent& ev = events[i];
    const bool ok = usable(ev.kind, ev.data);
    std::optional<PracticeStatus> status = ev.status;
    if (!status && ok) status = default_status(ev.kind, ev.data);
    if (status) {
      p.status = *status;
      p.backoffice_code = ev.backoffice_code;
      p.backoffice_label = ev.backoffice_label;
      p.status_time_ms = ev.time_ms;
      p.status_sequence = ev.sequence;
    }
    if (!ok) continue;
    switch (ev.kind) {
      case PracticeEventKind::Protocollata:
        p.protocol_number = string_member(ev.data, "protocol_number");
        p.protocol_date = parse_civil_date(string_member(ev.data, "protocol_date"));
        break;
      case PracticeEventKind::Documento:
        p.documents.push_back({string_member(ev.data, "title"), string_member(ev.data, "url"),
                               string_member(ev.data, "media_type"), rome_date(ev.time_ms)});
        break;
      case PracticeEventKind::RichiestaIntegrazione:
      case PracticeEventKind::PreavvisoRigetto: {
        Request r{ev.kind,
                  string_member(ev.data, "request_id"),
                  string_member(ev.data, "description"),
                  rome_date(ev.time_ms),
                  {},
                  i};
        const bool repeated = std::any_of(requests.begin(), requests.end(), [&](const Request& o) {
          return o.kind == r.kind && o.id == r.id;
        });
        if (repeated) break;
        if (ev.kind == PracticeEventKind::PreavvisoRigetto) {
          r.due =
              request_due_date(r.requested_on, kObservationDays, facts.terms.saturday_as_holiday);
        } else if (auto given = parse_civil_date(string_member(ev.data, "due_date"))) {
          r.due = *given;
        } else {
          const json* days = member(ev.data, "due_days");
          const int n = days ? days->get<int>() : kDefaultIntegrationDays;  // 1..365, validated
          r.due = request_due_date(r.requested_on, n, facts.terms.saturday_as_holiday);
        }
        requests.push_back(std::move(r));
        break;
      }
      case PracticeEventKind::IntegrazioneRicevuta:
      case PracticeEventKind::OsservazioniRicevute:
        receipts.push_back(
            {ev.kind, string_member(ev.data, "request_id"), rome_date(ev.time_ms), i});
        break;
      default: break;
    }
  }

  const bool concluded = is_concluded(p.status);
  std::vector<Suspension> suspensions;
  std::vector<OpenRequest> open;
  for (const auto& r : requests) {
    const Receipt* closing = nullptr;
    for (const auto& rc : receipts) {
      if (!is_receipt_for(rc.kind, r.kind) || rc.id != r.id) continue;
      if (rc.index > r.index) {  // receipts are in timeline order: the first after the request
        closing = &rc;
        break;
      }
      if (!closing) closing = &rc;  // the first one before it, unless one comes after
    }
    suspensions.push_back(
        {r.kind == PracticeEventKind::RichiestaIntegrazione ? Suspension::Kind::Integration
                                                            : Suspension::Kind::PreavvisoRigetto,
         r.requested_on, closing ? std::optional<Date>(closing->date) : std::nullopt});
    if (!closing && !concluded) {
      open.push_back({r.id, r.kind, r.description, r.requested_on, r.due, today > r.due});
    }
  }
  std::stable_sort(open.begin(), open.end(),
                   [](const OpenRequest& a, const OpenRequest& b) { return a.due < b.due; });
  p.open_requests = std::move(open);

  p.received = p.protocol_date;
  if (!p.received && facts.submitted_on && is_valid(*facts.submitted_on))
    p.received = facts.submitted_on;
  if (p.received) {
    p.deadline = compute_deadline(facts.terms, *p.received, suspensions, today, concluded,
                                  p.status == PracticeStatus::ConclusoNegativo);
  }
  p.next_actor = expected_from(p.status);
  if (!p.open_requests.empty()) {
    p.next_deadline = p.open_requests.front().due;
    p.next_deadline_label =
        "Termine per: " + shorten(p.open_requests.front().description, kLabelDescriptionBytes);
  } else if (p.deadline && !concluded) {
    p.next_deadline = p.deadline->due;
    p.next_deadline_label = "Conclusione prevista del procedimento";
  }
  p.timeline = std::move(events);
  return p;
}

}  // namespace au::domain
