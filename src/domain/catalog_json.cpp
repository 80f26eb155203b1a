#include "domain/catalog_json.h"

#include <cstdio>

namespace au::domain {

using nlohmann::json;

namespace {
// Reads j[key] into out when present and not null; a wrong type throws with the key's name.
template <typename T>
void get_opt(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    it->get_to(out);
  } catch (const json::exception& e) {
    throw json::type_error::create(302, std::string("campo \"") + key + "\": " + e.what(), &j);
  }
}
}  // namespace

void to_json(json& j, const Contacts& c) {
  j = json{{"address", c.address}, {"phone", c.phone}, {"email", c.email}, {"pec", c.pec},
           {"website", c.website}};
}
void from_json(const json& j, Contacts& c) {
  get_opt(j, "address", c.address);
  get_opt(j, "phone", c.phone);
  get_opt(j, "email", c.email);
  get_opt(j, "pec", c.pec);
  get_opt(j, "website", c.website);
}

void to_json(json& j, const Ente& e) {
  j = json{{"id", e.id}, {"slug", e.slug}, {"kind", to_string(e.kind)}, {"name", e.name},
           {"istat_code", e.istat_code}, {"cadastral_code", e.cadastral_code},
           {"province_code", e.province_code}, {"province_abbr", e.province_abbr},
           {"population", e.population}, {"lat", e.lat}, {"lon", e.lon}, {"usl_id", e.usl_id},
           {"contacts", e.contacts}};
}
void from_json(const json& j, Ente& e) {
  get_opt(j, "id", e.id);
  get_opt(j, "slug", e.slug);
  std::string kind;
  get_opt(j, "kind", kind);
  if (auto k = ente_kind_from(kind)) e.kind = *k;
  get_opt(j, "name", e.name);
  get_opt(j, "istat_code", e.istat_code);
  get_opt(j, "cadastral_code", e.cadastral_code);
  get_opt(j, "province_code", e.province_code);
  get_opt(j, "province_abbr", e.province_abbr);
  get_opt(j, "population", e.population);
  get_opt(j, "lat", e.lat);
  get_opt(j, "lon", e.lon);
  get_opt(j, "usl_id", e.usl_id);
  get_opt(j, "contacts", e.contacts);
}

void to_json(json& j, const Channel& c) {
  j = json{{"kind", to_string(c.kind)}, {"label", c.label}, {"url", c.url}, {"value", c.value},
           {"hours", c.hours}};
}
void from_json(const json& j, Channel& c) {
  std::string kind;
  get_opt(j, "kind", kind);
  auto k = channel_kind_from(kind);
  if (!k) throw json::other_error::create(501, "campo \"kind\": canale sconosciuto \"" + kind + "\"", &j);
  c.kind = *k;
  get_opt(j, "label", c.label);
  get_opt(j, "url", c.url);
  get_opt(j, "value", c.value);
  get_opt(j, "hours", c.hours);
}

void to_json(json& j, const Cost& c) {
  j = json{{"amount_cents", c.amount_cents}, {"description", c.description}};
}
void from_json(const json& j, Cost& c) {
  get_opt(j, "amount_cents", c.amount_cents);
  get_opt(j, "description", c.description);
}

void to_json(json& j, const Document& d) {
  j = json{{"title", d.title}, {"url", d.url}, {"kind", d.kind}, {"act", d.act}};
}
void from_json(const json& j, Document& d) {
  get_opt(j, "title", d.title);
  get_opt(j, "url", d.url);
  get_opt(j, "kind", d.kind);
  get_opt(j, "act", d.act);
}

void to_json(json& j, const Section& s) { j = json{{"title", s.title}, {"markdown", s.markdown}}; }
void from_json(const json& j, Section& s) {
  get_opt(j, "title", s.title);
  get_opt(j, "markdown", s.markdown);
}

void to_json(json& j, const ServiceTexts& t) {
  j = json{{"description", t.description}, {"addressed", t.addressed}, {"how_to", t.how_to},
           {"needed", t.needed},           {"achieved", t.achieved},   {"calendar", t.calendar},
           {"costs", t.costs},             {"access", t.access},       {"conditions", t.conditions},
           {"more", t.more}};
}
void from_json(const json& j, ServiceTexts& t) {
  get_opt(j, "description", t.description);
  get_opt(j, "addressed", t.addressed);
  get_opt(j, "how_to", t.how_to);
  get_opt(j, "needed", t.needed);
  get_opt(j, "achieved", t.achieved);
  get_opt(j, "calendar", t.calendar);
  get_opt(j, "costs", t.costs);
  get_opt(j, "access", t.access);
  get_opt(j, "conditions", t.conditions);
  get_opt(j, "more", t.more);
}

