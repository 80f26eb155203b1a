// The common status model of a practice (pratica), as the Modello Comuni shows it to people,
// and the mapping from each back office's own state codes onto it.
//
// Contract: pure. Six statuses with stable codes (used in the database, the API and events) and
// Italian labels. Every back-office state is kept as sent (code and label) beside the common
// status; a StatusMapping, configured per ente and back office, says which common status each
// own code means. VBG (the Umbria SUAPE back office) configures two-letter codes per comune,
// each pointing to one of three behaviours (staticomportamento: -1 Chiusa negativamente,
// 0 Attiva, 1 Chiusa positivamente); a mapping may name a common status directly or through
// that behaviour. A code absent from the mapping is an error for the caller to report (the
// ingest answers 422 naming it), never a silent default.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace au::domain {

enum class PracticeStatus {
  Bozza,              // "In bozza": not yet submitted
  InCorso,            // "In corso": the PA is working on it
  SospesoUtente,      // "Sospeso – azione dell'utente": waiting for the applicant (integration, 10-bis)
  SospesoPa,          // "Sospeso – azione della PA": waiting for another office or agency
  ConclusoPositivo,   // "Concluso – esito positivo"
  ConclusoNegativo,   // "Concluso – esito negativo"
};

// "in-bozza", "in-corso", "sospeso-utente", "sospeso-pa", "concluso-positivo", "concluso-negativo".
std::string status_code(PracticeStatus s);
std::optional<PracticeStatus> parse_status_code(std::string_view code);
std::string status_label(PracticeStatus s);
bool is_concluded(PracticeStatus s);

// Who is expected to act next, for "what is expected of whom".
enum class NextActor { Nessuno, Richiedente, Amministrazione };
NextActor expected_from(PracticeStatus s);
std::string next_actor_label(NextActor a);  // "Nessuno", "Tu (il richiedente)", "L'amministrazione"

// VBG behaviour -1/0/1 to the common model. An active practice with an open request to the
// applicant (a "contromovimento" due from them) is suspended on the user's side.
std::optional<PracticeStatus> from_vbg_behaviour(int behaviour, bool open_request_to_applicant);

// One back office's own state codes -> common statuses.
class StatusMapping {
 public:
  // From JSON: {"AT": "in-corso", "CP": {"vbg_behaviour": 1}, "SI": "sospeso-utente", ...}.
  // Codes are 1-20 characters [A-Za-z0-9_-]. Every problem is reported (Italian, naming the code);
  // nullopt when there is any.
  static std::optional<StatusMapping> from_json(const nlohmann::json& j, std::vector<std::string>& errors);

  // False (and a message) for a malformed or repeated code.
  bool add(const std::string& code, PracticeStatus status, std::string& error);
  std::optional<PracticeStatus> map(std::string_view code) const;
  std::size_t size() const { return codes_.size(); }
  nlohmann::json to_json() const;

 private:
  std::map<std::string, PracticeStatus, std::less<>> codes_;
};

}  // namespace au::domain
