// What a practice looks like now, computed from its events: the vocabulary of event types a back
// office may send, the validation of each type's `data`, and the projection (current status,
// protocol, timeline, documents, open requests to the applicant, legal deadline, who acts next).
//
// Contract
// --------
// Pure: no clock, no I/O; `today` is passed in. The events are the truth (stored append-only in
// the hash chain); this projection can be recomputed from them at any time and gives the same
// answer whatever order the events ARRIVED in: they are ordered by (time_ms, sequence).
//
// Event types (CloudEvents `type`), all with the prefix kPracticeEventPrefix
// ("it.umbria.accessounico.pratica."); `data` is a JSON object, its members:
//   aperta                 (written by the hub when a practice is opened; data = the practice)
//   protocollata           protocol_number (string 1..64, required), protocol_date (YYYY-MM-DD,
//                          required): the application is registered; the legal term runs from
//                          protocol_date (art. 2 c.6 L. 241/1990: from receipt).
//   stato                  status_code (required): a change of the back office's own state.
//   richiesta-integrazione request_id (1..64, required), description (1..2000, required),
//                          due_date (YYYY-MM-DD) or due_days (integer 1..365), optional, not
//                          both; default 30 days (request_due_date). Suspends the term (art. 2
//                          c.7) and opens a request to the applicant.
//   integrazione-ricevuta  request_id (required): closes that request, the term resumes.
//   preavviso-rigetto      request_id (required), description (required): art. 10-bis notice;
//                          opens a request "presenta osservazioni" due 10 days after the notice.
//   osservazioni-ricevute  request_id (required): closes the 10-bis request.
//   documento              title (1..300, required), url (absolute http/https, ≤ 2000,
//                          required), media_type (optional string ≤ 100): a linked document.
//   messaggio              text (1..2000, required): a note for the applicant.
//   conclusa               esito ("positivo" | "negativo", required), description (optional
//                          ≤ 2000): the procedure ended.
// Every type may also carry status_code (1..20 chars, the back office's own state at that
// moment; mapped to the common model by the ingest with the ente's StatusMapping) and
// status_label (≤ 200). Other members of `data` are kept as sent and ignored here.
// validate_event_data() reports every problem with path prefix + "/data/<member>" (path prefix +
// "/data" when data is not an object), in Italian. Lengths are counted in bytes of UTF-8; a
// member that is null counts as absent. project_practice keeps an event whose data fails this
// validation in the timeline, but uses nothing else of it except its mapped status.
//
// Status: the status of a practice is the one set by its latest event (by time_ms, then
// sequence) that sets one: the mapped back-office status when the event carried a status_code,
// otherwise default_status(kind, data): aperta → in-corso, protocollata → in-corso,
// richiesta-integrazione → sospeso-utente, integrazione-ricevuta → in-corso,
// preavviso-rigetto → sospeso-utente, osservazioni-ricevute → in-corso, conclusa → concluso-
// positivo/negativo per esito; stato without a mapped status, documento and messaggio set none.
// Before any status-setting event the status is in-corso.
//
// Deadline: received = protocol_date of the latest protocollata, else facts.submitted_on; no
// deadline without either. Suspensions: each richiesta-integrazione (start = its Rome date)
// closed by an integrazione-ricevuta with the same request_id (end = its Rome date; no end while
// it is still open), each preavviso-rigetto closed (or not yet) by osservazioni-ricevute;
// concluded = status concluded; denial_communicated = concluso-negativo. Passed to
// compute_deadline (deadlines.h).
// The date of an event is its calendar date in Italy (Europe/Rome: CET, CEST from the last
// Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC): rome_date().
//
// Open requests: opened by richiesta-integrazione / preavviso-rigetto, closed by the matching
// receipt (same request_id; a receipt seen before its request closes it too). Not listed once
// the practice is concluded. next_deadline: the earliest due date among open requests (the
// applicant must act), else the practice's due date while it is not concluded, else none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/calendar.h"
#include "domain/cloud_event.h"
#include "domain/deadlines.h"
#include "domain/practice_status.h"

namespace au::domain {

inline constexpr std::string_view kPracticeEventPrefix = "it.umbria.accessounico.pratica.";

enum class PracticeEventKind {
  Aperta,
  Protocollata,
  Stato,
  RichiestaIntegrazione,
  IntegrazioneRicevuta,
  PreavvisoRigetto,
  OsservazioniRicevute,
  Documento,
  Messaggio,
  Conclusa,
};

// Full type string <-> kind; nullopt for an unknown type.
std::optional<PracticeEventKind> parse_event_type(std::string_view type);
std::string event_type_name(PracticeEventKind kind);
// Italian, for the timeline: "Pratica aperta", "Protocollata", "Cambio di stato",
// "Richiesta di integrazione", "Integrazione ricevuta", "Preavviso di rigetto (art. 10-bis)",
// "Osservazioni ricevute", "Documento", "Messaggio", "Procedimento concluso".
std::string event_kind_label(PracticeEventKind kind);
// The types a back office may send (every kind except Aperta), for error messages.
std::vector<std::string> accepted_event_types();

void validate_event_data(PracticeEventKind kind, const nlohmann::json& data,
                         const std::string& path_prefix, std::vector<FieldError>& errors);

std::optional<PracticeStatus> default_status(PracticeEventKind kind, const nlohmann::json& data);

// Calendar date in Italy of an instant (milliseconds since the Unix epoch).
Date rome_date(std::int64_t epoch_ms);

struct TimelineEvent {
  std::int64_t sequence = 0;
  PracticeEventKind kind = PracticeEventKind::Stato;
  std::int64_t time_ms = 0;
  std::string time;                       // RFC 3339 as sent (or as assigned on receipt)
  std::optional<PracticeStatus> status;   // mapped from status_code by the ingest, if any
  std::string backoffice_code, backoffice_label;
  nlohmann::json data;                    // the event's data (object, possibly empty)
};

struct PracticeFacts {
  std::optional<Date> submitted_on;  // from the opening record
  ProcedureTerms terms;              // legal term and silenzio-assenso of the service
};

struct OpenRequest {
  std::string request_id;
  PracticeEventKind kind = PracticeEventKind::RichiestaIntegrazione;  // or PreavvisoRigetto
  std::string description;
  Date requested_on;
  Date due;
  bool overdue = false;  // today > due
};

struct PracticeDocument {
  std::string title, url, media_type;
  Date date;
};

struct Projection {
  PracticeStatus status = PracticeStatus::InCorso;
  std::string backoffice_code, backoffice_label;  // of the event that set the status
  std::int64_t status_time_ms = 0;                // 0 when no event set one
  std::int64_t status_sequence = 0;
  std::string protocol_number;
  std::optional<Date> protocol_date;
  std::optional<Date> received;                   // start of the legal term
  std::vector<TimelineEvent> timeline;            // ordered by (time_ms, sequence)
  std::vector<OpenRequest> open_requests;         // ordered by due date
  std::vector<PracticeDocument> documents;        // in timeline order
  std::optional<DeadlineReport> deadline;         // when `received` is known
  NextActor next_actor = NextActor::Amministrazione;
  std::optional<Date> next_deadline;
  std::string next_deadline_label;                // Italian: what is due then
};

Projection project_practice(const PracticeFacts& facts, std::vector<TimelineEvent> events, Date today);

}  // namespace au::domain
