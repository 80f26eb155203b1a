#include "api/cpsv_export.h"

#include <cctype>
#include <cstdio>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

namespace au::api {

using nlohmann::json;

namespace {

// ---- An RDF graph without blank nodes: subjects with types and ordered property values. ----
// Predicates, types and datatypes are CURIEs over kPrefixes; object IRIs are absolute.

struct Prefix {
  const char* name;
  const char* ns;
};
constexpr Prefix kPrefixes[] = {
    {"cpsv", "http://purl.org/vocab/cpsv#"},   {"cv", "http://data.europa.eu/m8g/"},
    {"dct", "http://purl.org/dc/terms/"},      {"dcat", "http://www.w3.org/ns/dcat#"},
    {"adms", "http://www.w3.org/ns/adms#"},    {"skos", "http://www.w3.org/2004/02/skos/core#"},
    {"locn", "http://www.w3.org/ns/locn#"},    {"foaf", "http://xmlns.com/foaf/0.1/"},
    {"org", "http://www.w3.org/ns/org#"},      {"time", "http://www.w3.org/2006/time#"},
    {"xsd", "http://www.w3.org/2001/XMLSchema#"}};

// Invalid UTF-8 sequences become U+FFFD, so that both writers always emit valid text.
std::string clean_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size() && !(len == 2 && c < 0xC2) && !(len == 4 && c > 0xF4);
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && len == 3) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// Percent-encodes what may not appear in an IRI (controls, space, <>"{}|^`\), so the same IRI
// is valid in Turtle and survives JSON-LD's absolute-IRI check. Idempotent.
std::string clean_iri(const std::string& s) {
  static const std::string forbidden = "<>\"{}|^`\\";
  std::string out;
  for (char ch : clean_utf8(s)) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7F || forbidden.find(ch) != std::string::npos) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

struct Term {
  enum Kind { Iri, Lang, Typed, Plain } kind;
  std::string value, extra;  // extra: language tag or datatype CURIE
  bool operator==(const Term& o) const { return kind == o.kind && value == o.value && extra == o.extra; }
};
Term iri_ref(const std::string& iri) { return {Term::Iri, clean_iri(iri), ""}; }
Term it(const std::string& text) { return {Term::Lang, clean_utf8(text), "it"}; }
Term typed(const std::string& lex, const char* datatype) { return {Term::Typed, lex, datatype}; }
Term plain(const std::string& text) { return {Term::Plain, clean_utf8(text), ""}; }

struct Node {
  std::string id;
  std::vector<std::string> types;
  std::vector<std::pair<std::string, std::vector<Term>>> props;

  Node& add(const std::string& pred, Term t) {
    for (auto& [p, values] : props)
      if (p == pred) {
        for (const auto& v : values)
          if (v == t) return *this;
        values.push_back(std::move(t));
        return *this;
      }
    props.push_back({pred, {std::move(t)}});
    return *this;
  }
};

class Graph {
 public:
  // The node with this IRI, created on first use; types are added once each.
  Node& node(const std::string& iri, std::initializer_list<const char*> types = {}) {
    std::string id = clean_iri(iri);
    auto [it, fresh] = index_.try_emplace(id, nodes_.size());
    if (fresh) nodes_.push_back(Node{id, {}, {}});
    Node& n = nodes_[it->second];
    for (const char* t : types) {
      bool has = false;
      for (const auto& x : n.types) has = has || x == t;
      if (!has) n.types.push_back(t);
    }
    return n;
  }
  const std::deque<Node>& nodes() const { return nodes_; }

