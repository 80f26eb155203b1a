#include "identity/delegations.h"

#include <algorithm>

#include "domain/fiscal_code.h"
#include "domain/utc_time.h"
#include "identity/crypto.h"

namespace au::identity {

namespace {

DelegationResult invalid(const std::string& message) { return {422, message, "", std::nullopt, ""}; }
DelegationResult denied(const domain::Decision& d) { return {d.status, "", d.reason, std::nullopt, ""}; }

// Acceptance codes are typed by people: case and dashes do not matter.
std::string normalise_code(std::string code) {
  std::string out;
  for (char c : code)
    if (c != '-' && c != ' ') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

}  // namespace

DelegationResult DelegationService::grant(const domain::Principal& actor, const std::string& actor_name,
                                          const DelegationRequest& req, const domain::CatalogSnapshot& cat,
                                          const std::string& now) {
  std::string grantor = req.grantor.empty() ? actor.subject : req.grantor;
  domain::Resource res;
  res.owner = grantor;
  if (auto d = domain::decide(actor, domain::Action::GrantDelegation, res, now); !d) return denied(d);
  std::string delegate = domain::normalize_fiscal_code(req.delegate);
  if (!domain::valid_personal_fiscal_code(delegate))
    return invalid("Il codice fiscale del professionista non è valido: controlla i 16 caratteri.");
  if (delegate == actor.subject) return invalid("Non puoi delegare te stesso.");
  store::DelegationRecord d;
  d.all_services = req.scope == "tutti";
  if (req.scope == "servizi") {
    for (const auto& id : req.services) {
      if (!cat.service_by_id(id)) return invalid("Uno dei servizi scelti non esiste.");
      d.services.push_back(id);
    }
    if (d.services.empty()) return invalid("Scegli almeno un servizio.");
  } else if (req.scope == "enti") {
    for (const auto& id : req.enti) {
      if (!cat.ente_by_id(id)) return invalid("Uno degli enti scelti non esiste.");
      d.enti.push_back(id);
    }
    if (d.enti.empty()) return invalid("Scegli almeno un ente.");
  } else if (req.scope != "tutti") {
    return invalid("Scegli l'ambito della delega: tutti i servizi, alcuni servizi o alcuni enti.");
  }
  if (d.services.size() > 100 || d.enti.size() > 100) return invalid("Puoi scegliere al massimo 100 servizi o enti.");
  auto from = domain::parse_date(req.valid_from), until = domain::parse_date(req.valid_until);
  auto now_s = domain::parse_utc(now);
  if (!from || !until) return invalid("Indica le date di inizio e di fine nel formato AAAA-MM-GG.");
  if (*until < *from) return invalid("La data di fine non può precedere quella di inizio.");
  if (*until - *from > 5LL * 366 * 86400) return invalid("Una delega può durare al massimo cinque anni.");
  if (now_s && *until + 86400 <= *now_s) return invalid("La delega terminerebbe nel passato.");
  std::string code = random_code(10);
  d.id = "dlg-" + random_token(20);
  d.grantor = grantor;
  d.grantor_kind = grantor == actor.subject ? "persona" : "impresa";
  d.grantor_name = actor_name;
  if (d.grantor_kind == "impresa")
    for (const auto& a : store::roles_of(db_, actor.subject))
      if (a.role == "rappresentante-impresa" && a.scope == grantor && !a.label.empty()) d.grantor_name = a.label;
  d.granted_by = actor.subject;
  d.delegate = delegate;
  d.valid_from = domain::format_utc(*from);
  d.valid_until = domain::format_utc(*until + 86400);  // the end date is included
  d.status = "in-attesa";
  d.acceptance_code_hash = sha256_hex(code);
  d.created_at = d.updated_at = now;
  store::insert_delegation(db_, d);
  return {201, "", "", d, code};
}

DelegationResult DelegationService::accept(const domain::Principal& actor, const std::string& code,
                                           const std::string& now) {
  std::string normal = normalise_code(code);
  if (normal.empty() || normal.size() > 32) return invalid("Inserisci il codice di accettazione ricevuto.");
  std::string hash = sha256_hex(normal);
  for (const auto& d : store::delegations_by_delegate(db_, actor.subject)) {
    if (d.status != "in-attesa" || !constant_time_equal(d.acceptance_code_hash, hash)) continue;
    domain::Resource res;
    res.owner = d.grantor;
    res.delegate = d.delegate;
    if (auto dec = domain::decide(actor, domain::Action::AcceptDelegation, res, now); !dec) return denied(dec);
    if (!store::transition_delegation(db_, d.id, {"in-attesa"}, "attiva", actor.subject, "accettata", now))
      return {409, "La delega non è più in attesa di accettazione.", "", std::nullopt, ""};
    return {200, "", "", store::find_delegation(db_, d.id), ""};
  }
  return invalid("Il codice non corrisponde a nessuna delega in attesa per te.");
}

DelegationResult DelegationService::close(const domain::Principal& actor, const std::string& id,
                                          const std::vector<std::string>& from, const std::string& to,
                                          bool delegate_only, const std::string& refused, const std::string& now) {
  auto d = store::find_delegation(db_, id);
  if (!d) return {404, "", "unknown-delegation", std::nullopt, ""};
  domain::Resource res;
  res.owner = d->grantor;
  res.delegate = d->delegate;
  if (auto dec = domain::decide(actor, domain::Action::ManageDelegation, res, now); !dec) return denied(dec);
  if (delegate_only && actor.subject != d->delegate) return {403, "", "not-delegate", std::nullopt, ""};
  if (!store::transition_delegation(db_, id, from, to, actor.subject, to, now)) return {409, refused, "", std::nullopt, ""};
  return {200, "", "", store::find_delegation(db_, id), ""};
}

DelegationResult DelegationService::reject(const domain::Principal& actor, const std::string& id,
                                           const std::string& now) {
  // Whoever a delegation is addressed to may turn it down, professional or not; the grantor
  // withdraws it with revoke() instead.
  return close(actor, id, {"in-attesa"}, "rifiutata", true,
               "Si può rifiutare solo una delega in attesa di accettazione.", now);
}

DelegationResult DelegationService::revoke(const domain::Principal& actor, const std::string& id,
                                           const std::string& now) {
  return close(actor, id, {"in-attesa", "attiva"}, "revocata", false,
               "La delega è già conclusa: non si può più revocare.", now);
}

std::vector<store::DelegationRecord> DelegationService::granted_by(const domain::Principal& actor) {
  auto out = store::delegations_by_grantor(db_, actor.subject);
  for (const auto& vat : actor.businesses) {
    auto more = store::delegations_by_grantor(db_, vat);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

std::vector<store::DelegationRecord> DelegationService::received_by(const domain::Principal& actor) {
  return store::delegations_by_delegate(db_, actor.subject);
}

}  // namespace au::identity
