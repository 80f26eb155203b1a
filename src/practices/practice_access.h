// Who may read which practices, and the log of every read of a person's practice by someone
// else ("chi ha consultato i miei dati").
//
// Contract:
//   - A person sees the practices where they are applicant, beneficiary or intermediary, those
//     of the businesses they represent, and those of the people who delegated them (delegation
//     in force and covering the practice's service or ente); domain::decide(ViewPersonData)
//     has the last word on each practice.
//   - An operator sees their ente's practices (ente_practices), overdue first.
//   - An application (API store) with scope pratiche:lettura in the live environment sees the
//     practices of its owner (applicant or intermediary); a test application sees none.
//   - record_read() logs the read when the reader is not the data subject (applicant or
//     beneficiary) themselves: operator, integrator's application, back office, intermediary
//     or business representative, with who, when and why. Lists are logged once a day per
//     practice and reader; a detail view at every read.
#pragma once

#include <string>
#include <vector>

#include "domain/access_policy.h"
#include "store/practice_repository.h"

namespace au::practices {

// Practices `who` may see as their own or on behalf of someone (newest first).
std::vector<store::PracticeRecord> visible_practices(store::Database& db, const domain::Principal& who,
                                                     const std::string& now, std::size_t limit = 200);
// The ente's practices for its operators (empty when `who` does not operate for it).
std::vector<store::PracticeRecord> ente_practices(store::Database& db, const domain::Principal& who,
                                                  const std::string& ente_id, const std::string& today,
                                                  std::size_t limit = 200);
// May `who` read this practice? (policy decision; 404 when not, so existence does not leak)
domain::Decision may_read(const domain::Principal& who, const store::PracticeRecord& p, const std::string& now);

enum class ReadKind { List, Detail };
// Logs the read when `who` is not the practice's applicant or beneficiary.
void record_read(store::Database& db, const domain::Principal& who, const std::string& who_label,
                 const store::PracticeRecord& p, const std::string& reason, ReadKind kind);

// Italian label of the kind of reader stored in the log ("operatore dell'ente", ...).
std::string reader_kind_label(const std::string& actor_kind);

}  // namespace au::practices