 private:
  std::deque<Node> nodes_;  // stable references while growing
  std::unordered_map<std::string, std::size_t> index_;
};

// ---- Building the CPSV-AP graph from the catalogue. ----

const std::string kVoc = "https://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/";
const std::string kChannelVoc = "http://w3id.org/italia/controlled-vocabulary/classifications-for-public-services/channel";
const std::string kItalian = "http://publications.europa.eu/resource/authority/language/ITA";
const std::string kEuro = "http://publications.europa.eu/resource/authority/currency/EUR";

// An external URL as an absolute IRI: site-relative paths resolve against base, anything else
// that has no scheme is not a link and gives "".
std::string absolute_url(const std::string& url, const std::string& base) {
  if (url.empty()) return "";
  if (url[0] == '/' && (url.size() < 2 || url[1] != '/')) return base + url;
  std::size_t i = 0;
  while (i < url.size() && (std::isalnum(static_cast<unsigned char>(url[i])) || url[i] == '+' || url[i] == '-' ||
                            url[i] == '.'))
    ++i;
  bool scheme = i > 0 && i < url.size() && url[i] == ':' && std::isalpha(static_cast<unsigned char>(url[0]));
  return scheme ? url : "";
}

// An amount in cents as a canonical xsd:double (1600 -> "1.6E1", 52 -> "5.2E-1", 0 -> "0.0E0"):
// the form JSON-LD processors produce, so that the JSON-LD and Turtle graphs are identical.
std::string euro_double(std::int64_t cents) {
  if (cents == 0) return "0.0E0";
  std::string digits = std::to_string(cents < 0 ? -static_cast<unsigned long long>(cents) : cents);
  long exponent = static_cast<long>(digits.size()) - 3;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  return (cents < 0 ? "-" : "") + digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" +
         std::to_string(exponent);
}

// "Gratuito", "gratuita: ..." at the start of a cost text: a zero amount is then a real zero.
bool says_free(const std::string& text) {
  std::string head = text.substr(0, 7);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head == "gratuit";
}

std::string event_number(const std::string& code) {  // "12.0" -> "12"
  auto dot = code.find('.');
  return dot == std::string::npos ? code : code.substr(0, dot);
}

struct ChannelType {
  const char* code;  // notation in the OntoPiA channel vocabulary
  const char* label;
};
ChannelType channel_type(domain::ChannelKind k) {
  switch (k) {
    case domain::ChannelKind::Online: return {"02", "Applicativo"};
    case domain::ChannelKind::Office: return {"01.1.1", "Sportello Pubblica Amministrazione"};
    case domain::ChannelKind::Phone: return {"03", "Telefono"};
    case domain::ChannelKind::Email: return {"04.2", "Email tradizionale"};
    case domain::ChannelKind::Pec: return {"04.1", "Posta Elettronica Certificata - PEC"};
  }
  return {"02", "Applicativo"};
}

class Builder {
 public:
  Builder(const domain::CatalogSnapshot& cat, const std::string& base) : cat_(cat), base_(base), id_(base + "/id/") {}

  Graph build() {
    for (const auto& e : cat_.enti()) organisation(e);
    std::unordered_map<std::string, std::vector<const domain::ServiceVariant*>> variants;
    for (const auto& v : cat_.variants()) variants[v.service_id].push_back(&v);
    for (const auto& s : cat_.services()) service(s, variants[s.id]);
    return std::move(g_);
  }

 private:
  std::string org_iri(const std::string& ente_id) const { return id_ + "ente/" + ente_id; }
  std::string place_iri(const std::string& ente_id) const { return id_ + "luogo/" + ente_id; }

  Term skos_term(const std::string& iri, const std::string& label, const std::string& scheme) {
    Node& c = g_.node(iri, {"skos:Concept"});
    if (c.props.empty()) {
      c.add("skos:prefLabel", it(label));
      g_.node(scheme, {"skos:ConceptScheme"});
      c.add("skos:inScheme", iri_ref(scheme));
    }
    return iri_ref(iri);
  }

  Term place(const domain::Ente& e) {
    std::string name = e.kind == domain::EnteKind::Regione ? "Umbria" : e.name;
    g_.node(place_iri(e.id), {"dct:Location"}).add("locn:geographicName", it(name));
    return iri_ref(place_iri(e.id));
  }

  void organisation(const domain::Ente& e) {
    Node& o = g_.node(org_iri(e.id), {"cv:PublicOrganisation", "org:Organization"});
    o.add("skos:prefLabel", it(e.name));
    o.add("dct:identifier", plain(e.istat_code.empty() ? e.id : e.istat_code));
    bool covered = false;  // (o stays valid: Graph keeps its nodes in a deque)
    if (e.kind == domain::EnteKind::Usl)  // an USL covers the territory of the comuni it serves
      for (const auto* c : cat_.comuni())
        if (c->usl_id == e.id) {
          o.add("dct:spatial", place(*c));
          covered = true;
        }
    if (!covered) o.add("dct:spatial", place(e));
  }

