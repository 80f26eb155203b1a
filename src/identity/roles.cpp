#include "identity/roles.h"

#include "domain/access_policy.h"
#include "domain/fiscal_code.h"

namespace au::identity {

std::string check_role_assignment(const domain::CatalogSnapshot& cat, store::RoleAssignment& a) {
  a.fiscal_code = domain::normalize_fiscal_code(a.fiscal_code);
  if (!domain::valid_personal_fiscal_code(a.fiscal_code)) return "Il codice fiscale non è valido.";
  domain::Role r;
  if (!domain::parse_role(a.role, r) || r == domain::Role::Cittadino) return "Il ruolo indicato non esiste.";
  switch (r) {
    case domain::Role::OperatoreEnte: {
      const auto* e = cat.ente_by_id(a.scope);
      if (!e) return "Per un operatore indica l'identificativo dell'ente (es. comune-054039).";
      a.label = e->name;
      break;
    }
    case domain::Role::Redattore: {
      const auto* t = cat.term("subject-matter", a.scope);
      if (!t) return "Per un redattore indica il codice della categoria della comunità tematica.";
      a.label = t->label;
      break;
    }
    case domain::Role::RappresentanteImpresa:
      if (!domain::valid_partita_iva(a.scope)) return "Per un rappresentante d'impresa indica una partita IVA valida.";
      if (a.label.size() > 200) a.label.resize(200);
      break;
    default:
      a.scope.clear();
      a.label.clear();
  }
  return "";
}

}  // namespace au::identity
