// How complete a service card is against the Modello Comuni service page, so editors know
// what to write next and the catalogue can be ranked by quality.
//
// Contract: fourteen criteria of equal weight; score = round(100 * met / 14). Text that is
// empty or whitespace-only counts as missing. `missing` holds the Italian labels of the unmet
// criteria, in the order they appear on the page (header, then the page index of the reference
// page: who-needs, description, how-to, needed, obtain, deadlines, costs, submit-request,
// conditions, contacts):
//   "Titolo"                  title
//   "Descrizione breve"       summary
//   "Categoria"               category (shown in the breadcrumb under "Servizi")
//   "Argomenti"               at least one non-blank topic
//   "A chi è rivolto"         texts.addressed
//   "Descrizione"             texts.description
//   "Come fare"               texts.how_to
//   "Cosa serve"              texts.needed
//   "Cosa si ottiene"         texts.achieved
//   "Tempi e scadenze"        texts.calendar
//   "Quanto costa"            texts.costs, or at least one entry in costs
//   "Accedi al servizio"      an online channel with a URL, or local_channel_key (each comune's
//                             front office), or texts.access, or an office channel
//   "Condizioni di servizio"  texts.conditions
//   "Contatti"                office_name, or any office contact (address, phone, e-mail, PEC, site)
#pragma once

#include <string>
#include <vector>

#include "domain/catalog.h"

namespace au::domain {

struct Completeness {
  int score = 0;                     // 0..100
  std::vector<std::string> missing;  // Italian labels of what is missing, in page order
};

Completeness assess_completeness(const Service& s);

}  // namespace au::domain
