#include "domain/completeness.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace au::domain {
namespace {

bool present(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return !(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v');
  });
}

bool has_access(const Service& s) {
  if (present(s.texts.access) || present(s.local_channel_key)) return true;
  return std::any_of(s.channels.begin(), s.channels.end(), [](const Channel& c) {
    return (c.kind == ChannelKind::Online && present(c.url)) || c.kind == ChannelKind::Office;
  });
}

bool has_contacts(const Service& s) {
  const Contacts& o = s.office;
  return present(s.office_name) || present(o.address) || present(o.phone) || present(o.email) ||
         present(o.pec) || present(o.website);
}

}  // namespace

Completeness assess_completeness(const Service& s) {
  const std::pair<const char*, bool> criteria[] = {
      {"Titolo", present(s.title)},
      {"Descrizione breve", present(s.summary)},
      {"Categoria", present(s.category)},
      {"Argomenti", std::any_of(s.topics.begin(), s.topics.end(), present)},
      {"A chi è rivolto", present(s.texts.addressed)},
      {"Descrizione", present(s.texts.description)},
      {"Come fare", present(s.texts.how_to)},
      {"Cosa serve", present(s.texts.needed)},
      {"Cosa si ottiene", present(s.texts.achieved)},
      {"Tempi e scadenze", present(s.texts.calendar)},
      {"Quanto costa", present(s.texts.costs) || !s.costs.empty()},
      {"Accedi al servizio", has_access(s)},
      {"Condizioni di servizio", present(s.texts.conditions)},
      {"Contatti", has_contacts(s)},
  };
  const int total = static_cast<int>(std::size(criteria));

  Completeness result;
  int met = 0;
  for (const auto& [label, ok] : criteria) {
    if (ok) {
      ++met;
    } else {
      result.missing.emplace_back(label);
    }
  }
  result.score = (met * 100 + total / 2) / total;
  return result;
}

}  // namespace au::domain
