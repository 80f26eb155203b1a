#include "domain/practice_status.h"

#include <array>

namespace au::domain {

namespace {

struct StatusInfo {
  PracticeStatus status;
  const char* code;
  const char* label;
};

constexpr std::array<StatusInfo, 6> kStatuses = {{
    {PracticeStatus::Bozza, "in-bozza", "In bozza"},
    {PracticeStatus::InCorso, "in-corso", "In corso"},
    {PracticeStatus::SospesoUtente, "sospeso-utente", "Sospeso – azione dell'utente"},
    {PracticeStatus::SospesoPa, "sospeso-pa", "Sospeso – azione della PA"},
    {PracticeStatus::ConclusoPositivo, "concluso-positivo", "Concluso – esito positivo"},
    {PracticeStatus::ConclusoNegativo, "concluso-negativo", "Concluso – esito negativo"},
}};

const StatusInfo& info(PracticeStatus s) {
  for (const auto& i : kStatuses)
    if (i.status == s) return i;
  return kStatuses[1];  // unreachable for a valid enum value
}

bool valid_code(std::string_view code) {
  if (code.empty() || code.size() > 20) return false;
  for (char c : code)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

}  // namespace

std::string status_code(PracticeStatus s) { return info(s).code; }
std::string status_label(PracticeStatus s) { return info(s).label; }

std::optional<PracticeStatus> parse_status_code(std::string_view code) {
  for (const auto& i : kStatuses)
    if (code == i.code) return i.status;
  return std::nullopt;
}

bool is_concluded(PracticeStatus s) {
  return s == PracticeStatus::ConclusoPositivo || s == PracticeStatus::ConclusoNegativo;
}

NextActor expected_from(PracticeStatus s) {
  switch (s) {
    case PracticeStatus::Bozza:
    case PracticeStatus::SospesoUtente: return NextActor::Richiedente;
    case PracticeStatus::InCorso:
    case PracticeStatus::SospesoPa: return NextActor::Amministrazione;
    default: return NextActor::Nessuno;
  }
}

std::string next_actor_label(NextActor a) {
  switch (a) {
    case NextActor::Richiedente: return "Tu (il richiedente)";
    case NextActor::Amministrazione: return "L'amministrazione";
    default: return "Nessuno";
  }
}

std::optional<PracticeStatus> from_vbg_behaviour(int behaviour, bool open_request_to_applicant) {
  switch (behaviour) {
    case -1: return PracticeStatus::ConclusoNegativo;
    case 1: return PracticeStatus::ConclusoPositivo;
    case 0: return open_request_to_applicant ? PracticeStatus::SospesoUtente : PracticeStatus::InCorso;
    default: return std::nullopt;
  }
}

bool StatusMapping::add(const std::string& code, PracticeStatus status, std::string& error) {
  if (!valid_code(code)) {
    error = "Il codice di stato \"" + code.substr(0, 40) + "\" non è valido: da 1 a 20 caratteri tra lettere, cifre, - e _.";
    return false;
  }
  if (!codes_.emplace(code, status).second) {
    error = "Il codice di stato \"" + code + "\" è ripetuto.";
    return false;
  }
  return true;
}

std::optional<PracticeStatus> StatusMapping::map(std::string_view code) const {
  auto it = codes_.find(code);
  if (it == codes_.end()) return std::nullopt;
  return it->second;
}

std::optional<StatusMapping> StatusMapping::from_json(const nlohmann::json& j, std::vector<std::string>& errors) {
  std::size_t before = errors.size();
  StatusMapping m;
  if (!j.is_object() || j.empty()) {
    errors.push_back("La tabella degli stati deve essere un oggetto non vuoto {codice: stato}.");
    return std::nullopt;
  }
  for (const auto& [code, value] : j.items()) {
    std::optional<PracticeStatus> status;
    if (value.is_string()) {
      status = parse_status_code(value.get<std::string>());
    } else if (value.is_object() && value.size() == 1 && value.contains("vbg_behaviour") &&
               value["vbg_behaviour"].is_number_integer()) {
      // VBG's behaviour alone cannot tell whether a request to the applicant is open: that comes
      // from the events, so an active code maps to "in corso".
      status = from_vbg_behaviour(value["vbg_behaviour"].get<int>(), false);
    }
    if (!status) {
      errors.push_back("Lo stato del codice \"" + code.substr(0, 40) +
                       "\" non è valido: usa uno stato comune (in-corso, sospeso-utente, ...) o "
                       "{\"vbg_behaviour\": -1|0|1}.");
      continue;
    }
    std::string error;
    if (!m.add(code, *status, error)) errors.push_back(error);
  }
  if (errors.size() != before) return std::nullopt;
  return m;
}

nlohmann::json StatusMapping::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [code, status] : codes_) j[code] = status_code(status);
  return j;
}

}  // namespace au::domain