  // The places an ente's services cover: its own dct:spatial values.
  std::vector<Term> spatial_of(const std::string& ente_id) {
    for (const auto& [p, values] : g_.node(org_iri(ente_id)).props)
      if (p == "dct:spatial") return values;
    return {};
  }

  void service(const domain::Service& s, const std::vector<const domain::ServiceVariant*>& variants) {
    const std::string iri = id_ + "servizio/" + s.id;
    g_.node(iri, {"cpsv:PublicService"});
    auto add = [&](const char* p, Term t) { g_.node(iri).add(p, std::move(t)); };

    add("dct:identifier", plain(s.id));
    add("dct:title", it(s.title));
    add("dct:description", it(!s.summary.empty() ? s.summary : !s.texts.description.empty() ? s.texts.description : s.title));
    for (const auto& k : s.keywords) add("dcat:keyword", it(k));
    g_.node(kItalian, {"dct:LinguisticSystem"});
    add("dct:language", iri_ref(kItalian));
    add("adms:status", skos_term(id_ + "stato/" + domain::to_string(s.status), domain::status_label(s.status), id_ + "stato"));
    add("foaf:page", iri_ref(base_ + "/servizi/" + s.slug));
    if (!s.category.empty())
      add("cv:thematicArea", skos_term(kVoc + "public-services-subject-matters/" + s.category,
                                     cat_.term_label("subject-matter", s.category), kVoc + "public-services-subject-matters"));
    for (const auto& a : s.audience)
      add("dct:audience", skos_term(id_ + "destinatari/" + a, cat_.term_label("audience", a), id_ + "destinatari"));
    for (const auto& t : s.topics)
      add("cv:isClassifiedBy", skos_term(id_ + "argomento/" + t, cat_.term_label("topic", t), id_ + "argomento"));
    for (const auto& e : s.life_events) add("cv:isGroupedBy", event(e, "life-event", "evento-vita/", "cv:LifeEvent"));
    for (const auto& e : s.business_events)
      add("cv:isGroupedBy", event(e, "business-event", "evento-impresa/", "cv:BusinessEvent"));
    if (s.processing_days > 0) add("cv:processingTime", typed("P" + std::to_string(s.processing_days) + "D", "xsd:duration"));

    // Competent authority and covered territory (see the header).
    const domain::Ente* regione = cat_.ente_by_id("regione-umbria");
    if (s.authority == domain::AuthorityKind::EachComune) {
      for (const auto* c : cat_.comuni())
        if (cat_.offered_in(s, *c)) add("cv:hasCompetentAuthority", iri_ref(org_iri(c->id)));
      if (regione)
        for (auto& p : spatial_of(regione->id)) add("dct:spatial", p);
    } else {
      const domain::Ente* e = cat_.ente_by_id(s.competent_ente_id);
      if (!e) e = regione;  // a dangling reference: the catalogue owner answers for the card
      if (e) {
        add("cv:hasCompetentAuthority", iri_ref(org_iri(e->id)));
        for (auto& p : spatial_of(e->id)) add("dct:spatial", p);
      }
    }

    // Channels of the reference card; their addresses and numbers go to the contact point.
    std::vector<std::string> phones, emails, addresses;
    auto keep = [](std::vector<std::string>& list, const std::string& v) {
      if (v.empty()) return;
      for (const auto& x : list)
        if (x == v) return;
      list.push_back(v);
    };
    for (std::size_t i = 0; i < s.channels.size(); ++i) {
      const auto& ch = s.channels[i];
      std::string local = "canale/" + std::to_string(i + 1);
      Node& c = channel(iri, s.id, local, ch.kind, ch.label.empty() ? s.title : ch.label, ch.url);
      if (!ch.hours.empty()) {
        g_.node(iri + "/" + local + "/orari", {"time:TemporalEntity"}).add("dct:description", it(ch.hours));
        c.add("cv:openingHours", iri_ref(iri + "/" + local + "/orari"));
      }
      switch (ch.kind) {
        case domain::ChannelKind::Phone: keep(phones, ch.value); break;
        case domain::ChannelKind::Email:
        case domain::ChannelKind::Pec: keep(emails, ch.value); break;
        case domain::ChannelKind::Office: keep(addresses, ch.value); break;
        case domain::ChannelKind::Online: break;
      }
    }
    // Local variants: a comune's own front office and, if stated, its own cost.
    for (const auto* v : variants) {
      const domain::Ente* comune = cat_.ente_by_id(v->ente_id);
      if (!comune) continue;
      std::string url = absolute_url(v->channel_url, base_);
      if (!url.empty()) {
        std::string label = (v->channel_label.empty() ? "Sportello online" : v->channel_label) + " - " + comune->name;
        channel(iri, s.id, "canale/" + comune->id, domain::ChannelKind::Online, label, url)
            .add("cv:ownedBy", iri_ref(org_iri(comune->id)));
      }
      if (v->cost_cents || !v->costs_text.empty())
        cost(iri, s.id, "costo/" + comune->id, v->cost_cents.value_or(0), v->costs_text, v->cost_cents.has_value())
            .add("cv:isDefinedBy", iri_ref(org_iri(comune->id)));
    }
    for (std::size_t i = 0; i < s.costs.size(); ++i)
      cost(iri, s.id, "costo/" + std::to_string(i + 1), s.costs[i].amount_cents, s.costs[i].description,
           s.costs[i].amount_cents != 0 || says_free(s.costs[i].description));

    keep(phones, s.office.phone);
    keep(emails, s.office.email);
    keep(emails, s.office.pec);
    keep(addresses, s.office.address);
    std::string page = absolute_url(s.office.website, base_);
    if (!phones.empty() || !emails.empty() || !addresses.empty() || !page.empty()) {
      std::string cp = iri + "/contatti";
      Node& c = g_.node(cp, {"cv:ContactPoint"});
      for (const auto& p : phones) c.add("cv:telephone", plain(p));
      for (const auto& e : emails) c.add("cv:email", plain(e));
      if (!page.empty()) {
        g_.node(page, {"foaf:Document"});
        g_.node(cp).add("cv:contactPage", iri_ref(page));
      }
      for (std::size_t i = 0; i < addresses.size(); ++i) {
        std::string a = cp + "/indirizzo/" + std::to_string(i + 1);
        g_.node(a, {"locn:Address"}).add("locn:fullAddress", it(addresses[i]));
        g_.node(cp).add("locn:address", iri_ref(a));
      }
      add("cv:contactPoint", iri_ref(cp));
    }
  }