void to_json(json& j, const Service& s) {
  j = json{{"id", s.id},
           {"slug", s.slug},
           {"title", s.title},
           {"summary", s.summary},
           {"texts", s.texts},
           {"audience", s.audience},
           {"category", s.category},
           {"topics", s.topics},
           {"life_events", s.life_events},
           {"business_events", s.business_events},
           {"authority", s.authority == AuthorityKind::EachComune ? "each-comune" : "single-ente"},
           {"competent_ente_id", s.competent_ente_id},
           {"office_name", s.office_name},
           {"office", s.office},
           {"channels", s.channels},
           {"costs", s.costs},
           {"documents", s.documents},
           {"related", s.related},
           {"processing_days", s.processing_days},
           {"legal_term_days", s.legal_term_days},
           {"silenzio_assenso", s.silenzio_assenso},
           {"legal_references", s.legal_references},
           {"interactivity", s.interactivity},
           {"authentication", s.authentication},
           {"status", to_string(s.status)},
           {"keywords", s.keywords},
           {"local_channel_key", s.local_channel_key},
           {"version", s.version},
           {"modified_at", s.modified_at},
           {"source", s.source}};
}
void from_json(const json& j, Service& s) {
  get_opt(j, "id", s.id);
  get_opt(j, "slug", s.slug);
  get_opt(j, "title", s.title);
  get_opt(j, "summary", s.summary);
  get_opt(j, "texts", s.texts);
  get_opt(j, "audience", s.audience);
  get_opt(j, "category", s.category);
  get_opt(j, "topics", s.topics);
  get_opt(j, "life_events", s.life_events);
  get_opt(j, "business_events", s.business_events);
  std::string authority = "single-ente";
  get_opt(j, "authority", authority);
  if (authority != "single-ente" && authority != "each-comune")
    throw json::other_error::create(501, "campo \"authority\": valore non ammesso \"" + authority + "\"", &j);
  s.authority = authority == "each-comune" ? AuthorityKind::EachComune : AuthorityKind::SingleEnte;
  get_opt(j, "competent_ente_id", s.competent_ente_id);
  get_opt(j, "office_name", s.office_name);
  get_opt(j, "office", s.office);
  get_opt(j, "channels", s.channels);
  get_opt(j, "costs", s.costs);
  get_opt(j, "documents", s.documents);
  get_opt(j, "related", s.related);
  get_opt(j, "processing_days", s.processing_days);
  get_opt(j, "legal_term_days", s.legal_term_days);
  get_opt(j, "silenzio_assenso", s.silenzio_assenso);
  get_opt(j, "legal_references", s.legal_references);
  get_opt(j, "interactivity", s.interactivity);
  get_opt(j, "authentication", s.authentication);
  std::string status = "attivo";
  get_opt(j, "status", status);
  auto st = service_status_from(status);
  if (!st) throw json::other_error::create(501, "campo \"status\": valore non ammesso \"" + status + "\"", &j);
  s.status = *st;
  get_opt(j, "keywords", s.keywords);
  get_opt(j, "local_channel_key", s.local_channel_key);
  get_opt(j, "version", s.version);
  get_opt(j, "modified_at", s.modified_at);
  get_opt(j, "source", s.source);
}

void to_json(json& j, const ServiceVariant& v) {
  j = json{{"service_id", v.service_id}, {"ente_id", v.ente_id},     {"channel_url", v.channel_url},
           {"channel_label", v.channel_label}, {"summary", v.summary}, {"how_to", v.how_to},
           {"costs_text", v.costs_text},   {"office_name", v.office_name}, {"office", v.office},
           {"version", v.version},         {"modified_at", v.modified_at}};
  j["cost_cents"] = v.cost_cents ? json(*v.cost_cents) : json(nullptr);
}
void from_json(const json& j, ServiceVariant& v) {
  get_opt(j, "service_id", v.service_id);
  get_opt(j, "ente_id", v.ente_id);
  get_opt(j, "channel_url", v.channel_url);
  get_opt(j, "channel_label", v.channel_label);
  get_opt(j, "summary", v.summary);
  get_opt(j, "how_to", v.how_to);
  get_opt(j, "costs_text", v.costs_text);
  if (auto it = j.find("cost_cents"); it != j.end() && !it->is_null()) v.cost_cents = it->get<std::int64_t>();
  get_opt(j, "office_name", v.office_name);
  get_opt(j, "office", v.office);
  get_opt(j, "version", v.version);
  get_opt(j, "modified_at", v.modified_at);
}

std::string content_hash(const json& j) {
  std::string text = j.dump();
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace au::domain
