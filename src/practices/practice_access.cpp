#include "practices/practice_access.h"

#include <set>

namespace au::practices {

namespace {

domain::Resource resource_of(const store::PracticeRecord& p) {
  domain::Resource r;
  r.owner = p.applicant;
  r.ente_id = p.ente_id;
  r.service_id = p.service_id;
  r.scope = "pratiche:lettura";
  r.live_data = true;
  return r;
}

bool is_data_subject(const domain::Principal& who, const store::PracticeRecord& p) {
  return who.is_person() && (who.subject == p.applicant || (!p.beneficiary.empty() && who.subject == p.beneficiary));
}

// The kind of reader, for the log: why this reader could see someone else's practice.
std::string reader_kind(const domain::Principal& who, const store::PracticeRecord& p) {
  if (who.kind == domain::Principal::Kind::Application) return "integratore";
  if (who.businesses.count(p.applicant)) return "rappresentante";
  if (who.has(domain::Role::OperatoreEnte) && who.ente_id == p.ente_id) return "operatore";
  return "intermediario";
}

}  // namespace

domain::Decision may_read(const domain::Principal& who, const store::PracticeRecord& p, const std::string& now) {
  if (is_data_subject(who, p)) return domain::decide(who, domain::Action::ViewPersonData, resource_of(p), now);
  if (who.kind == domain::Principal::Kind::Application) {
    // An application reads only what concerns its owner.
    if (who.application_owner != p.applicant && who.application_owner != p.intermediary) {
      domain::Decision d;
      d.status = 404;
      d.reason = "not-owner";
      return d;
    }
  }
  // A professional who filed it sees it only while a delegation covers it (decide checks).
  return domain::decide(who, domain::Action::ViewPersonData, resource_of(p), now);
}

std::vector<store::PracticeRecord> visible_practices(store::Database& db, const domain::Principal& who,
                                                     const std::string& now, std::size_t limit) {
  std::vector<std::string> subjects;
  if (who.is_person()) {
    subjects.push_back(who.subject);
    for (const auto& b : who.businesses) subjects.push_back(b);
    for (const auto& d : who.delegations_received)
      if (domain::delegation_in_force(d, now)) subjects.push_back(d.grantor);
  } else if (who.kind == domain::Principal::Kind::Application) {
    if (who.application_owner.empty()) return {};
    subjects.push_back(who.application_owner);
  } else {
    return {};
  }
  std::set<std::string> unique(subjects.begin(), subjects.end());
  std::vector<store::PracticeRecord> out;
  for (auto& p : store::practices_of_subjects(db, {unique.begin(), unique.end()}, limit))
    if (may_read(who, p, now)) out.push_back(std::move(p));
  return out;
}

std::vector<store::PracticeRecord> ente_practices(store::Database& db, const domain::Principal& who,
                                                  const std::string& ente_id, const std::string& today,
                                                  std::size_t limit) {
  domain::Resource r;
  r.ente_id = ente_id;
  if (!domain::decide(who, domain::Action::ViewEnteData, r, today)) return {};
  if (!who.has(domain::Role::OperatoreEnte) || who.ente_id != ente_id) return {};  // administrators: no personal data
  return store::practices_of_ente(db, ente_id, today, limit);
}

void record_read(store::Database& db, const domain::Principal& who, const std::string& who_label,
                 const store::PracticeRecord& p, const std::string& reason, ReadKind kind) {
  if (is_data_subject(who, p) || who.kind == domain::Principal::Kind::Anonymous) return;
  const std::string now = store::now_iso8601();
  for (const auto& subject : {p.applicant, p.beneficiary}) {
    if (subject.empty()) continue;
    store::AccessLogEntry e{p.id, subject, who.subject, reader_kind(who, p), who_label, reason, now};
    if (kind == ReadKind::List)
      store::log_practice_access_once(db, e, now.substr(0, 10) + "T00:00:00Z");
    else
      store::log_practice_access(db, e);
  }
}

std::string reader_kind_label(const std::string& actor_kind) {
  if (actor_kind == "operatore") return "Operatore dell'ente";
  if (actor_kind == "integratore") return "Applicazione di un integratore";
  if (actor_kind == "back-office") return "Sistema di back office dell'ente";
  if (actor_kind == "rappresentante") return "Rappresentante dell'impresa";
  if (actor_kind == "intermediario") return "Intermediario delegato";
  return actor_kind;
}

}  // namespace au::practices