  Term event(const std::string& code, const char* vocabulary, const char* path, const char* cls) {
    std::string n = event_number(code), iri = id_ + path + n, label = cat_.term_label(vocabulary, code);
    Node& e = g_.node(iri, {cls, "cv:Event"});
    if (e.props.empty()) {
      e.add("dct:identifier", plain(n));
      e.add("dct:title", it(label));
      std::string scheme = kVoc + "life-business-event/" + vocabulary;
      g_.node(iri).add("dct:type", skos_term(scheme + "/" + n, label, scheme));
    }
    return iri_ref(iri);
  }

  Node& channel(const std::string& svc, const std::string& sid, const std::string& local, domain::ChannelKind kind,
                const std::string& description, const std::string& url) {
    ChannelType t = channel_type(kind);
    std::string code;
    for (const char* p = t.code; *p; ++p)
      if (*p != '.') code += *p;
    Term type = skos_term(kChannelVoc + "/" + code, t.label, kChannelVoc);
    std::string iri = svc + "/" + local;
    Node& c = g_.node(iri, {"cv:Channel"});
    c.add("dct:identifier", plain(sid + "/" + local));
    c.add("dct:type", type);
    c.add("dct:description", it(description));
    std::string page = absolute_url(url, base_);
    if (!page.empty()) c.add("foaf:page", iri_ref(page));
    g_.node(svc).add("cv:hasChannel", iri_ref(iri));
    return g_.node(iri);
  }

  Node& cost(const std::string& svc, const std::string& sid, const std::string& local, std::int64_t cents,
             const std::string& description, bool stated) {
    std::string iri = svc + "/" + local;
    Node& c = g_.node(iri, {"cv:Cost"});
    c.add("dct:identifier", plain(sid + "/" + local));
    if (!description.empty()) c.add("dct:description", it(description));
    if (stated) {
      c.add("cv:hasValue", typed(euro_double(cents), "xsd:double"));
      Term eur = skos_term(kEuro, "Euro", "http://publications.europa.eu/resource/authority/currency");
      g_.node(iri).add("cv:currency", eur);
    }
    g_.node(svc).add("cv:hasCost", iri_ref(iri));
    return g_.node(iri);
  }

