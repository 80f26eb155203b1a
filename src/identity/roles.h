// Granting roles beyond "cittadino": the one validation used by the administration page and
// by `accesso-unico roles` (demo people, bootstrap of the first administrator).
//
// Contract: check_role_assignment() normalises the fiscal code, checks it and the role, and
// the scope the role needs (an existing ente for an operator, an existing service category for
// an editor, a valid partita IVA for a business representative, none otherwise); it fills the
// label from the catalogue where there is one. Returns an Italian message, empty when valid.
#pragma once

#include <string>

#include "domain/catalog_snapshot.h"
#include "store/identity_repository.h"

namespace au::identity {

std::string check_role_assignment(const domain::CatalogSnapshot& cat, store::RoleAssignment& a);

}  // namespace au::identity
