// The transactional outbox of notifications: which practice events concern a person, and the
// messages they cause, written in the transaction that stores the event (so a message exists
// if and only if its event does; the worker delivers it later).
//
// Contract:
// - enqueue_event_messages() runs inside the ingest transaction on its session and never
//   commits; it only inserts (store::MessageInserter), so a failure rolls back the event too.
// - Events that concern the applicant (and the intermediary who filed for them): the practice
//   opened, protocol assigned, status changed, a request for documents (with its due date), a
//   10-bis notice (observations due in 10 days), a message or a document from the office, the
//   conclusion. Receipts the applicant sent themselves (integrazione-ricevuta,
//   osservazioni-ricevute) are not notified. A status event that arrives late (older than the
//   status already shown) is not notified: it would announce a status that is not current.
// - One message per event and recipient, dedup key "evento:<sequence>:<recipient>".
#pragma once

#include <optional>
#include <string>

#include "store/practice_repository.h"

namespace soci { class session; }

namespace au::notify {

struct EventMessage {
  std::string kind;    // message kind (domain/notification_template.h)
  std::string fields;  // JSON object of strings known from the event (motivo, stato, ...)
  std::string due_date;
};

// What an event tells the applicant, nullopt when it tells them nothing. `practice` is the
// practice as it was before this event (its projection not yet updated).
std::optional<EventMessage> message_for_event(const store::StoredEvent& e, const store::PracticeRecord& practice);

// Inserts the messages of `e` on `tx` (see the contract above).
void enqueue_event_messages(soci::session& tx, const store::StoredEvent& e, const store::PracticeRecord& practice);

}  // namespace au::notify
