#include "importer/import_sources.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "domain/catalog_json.h"
#include "domain/section_mapping.h"
#include "domain/slug.h"
#include "importer/card_markup.h"
#include "importer/catalog_importer.h"
#include "importer/csv.h"

namespace au::importer {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string read_file(const SourceContext& ctx, const std::string& rel) {
  std::ifstream in(ctx.dir / rel, std::ios::binary);
  if (!in) throw ImportError(rel, "", "", "file mancante o non leggibile");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json read_json(const SourceContext& ctx, const std::string& rel) {
  try {
    return json::parse(read_file(ctx, rel));
  } catch (const json::parse_error& e) {
    throw ImportError(rel, "", "", std::string("JSON non valido: ") + e.what());
  }
}

CsvTable read_csv(const SourceContext& ctx, const std::string& rel) {
  try {
    return CsvTable(read_file(ctx, rel));
  } catch (const ImportError&) {
    throw;
  } catch (const std::exception& e) {
    throw ImportError(rel, "", "", e.what());
  }
}

std::size_t column(const CsvTable& t, const std::string& file, const std::string& name) {
  try {
    return t.column(name);
  } catch (const std::out_of_range&) {
    throw ImportError(file, "intestazione", name, "colonna mancante");
  }
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

const std::string& require_text(const std::string& value, const std::string& file, const std::string& record,
                                const std::string& field) {
  if (trim(value).empty()) throw ImportError(file, record, field, "valore obbligatorio mancante");
  return value;
}

bool web_url_or_empty(const std::string& url) {
  return url.empty() || url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

void require_code(const SourceContext& ctx, const std::string& vocabulary, const std::string& code,
                  const std::string& file, const std::string& record, const std::string& field) {
  auto it = ctx.codes.find(vocabulary);
  if (it == ctx.codes.end() || !it->second.count(code))
    throw ImportError(file, record, field, "codice \"" + code + "\" assente dal vocabolario " + vocabulary);
}

// ---- vocabularies --------------------------------------------------------------------------

// A national CSV vocabulary: one term per distinct first-level code.
ImportUnit csv_vocabulary(const std::string& file, const std::string& vocabulary, const std::string& code_col,
                          const std::string& label_col) {
  return {file, [=](const SourceContext& ctx) {
            Batch b;
            CsvTable t = read_csv(ctx, file);
            auto code_i = column(t, file, code_col), label_i = column(t, file, label_col);
            std::set<std::string> seen;
            for (std::size_t r = 0; r < t.rows(); ++r) {
              std::string rec = "riga " + std::to_string(r + 2);
              std::string code = trim(t.at(r, code_i)), label = trim(t.at(r, label_i));
              if (code.empty() && label.empty()) continue;
              require_text(code, file, rec, code_col);
              require_text(label, file, rec, label_col);
              if (!seen.insert(code).second) continue;  // hierarchical files repeat the first level
              b.terms.push_back({vocabulary, code, label, "", domain::slugify(label)});
            }
            if (b.terms.empty()) throw ImportError(file, "", "", "nessun termine");
            return b;
          }};
}

ImportUnit modello_comuni_topics() {
  const std::string file = "modello_comuni/vocabolario_modello_comuni.json";
  return {file, [=](const SourceContext& ctx) {
            Batch b;
            json j = read_json(ctx, file);
            if (!j.contains("argomenti") || !j["argomenti"].is_array())
              throw ImportError(file, "", "argomenti", "lista mancante");
            std::size_t i = 0;
            for (const auto& item : j["argomenti"]) {
              std::string rec = "argomenti[" + std::to_string(i++) + "]";
              if (!item.is_string()) throw ImportError(file, rec, "argomenti", "atteso un testo");
              std::string label = item.get<std::string>();
              std::string slug = domain::slugify(require_text(label, file, rec, "argomenti"));
              b.terms.push_back({"topic", slug, label, "", slug});
            }
            return b;
          }};
}

ImportUnit audience_profiles() {
  const std::string file = "accesso_unico/tassonomie.json";
  return {file, [=](const SourceContext& ctx) {
            Batch b;
            json j = read_json(ctx, file);
            if (!j.contains("profili_utenza") || !j["profili_utenza"].is_array())
              throw ImportError(file, "", "profili_utenza", "lista mancante");
            std::size_t i = 0;
            for (const auto& p : j["profili_utenza"]) {
              std::string rec = "profili_utenza[" + std::to_string(i++) + "]";
              std::string code = p.value("metaname", ""), label = p.value("name", "");
              require_text(code, file, rec, "metaname");
              require_text(label, file, rec, "name");
              b.terms.push_back({"audience", code, label, "", code});
            }
            return b;
          }};
}

// ---- enti -----------------------------------------------------------------------------------

ImportUnit enti_unit() {
  const std::string file = "comuni/comuni_umbria.csv", usl_file = "sanita/usl_umbria_comuni.csv";
  return {file + " + " + usl_file, [=](const SourceContext& ctx) {
            Batch b;
            domain::Ente regione;
            regione.id = "regione-umbria";
            regione.slug = "regione-umbria";
            regione.kind = domain::EnteKind::Regione;
            regione.name = "Regione Umbria";
            regione.istat_code = "10";
            regione.lat = 42.96;  // the region's own centroid is not in the data: Perugia's area
            regione.lon = 12.49;
            b.enti.push_back(regione);

            // comune -> USL
            CsvTable usl = read_csv(ctx, usl_file);
            auto u_istat = column(usl, usl_file, "codice_istat"), u_num = column(usl, usl_file, "usl_umbria"),
                 u_name = column(usl, usl_file, "azienda");
            std::map<std::string, std::string> usl_of;
            std::map<std::string, std::string> usl_names;
            for (std::size_t r = 0; r < usl.rows(); ++r) {
              std::string rec = "riga " + std::to_string(r + 2);
              std::string num = trim(usl.at(r, u_num));
              if (num != "1" && num != "2") throw ImportError(usl_file, rec, "usl_umbria", "atteso 1 o 2");
              std::string id = "usl-umbria-" + num;
              usl_of[require_text(trim(usl.at(r, u_istat)), usl_file, rec, "codice_istat")] = id;
              usl_names[id] = require_text(trim(usl.at(r, u_name)), usl_file, rec, "azienda");
            }
            for (const auto& [id, name] : usl_names) {
              domain::Ente e;
              e.id = id;
              e.slug = id;
              e.kind = domain::EnteKind::Usl;
              e.name = name;
              b.enti.push_back(e);
            }

            CsvTable t = read_csv(ctx, file);
            auto c_istat = column(t, file, "codice_istat"), c_name = column(t, file, "nome"),
                 c_prov = column(t, file, "provincia_codice"), c_prov_name = column(t, file, "provincia"),
                 c_sigla = column(t, file, "sigla"), c_cat = column(t, file, "codice_catastale"),
                 c_pop = column(t, file, "popolazione_2011"), c_lon = column(t, file, "lon"),
                 c_lat = column(t, file, "lat");
            std::map<std::string, domain::Ente> provinces;
            std::set<std::string> slugs;
            for (std::size_t r = 0; r < t.rows(); ++r) {
              std::string rec = "riga " + std::to_string(r + 2);
              domain::Ente e;
              e.kind = domain::EnteKind::Comune;
              e.istat_code = trim(t.at(r, c_istat));
              if (e.istat_code.size() != 6 || !std::all_of(e.istat_code.begin(), e.istat_code.end(), ::isdigit))
                throw ImportError(file, rec, "codice_istat", "atteso un codice di 6 cifre");
              rec += " (" + e.istat_code + ")";
              e.id = "comune-" + e.istat_code;
              e.name = require_text(trim(t.at(r, c_name)), file, rec, "nome");
              e.slug = domain::slugify(e.name);
              if (!slugs.insert(e.slug).second) throw ImportError(file, rec, "nome", "nome duplicato");
              e.province_code = require_text(trim(t.at(r, c_prov)), file, rec, "provincia_codice");
              e.province_abbr = trim(t.at(r, c_sigla));
              e.cadastral_code = require_text(trim(t.at(r, c_cat)), file, rec, "codice_catastale");
              try {
                e.population = std::stoll(t.at(r, c_pop));
                e.lon = std::stod(t.at(r, c_lon));
                e.lat = std::stod(t.at(r, c_lat));
              } catch (const std::exception&) {
                throw ImportError(file, rec, "popolazione_2011/lon/lat", "numero non valido");
              }
              if (e.lat < 42 || e.lat > 44 || e.lon < 11.5 || e.lon > 13.5)
                throw ImportError(file, rec, "lon/lat", "coordinate fuori dall'Umbria");
              auto u = usl_of.find(e.istat_code);
              if (u == usl_of.end()) throw ImportError(usl_file, e.istat_code, "codice_istat", "comune senza USL");
              e.usl_id = u->second;
              auto& p = provinces[e.province_code];
              if (p.id.empty()) {
                p.id = "provincia-" + e.province_code;
                p.kind = domain::EnteKind::Provincia;
                p.name = "Provincia di " + trim(t.at(r, c_prov_name));
                p.slug = domain::slugify(p.name);
                p.istat_code = e.province_code;
                p.province_code = e.province_code;
                p.province_abbr = e.province_abbr;
              }
              b.enti.push_back(std::move(e));
            }
            if (b.enti.size() < 3) throw ImportError(file, "", "", "nessun comune");
            for (auto& [code, p] : provinces) b.enti.push_back(p);
            return b;
          }};
}

// ---- regional service cards -----------------------------------------------------------------

domain::ServiceStatus status_of_card(const std::string& s) {
  // The cards' "status" is the level of online delivery; BETA/ALFA cards were still in build.
  if (s.rfind("Livello", 0) == 0) return domain::ServiceStatus::Attivo;
  return domain::ServiceStatus::InSviluppo;
}

std::vector<std::string> string_list(const json& j, const std::string& file, const std::string& rec,
                                     const std::string& field) {
  std::vector<std::string> out;
  if (!j.contains(field) || j[field].is_null()) return out;
  const json& v = j[field];
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) throw ImportError(file, rec, field, "attesa una lista di testi");
  for (const auto& x : v) {
    if (!x.is_string()) throw ImportError(file, rec, field, "attesa una lista di testi");
    out.push_back(x.get<std::string>());
  }
  return out;
}

void validate_classification(const SourceContext& ctx, const domain::Service& s, const std::string& file,
                             const std::string& rec) {
  if (!s.category.empty()) require_code(ctx, "subject-matter", s.category, file, rec, "category");
  for (const auto& a : s.audience) require_code(ctx, "audience", a, file, rec, "audience");
  for (const auto& e : s.life_events) require_code(ctx, "life-event", e, file, rec, "life_events");
  for (const auto& e : s.business_events) require_code(ctx, "business-event", e, file, rec, "business_events");
  for (const auto& t : s.topics) require_code(ctx, "topic", t, file, rec, "topics");
  if (!s.interactivity.empty()) require_code(ctx, "interactivity", s.interactivity, file, rec, "interactivity");
  if (!s.authentication.empty())
    require_code(ctx, "authentication", s.authentication, file, rec, "authentication");
}

// Topics are written by editors as Modello Comuni labels; the catalogue stores their codes.
std::vector<std::string> topic_codes(const SourceContext& ctx, const std::vector<std::string>& labels,
                                     const std::string& file, const std::string& rec) {
  std::vector<std::string> out;
  for (const auto& l : labels) {
    auto it = ctx.topic_by_label.find(l);
    if (it == ctx.topic_by_label.end())
      throw ImportError(file, rec, "topics", "argomento \"" + l + "\" assente dal vocabolario del Modello Comuni");
    out.push_back(it->second);
  }
  return out;
}

ImportUnit regional_cards() {
  const std::string file = "accesso_unico/catalogo_schede.json", extra = "redazione/schede_regionali.json";
  return {file + " + " + extra, [=](const SourceContext& ctx) {
            Batch b;
            json cards = read_json(ctx, file);
            json enrichment = read_json(ctx, extra);
            if (!cards.is_array()) throw ImportError(file, "", "", "attesa una lista di schede");
            if (!enrichment.contains("cards") || !enrichment["cards"].is_object())
              throw ImportError(extra, "", "cards", "oggetto mancante");
            std::set<std::string> slugs;
            std::size_t index = 0;
            std::map<std::string, std::vector<std::string>> links;  // object -> linked objects
            for (const auto& c : cards) {
              std::string rec = std::to_string(index++);
              if (!c.is_object()) throw ImportError(file, rec, "", "attesa una scheda (oggetto)");
              std::string object = c.value("object", "");
              require_text(object, file, rec, "object");
              rec += " (" + object + ")";
              domain::Service s;
              s.id = "ru-" + object;
              s.source = "accesso-unico-umbria";
              s.title = require_text(c.value("title", ""), file, rec, "title");
              s.summary = c.value("description", "");
              s.keywords = string_list(c, file, rec, "keywords");
              s.audience = string_list(c, file, rec, "utenza");
              s.status = status_of_card(c.value("status", ""));

              std::vector<domain::Section> sections;
              std::size_t si = 0;
              if (!c.contains("sections") || !c["sections"].is_array())
                throw ImportError(file, rec, "sections", "lista mancante");
              for (const auto& sec : c["sections"]) {
                std::string field = "sections[" + std::to_string(si++) + "]";
                if (!sec.is_object() || !sec.contains("title") || !sec["title"].is_string())
                  throw ImportError(file, rec, field + ".title", "titolo mancante");
                CardMarkup m = parse_card_markup(sec.value("markdown", ""), "");
                for (auto& o : m.linked_card_objects) links[object].push_back(o);
                sections.push_back({sec["title"].get<std::string>(), m.markdown});
              }
              domain::apply_sections(sections, s.texts);

              std::size_t bi = 0;
              for (const auto& box : c.value("sidebar", json::array())) {
                std::string field = "sidebar[" + std::to_string(bi++) + "]";
                if (!box.is_object()) throw ImportError(file, rec, field, "atteso un oggetto");
                std::string title = box.value("title", "");
                CardMarkup m = parse_card_markup(box.value("markdown", ""), "");
                for (auto& d : m.documents) s.documents.push_back(d);
                for (auto& o : m.linked_card_objects) links[object].push_back(o);
                std::string lower = domain::fold_accents(title);
                if (!m.comuni_select_key.empty()) {
                  s.local_channel_key = m.comuni_select_key;
                  s.texts.access = m.markdown;
                } else if (lower == "servizi collegati") {
                  // related services are taken from the links
                } else if (!m.documents.empty() || m.has_documents_include) {
                  // documents only
                } else if (!trim(m.markdown).empty()) {
                  s.texts.more.push_back({title, m.markdown});
                }
              }

              if (c.contains("ufficio_competente") && c["ufficio_competente"].is_object()) {
                const json& u = c["ufficio_competente"];
                s.office_name = u.value("nome_ufficio", "");
                s.office.address = u.value("indirizzo", "");
                s.office.phone = u.value("telefono", "");
                s.office.pec = u.value("pec", "");
                if (!s.office.phone.empty())
                  s.channels.push_back({domain::ChannelKind::Phone, "Telefono dell'ufficio", "", s.office.phone, ""});
                if (!s.office.pec.empty())
                  s.channels.push_back({domain::ChannelKind::Pec, "PEC dell'ufficio", "", s.office.pec, ""});
                if (!s.office.address.empty())
                  s.channels.push_back({domain::ChannelKind::Office, s.office_name, "", s.office.address, ""});
              }

              auto e = enrichment["cards"].find(object);
              if (e == enrichment["cards"].end())
                throw ImportError(extra, object, "", "scheda senza classificazione redazionale");
              const json& x = *e;
              std::string xrec = object;
              s.slug = x.value("slug", domain::slugify(s.title));
              s.category = x.value("category", "");
              s.topics = topic_codes(ctx, string_list(x, extra, xrec, "topics"), extra, xrec);
              s.life_events = string_list(x, extra, xrec, "life_events");
              s.business_events = string_list(x, extra, xrec, "business_events");
              std::string authority = x.value("authority", "regione-umbria");
              if (authority == "each-comune") {
                s.authority = domain::AuthorityKind::EachComune;
              } else {
                if (!ctx.ente_ids.count(authority))
                  throw ImportError(extra, xrec, "authority", "ente \"" + authority + "\" sconosciuto");
                s.competent_ente_id = authority;
              }
              s.legal_term_days = x.value("legal_term_days", 30);
              if (s.legal_term_days <= 0 || s.legal_term_days > 3650)
                throw ImportError(extra, xrec, "legal_term_days", "atteso un numero di giorni tra 1 e 3650");
              s.silenzio_assenso = x.value("silenzio_assenso", false);
              s.interactivity = x.value("interactivity", "");
              s.authentication = x.value("authentication", "");
              s.legal_references = string_list(x, extra, xrec, "legal_references");
              if (s.texts.achieved.empty()) s.texts.achieved = x.value("achieved", "");
              if (s.texts.needed.empty()) s.texts.needed = x.value("needed", "");
              validate_classification(ctx, s, file, rec);
              if (!slugs.insert(s.slug).second) throw ImportError(extra, xrec, "slug", "slug duplicato");
              b.services.push_back(std::move(s));
            }
            // Resolve links between cards now that every slug is known.
            std::map<std::string, std::string> slug_of;
            for (const auto& s : b.services) slug_of[s.id.substr(3)] = s.slug;
            for (auto& s : b.services) {
              std::string object = s.id.substr(3);
              std::set<std::string> seen;
              for (const auto& o : links[object]) {
                auto it = slug_of.find(o);
                if (it != slug_of.end() && o != object && seen.insert(o).second) s.related.push_back(it->second);
              }
              auto resolve = [&](std::string& md) {
                for (const auto& [obj, slug] : slug_of) {
                  std::string placeholder = "/servizi/card:" + obj;
                  for (std::size_t p; (p = md.find(placeholder)) != std::string::npos;) {
                    // only whole placeholders: the next char must end the link target
                    std::size_t end = p + placeholder.size();
                    if (end < md.size() && md[end] != ')' && md[end] != '/' && md[end] != '#') break;
                    md.replace(p, placeholder.size(), "/servizi/" + slug);
                  }
                }
              };
              for (auto* t : {&s.texts.description, &s.texts.addressed, &s.texts.how_to, &s.texts.needed,
                              &s.texts.achieved, &s.texts.calendar, &s.texts.costs, &s.texts.access,
                              &s.texts.conditions})
                resolve(*t);
              for (auto& m : s.texts.more) resolve(m.markdown);
            }
            return b;
          }};
}

// ---- editorial municipal cards --------------------------------------------------------------

ImportUnit editorial_cards() {
  const std::string file = "redazione/servizi_comunali.json";
  return {file, [=](const SourceContext& ctx) {
            Batch b;
            json j = read_json(ctx, file);
            if (!j.contains("services") || !j["services"].is_array())
              throw ImportError(file, "", "services", "lista mancante");
            std::set<std::string> ids, slugs;
            std::size_t index = 0;
            for (const auto& item : j["services"]) {
              std::string rec = std::to_string(index++);
              if (!item.is_object()) throw ImportError(file, rec, "", "atteso un servizio (oggetto)");
              rec += " (" + item.value("id", "?") + ")";
              json copy = item;
              std::vector<std::string> topic_labels = string_list(item, file, rec, "topics");
              copy.erase("topics");
              domain::Service s;
              try {
                s = copy.get<domain::Service>();
              } catch (const json::exception& e) {
                throw ImportError(file, rec, "", e.what());
              }
              s.topics = topic_codes(ctx, topic_labels, file, rec);
              s.source = j.value("source", "redazione");
              require_text(s.id, file, rec, "id");
              require_text(s.title, file, rec, "title");
              require_text(s.summary, file, rec, "summary");
              if (s.slug.empty() || s.slug != domain::slugify(s.slug))
                throw ImportError(file, rec, "slug", "atteso uno slug in minuscolo con trattini");
              if (!ids.insert(s.id).second || ctx.service_ids.count(s.id))
                throw ImportError(file, rec, "id", "identificativo duplicato");
              if (!slugs.insert(s.slug).second) throw ImportError(file, rec, "slug", "slug duplicato");
              if (s.legal_term_days <= 0 || s.legal_term_days > 3650)
                throw ImportError(file, rec, "legal_term_days", "atteso un numero di giorni tra 1 e 3650");
              for (std::size_t i = 0; i < s.costs.size(); ++i)
                if (s.costs[i].amount_cents < 0)
                  throw ImportError(file, rec, "costs[" + std::to_string(i) + "].amount_cents", "importo negativo");
              // Links become hrefs and redirects: only web addresses, never javascript: or data:.
              for (std::size_t i = 0; i < s.channels.size(); ++i)
                if (!web_url_or_empty(s.channels[i].url))
                  throw ImportError(file, rec, "channels[" + std::to_string(i) + "].url", "atteso un indirizzo http(s)");
              for (std::size_t i = 0; i < s.documents.size(); ++i)
                if (!web_url_or_empty(s.documents[i].url))
                  throw ImportError(file, rec, "documents[" + std::to_string(i) + "].url", "atteso un indirizzo http(s)");
              if (s.authority == domain::AuthorityKind::SingleEnte && !ctx.ente_ids.count(s.competent_ente_id))
                throw ImportError(file, rec, "competent_ente_id", "ente sconosciuto");
              validate_classification(ctx, s, file, rec);
              b.services.push_back(std::move(s));
            }
            return b;
          }};
}

// ---- SUAPE front offices per comune ---------------------------------------------------------

ImportUnit suape_links() {
  const std::string file = "accesso_unico/comuni_sportelli_suape.json";
  return {file, [=](const SourceContext& ctx) {
            Batch b;
            json j = read_json(ctx, file);
            if (!j.is_array()) throw ImportError(file, "", "", "attesa una lista di comuni");
            // The source spells one comune differently from ISTAT.
            static const std::map<std::string, std::string> spelling = {
                {"santa-anatolia-di-narco", "sant-anatolia-di-narco"}};
            std::size_t index = 0;
            for (const auto& c : j) {
              std::string rec = std::to_string(index++);
              if (!c.is_object()) throw ImportError(file, rec, "", "atteso un oggetto");
              std::string name = require_text(c.value("name", ""), file, rec, "name");
              rec += " (" + name + ")";
              std::string key = domain::slugify(name);
              if (auto s = spelling.find(key); s != spelling.end()) key = s->second;
              auto ente = ctx.comune_by_key.find(key);
              if (ente == ctx.comune_by_key.end()) throw ImportError(file, rec, "name", "comune sconosciuto");
              for (const auto& [object, svc] : ctx.card_services) {
                if (svc.local_channel_key.empty()) continue;
                if (!c.contains(svc.local_channel_key)) continue;
                std::string url = c[svc.local_channel_key].is_string() ? c[svc.local_channel_key].get<std::string>() : "";
                if (url.empty()) continue;
                if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
                  throw ImportError(file, rec, svc.local_channel_key, "URL non valido");
                domain::ServiceVariant v;
                v.service_id = svc.id;
                v.ente_id = ente->second;
                v.channel_url = url;
                v.channel_label = url.find("suape.regione.umbria.it") != std::string::npos
                                      ? "Presenta la pratica sul SUAPE regionale"
                                      : "Presenta la pratica sullo sportello online del Comune";
                b.variants.push_back(std::move(v));
              }
            }
            return b;
          }};
}

// ---- unified regional forms -----------------------------------------------------------------

ImportUnit unified_forms() {
  const std::string file = "accesso_unico/modulistica_unificata.json";
  return {file, [=](const SourceContext& ctx) {
            Batch b;
            json j = read_json(ctx, file);
            if (!j.is_array()) throw ImportError(file, "", "", "attesa una lista di moduli");
            std::string service = ctx.card_services.count("modulistica-unificata") ? "ru-modulistica-unificata" : "";
            std::size_t index = 0;
            for (const auto& m : j) {
              std::string rec = std::to_string(index++);
              if (!m.is_object()) throw ImportError(file, rec, "", "atteso un oggetto");
              store::StoredDocument d;
              d.title = require_text(m.value("denominazione", m.value("nome", "")), file, rec, "denominazione");
              d.grouping = m.value("tipologia", "");
              d.url = m.value("link", "");
              d.act = m.value("atto", "");
              d.kind = "modulo";
              d.service_id = service;
              // The PDF's file name ("26-2.pdf": form 26, release 2) is the form's stable identity.
              std::string stem = fs::path(d.url).stem().string();
              d.id = "mu-" + (stem.empty() ? domain::slugify(d.title) : domain::slugify(stem));
              b.documents.push_back(std::move(d));
            }
            return b;
          }};
}

}  // namespace

const std::vector<ImportUnit>& import_units() {
  static const std::vector<ImportUnit> units = {
      csv_vocabulary("vocabolari/public-services-subject-matters.csv", "subject-matter", "Codice_1_livello",
                     "Label_ITA_1_livello"),
      csv_vocabulary("vocabolari/life-event.csv", "life-event", "codice_1_livello", "label_ITA_1_livello"),
      csv_vocabulary("vocabolari/business-event.csv", "business-event", "codice_1_livello", "label_ITA_1_livello"),
      csv_vocabulary("vocabolari/interactivity-level.csv", "interactivity", "codice_1_livello",
                     "label_ITA_1_Livello"),
      csv_vocabulary("vocabolari/authentication-type.csv", "authentication", "codice_1_livello",
                     "label_ITA_1_livello"),
      modello_comuni_topics(),
      audience_profiles(),
      enti_unit(),
      regional_cards(),
      editorial_cards(),
      suape_links(),
      unified_forms(),
  };
  return units;
}

void remember(SourceContext& ctx, const Batch& batch) {
  for (const auto& t : batch.terms) {
    ctx.codes[t.vocabulary].insert(t.code);
    if (t.vocabulary == "topic") ctx.topic_by_label[t.label] = t.code;
  }
  for (const auto& e : batch.enti) {
    ctx.ente_ids.insert(e.id);
    if (e.kind == domain::EnteKind::Comune) {
      ctx.comune_by_key[e.slug] = e.id;
      ctx.comune_by_key[e.cadastral_code] = e.id;
    }
  }
  for (const auto& s : batch.services) {
    ctx.service_ids.insert(s.id);
    if (s.id.rfind("ru-", 0) == 0) ctx.card_services[s.id.substr(3)] = s;
  }
}

}  // namespace au::importer