  const domain::CatalogSnapshot& cat_;
  const std::string base_, id_;
  Graph g_;
};

// ---- Writers. ----

json jsonld_term(const Term& t) {
  switch (t.kind) {
    case Term::Iri: return {{"@id", t.value}};
    case Term::Lang: return {{"@value", t.value}, {"@language", t.extra}};
    case Term::Typed: return {{"@value", t.value}, {"@type", t.extra}};
    case Term::Plain: return t.value;
  }
  return nullptr;
}

void turtle_string(std::string& out, const std::string& s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void turtle_term(std::string& out, const Term& t) {
  switch (t.kind) {
    case Term::Iri: out += "<" + t.value + ">"; break;  // already free of forbidden characters
    case Term::Lang: turtle_string(out, t.value); out += "@" + t.extra; break;
    case Term::Typed: turtle_string(out, t.value); out += "^^" + t.extra; break;
    case Term::Plain: turtle_string(out, t.value); break;
  }
}

}  // namespace

json cpsv_jsonld(const domain::CatalogSnapshot& cat, const std::string& base) {
  Graph g = Builder(cat, base).build();
  json context = json::object();
  for (const auto& p : kPrefixes) context[p.name] = p.ns;
  json graph = json::array();
  for (const auto& n : g.nodes()) {
    json node = {{"@id", n.id}};
    if (n.types.size() == 1) node["@type"] = n.types[0];
    else if (!n.types.empty()) node["@type"] = n.types;
    for (const auto& [pred, values] : n.props) {
      if (values.size() == 1) {
        node[pred] = jsonld_term(values[0]);
      } else {
        json arr = json::array();
        for (const auto& v : values) arr.push_back(jsonld_term(v));
        node[pred] = std::move(arr);
      }
    }
    graph.push_back(std::move(node));
  }
  return {{"@context", std::move(context)}, {"@graph", std::move(graph)}};
}

std::string cpsv_turtle(const domain::CatalogSnapshot& cat, const std::string& base) {
  Graph g = Builder(cat, base).build();
  std::string out = "# Catalogo dei servizi Accesso Unico - Regione Umbria, CPSV-AP 3.2\n";
  for (const auto& p : kPrefixes) out += std::string("@prefix ") + p.name + ": <" + p.ns + "> .\n";
  for (const auto& n : g.nodes()) {
    out += "\n<" + n.id + ">";
    const char* sep = "\n    ";
    if (!n.types.empty()) {
      out += sep;
      out += "a ";
      for (std::size_t i = 0; i < n.types.size(); ++i) out += (i ? ", " : "") + n.types[i];
      sep = " ;\n    ";
    }
    for (const auto& [pred, values] : n.props) {
      out += sep + pred + " ";
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ",\n        ";
        turtle_term(out, values[i]);
      }
      sep = " ;\n    ";
    }
    out += " .\n";
  }
  return out;
}

std::string catalog_csv(const domain::CatalogSnapshot& cat, const std::string& base) {
  auto csv_field = [](const std::string& v) {
    if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  std::string out = "id,slug,titolo,descrizione,stato,categoria,destinatari,competenza,ente_competente,termine_giorni,"
                    "silenzio_assenso,versione,ultima_modifica,url\n";
  for (const auto& s : cat.services()) {
    std::string audience;
    for (const auto& a : s.audience) audience += (audience.empty() ? "" : ";") + a;
    const domain::Ente* e = cat.ente_by_id(s.competent_ente_id);
    out += csv_field(s.id) + "," + csv_field(s.slug) + "," + csv_field(s.title) + "," + csv_field(s.summary) + "," +
           domain::to_string(s.status) + "," + csv_field(cat.term_label("subject-matter", s.category)) + "," +
           csv_field(audience) + "," + (s.authority == domain::AuthorityKind::EachComune ? "ogni comune" : "ente") + "," +
           csv_field(e ? e->name : "") + "," + std::to_string(s.legal_term_days) + "," +
           (s.silenzio_assenso ? "si" : "no") + "," + std::to_string(s.version) + "," + s.modified_at + "," +
           csv_field(base + "/servizi/" + s.slug) + "\n";
  }
  return out;
}

}  // namespace au::api
