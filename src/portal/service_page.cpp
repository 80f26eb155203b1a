// The Modello Comuni service page (reference card or a comune's local variant), its
// conditions page, the feedback form handler and the schema.org GovernmentService metadata.
#include <algorithm>

#include "domain/completeness.h"
#include "portal/markdown.h"
#include "portal/portal.h"
#include "portal/view_helpers.h"
#include "store/catalog_repository.h"

namespace au::portal {

using nlohmann::json;

namespace {

const char* kMissing =
    "<p class=\"text-secondary\">La scheda di origine non contiene questa informazione. Per saperne di più "
    "rivolgiti all'ufficio indicato in <a href=\"#contacts\">Contatti</a>.</p>";

std::string section_html(const std::string& markdown) {
  std::string html = markdown_to_html(markdown);
  return html.find_first_not_of(" \n") == std::string::npos ? kMissing : html;
}

std::string channel_kind_label(domain::ChannelKind k) {
  switch (k) {
    case domain::ChannelKind::Online: return "Online";
    case domain::ChannelKind::Office: return "Sportello";
    case domain::ChannelKind::Phone: return "Telefono";
    case domain::ChannelKind::Email: return "Email";
    case domain::ChannelKind::Pec: return "PEC";
  }
  return "";
}

std::string auth_label(const std::string& code) {
  if (code == "NONE" || code.empty()) return "";
  return "Accesso con SPID o CIE";
}

// schema.org GovernmentService, with the fields the Modello Comuni metatag audit requires.
std::string json_ld(const domain::CatalogSnapshot& cat, const domain::Service& s, const domain::Ente* comune,
                    const std::string& url, const std::string& operator_name, const std::string& online_url) {
  std::string area = comune ? comune->name : (s.authority == domain::AuthorityKind::EachComune ? "Umbria" : operator_name);
  std::string audience;
  for (const auto& a : s.audience) audience += (audience.empty() ? "" : ", ") + cat.term_label("audience", a);
  json loc = {{"@type", "Place"},
              {"name", s.office_name.empty() ? operator_name : s.office_name},
              {"address",
               {{"@type", "PostalAddress"},
                {"streetAddress", s.office.address},
                {"postalCode", ""},
                {"addressLocality", comune ? comune->name : "Perugia"}}}};
  // postalCode is in the address text of the regional cards ("... - 06124 Perugia").
  if (auto p = s.office.address.find(" 06"); p != std::string::npos && p + 6 <= s.office.address.size())
    loc["address"]["postalCode"] = s.office.address.substr(p + 1, 5);
  json j = {{"@context", "https://schema.org"},
            {"@type", "GovernmentService"},
            {"name", s.title},
            {"description", s.summary},
            {"url", url},
            {"serviceType", cat.term_label("subject-matter", s.category)},
            {"serviceOperator", {{"@type", "GovernmentOrganization"}, {"name", operator_name}}},
            {"areaServed", {{"@type", "AdministrativeArea"}, {"name", area}}},
            {"audience", {{"@type", "Audience"}, {"audienceType", audience.empty() ? "Cittadini" : audience}}},
            {"availableChannel",
             {{"@type", "ServiceChannel"},
              {"name", online_url.empty() ? "Sportello" : "Servizio online"},
              {"serviceUrl", online_url.empty() ? url : online_url},
              {"serviceLocation", loc}}}};
  std::string out = j.dump();
  // Inside <script>, "</" would end the element: escape it (JSON allows "\/").
  for (std::size_t p = 0; (p = out.find("</", p)) != std::string::npos; p += 3) out.replace(p, 2, "<\\/");
  return out;
}

}  // namespace

json Portal::service_item(const Catalog& cat, const domain::Service& s) const {
  json audience = json::array();
  for (const auto& a : s.audience) audience.push_back(cat->term_label("audience", a));
  return {{"title", s.title},
          {"summary", s.summary},
          {"url", "/servizi/" + s.slug},
          {"category_label", cat->term_label("subject-matter", s.category)},
          {"status_label", domain::status_label(s.status)},
          {"audience_labels", audience}};
}

web::Response Portal::service_page(const Catalog& cat, const domain::Service& s, const domain::Ente* comune) {
  const domain::ServiceVariant* v = comune ? cat->variant(s.id, comune->id) : nullptr;
  const domain::VocabularyTerm* category = cat->term("subject-matter", s.category);
  std::string path = "/servizi/" + s.slug + (comune ? "/" + comune->slug : "");
  std::string title = s.title + (comune ? " - Comune di " + comune->name : "");
  std::string summary = v && !v->summary.empty() ? v->summary : s.summary;
  json ctx = base_context(title + " - UmbriaSemplice", summary.empty() ? s.title : summary, path);

  std::vector<std::pair<std::string, std::string>> crumbs = {{"Home", "/"}, {"Servizi", "/servizi"}};
  if (category) crumbs.push_back({category->label, "/categorie/" + category->slug});
  crumbs.push_back({s.title, comune ? "/servizi/" + s.slug : ""});
  if (comune) crumbs.push_back({comune->name, ""});
  ctx["page"]["breadcrumb"] = breadcrumb(crumbs);
  ctx["page"]["og_type"] = "article";

  const domain::Ente* operator_ente = comune ? comune : cat->ente_by_id(s.competent_ente_id);
  std::string operator_name = operator_ente ? operator_ente->name : "Il Comune di residenza";

  // Accedi al servizio: the comune's own channel, else the reference online channel.
  std::string online_url, online_label;
  if (v && !v->channel_url.empty()) {
    online_url = v->channel_url;
    online_label = v->channel_label.empty() ? "Accedi al servizio" : v->channel_label;
  }
  json offline = json::array();
  for (const auto& ch : s.channels) {
    if (ch.kind == domain::ChannelKind::Online && !ch.url.empty()) {
      if (online_url.empty()) {
        online_url = ch.url;
        online_label = ch.label.empty() ? "Accedi al servizio" : ch.label;
      }
    } else {
      offline.push_back({{"kind_label", channel_kind_label(ch.kind)},
                         {"label", ch.label},
                         {"value", ch.value},
                         {"url", ch.url},
                         {"hours", ch.hours}});
    }
  }
  bool each_comune = !comune && (s.authority == domain::AuthorityKind::EachComune || !s.local_channel_key.empty());
  json comuni = json::array();
  if (each_comune)
    for (const auto* c : cat->comuni())
      if (cat->offered_in(s, *c)) comuni.push_back({{"istat", c->istat_code}, {"name", c->name}, {"selected", false}});

  json topics = json::array();
  for (const auto& t : s.topics)
    if (const auto* term = cat->term("topic", t)) topics.push_back({{"label", term->label}, {"url", "/argomenti/" + term->slug}});
  json audience = json::array();
  for (const auto& a : s.audience) audience.push_back(cat->term_label("audience", a));

  json costs = json::array();
  for (const auto& c : s.costs)
    costs.push_back({{"amount_label", c.amount_cents > 0 ? euro(c.amount_cents) : ""}, {"description", c.description}});
  if (v && v->cost_cents) costs = json::array({{{"amount_label", euro(*v->cost_cents)}, {"description", v->costs_text}}});

  std::string costs_md = v && !v->costs_text.empty() ? v->costs_text : s.texts.costs;
  std::string how_to_md = v && !v->how_to.empty() ? v->how_to : s.texts.how_to;
  std::string calendar_md = s.texts.calendar;
  json more = json::array();
  for (std::size_t i = 0; i < s.texts.more.size(); ++i)
    more.push_back({{"id", "more-" + std::to_string(i + 1)},
                    {"title", s.texts.more[i].title},
                    {"html", markdown_to_html(s.texts.more[i].markdown)}});
  json documents = json::array();
  for (const auto& d : s.documents) {
    // Relative links point to PDFs of the former regional site that are not published here.
    bool external = d.url.rfind("http", 0) == 0;
    documents.push_back({{"title", d.title}, {"url", external ? d.url : ""}, {"kind", d.kind}});
  }
  json related = json::array();
  for (const auto& slug : s.related)
    if (const auto* r = cat->service_by_slug(slug)) related.push_back({{"title", r->title}, {"url", "/servizi/" + r->slug}});

  const domain::Contacts& office = v && !v->office_name.empty() ? v->office : s.office;
  std::string office_name = v && !v->office_name.empty() ? v->office_name : s.office_name;
  if (office_name.empty() && comune) office_name = "Uffici del Comune di " + comune->name;
  if (office_name.empty() && s.authority == domain::AuthorityKind::EachComune) office_name = "Gli uffici del tuo Comune";

  ctx["service"] = {
      {"id", s.id},
      {"slug", s.slug},
      {"title", s.title},
      {"summary", summary},
      {"status_label", domain::status_label(s.status)},
      {"status_active", s.status == domain::ServiceStatus::Attivo},
      {"category", {{"label", category ? category->label : "Servizi"}, {"url", category ? "/categorie/" + category->slug : "/servizi"}}},
      {"topics", topics},
      {"audience_labels", audience},
      {"sections",
       {{"description_html", section_html(s.texts.description)},
        {"addressed_html", section_html(s.texts.addressed)},
        {"how_to_html", section_html(how_to_md)},
        {"needed_html", section_html(s.texts.needed)},
        {"achieved_html", section_html(s.texts.achieved)},
        {"calendar_html", section_html(calendar_md)},
        {"costs_html", costs_md.empty() && !costs.empty() ? std::string() : section_html(costs_md)},
        {"conditions_html", section_html(s.texts.conditions)}}},
      {"deadlines", {{"legal_term_days", s.legal_term_days}, {"processing_days", s.processing_days},
                     {"silenzio_assenso", s.silenzio_assenso}, {"has_legal_term", s.legal_term_days > 0},
                     {"has_processing", s.processing_days > 0}}},
      {"costs", costs},
      {"access",
       {{"has_online", !online_url.empty()},
        {"online_url", online_url},
        {"online_label", online_label},
        {"auth_label", auth_label(s.authentication)},
        {"each_comune", each_comune},
        {"comuni", comuni},
        {"offline_channels", offline},
        {"text_html", s.texts.access.empty() ? std::string() : markdown_to_html(s.texts.access)}}},
      {"conditions_url", "/servizi/" + s.slug + "/condizioni"},
      {"office",
       {{"name", office_name},
        {"address", office.address},
        {"phone", office.phone},
        {"email", office.email},
        {"pec", office.pec},
        {"ente_name", operator_name},
        {"ente_url", operator_ente ? "/enti/" + operator_ente->slug : ""}}},
      {"more", more},
      {"documents", documents},
      {"related", related},
      {"has_more", !more.empty()},
      {"has_documents", !documents.empty()},
      {"has_related", !related.empty()},
      {"modified_label", date_label(s.modified_at)},
      {"version", s.version}};
  if (comune) ctx["service"]["variant"] = {{"comune_name", comune->name}, {"comune_slug", comune->slug}};
  ctx["feedback_form"] = {{"action", "/servizi/" + s.slug + "/valutazione"}, {"page", path}};
  ctx["page"]["jsonld"] = json_ld(*cat, s, comune, deps_.base_url + path, operator_name, online_url);
  web::Response r = page("service", ctx, comune ? "service_variant" : "service");
  std::string modified = (v && v->modified_at > s.modified_at) ? v->modified_at : s.modified_at;
  if (auto lm = http_date(modified); !lm.empty()) r.headers["Last-Modified"] = lm;
  return r;
}

web::Response Portal::conditions_page(const Catalog& cat, const domain::Service& s) {
  std::string path = "/servizi/" + s.slug + "/condizioni";
  json ctx = base_context("Condizioni di servizio: " + s.title + " - UmbriaSemplice",
                          "Termini e condizioni del servizio " + s.title, path);
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Servizi", "/servizi"}, {s.title, "/servizi/" + s.slug},
                                          {"Condizioni di servizio", ""}});
  std::string text = s.texts.conditions;
  std::string law = "Il procedimento si conclude entro " + std::to_string(s.legal_term_days) +
                    " giorni (legge 7 agosto 1990, n. 241, art. 2)";
  law += s.silenzio_assenso ? "; trascorso il termine vale il silenzio-assenso (art. 20)." : ".";
  std::string refs;
  for (const auto& r : s.legal_references) refs += "- " + r + "\n";
  ctx["info"] = {{"heading", "Condizioni di servizio: " + s.title},
                 {"text", law},
                 {"html", markdown_to_html(text + (refs.empty() ? "" : "\n\n**Riferimenti normativi**\n\n" + refs))}};
  return page("info", ctx, "service_conditions");
}

web::Response Portal::feedback_post(const web::Request& req, const Catalog& cat, const domain::Service* s) {
  std::string type = req.header("Content-Type");
  if (type.rfind("application/x-www-form-urlencoded", 0) != 0)
    return error_page(400, "Il modulo di valutazione va inviato dalla pagina che vuoi valutare.");
  std::vector<web::QueryParam> form;
  if (!web::parse_query(req.body, form) || !web::valid_utf8(req.body))
    return error_page(400, "Il modulo inviato non è leggibile. Riprova dalla pagina che vuoi valutare.");
  store::FeedbackEntry f;
  if (s) {
    f.service_id = s->id;
    f.page = "/servizi/" + s->slug;
  }
  for (const auto& p : form) {
    if (p.key == "rating") {
      if (p.value.size() != 1 || p.value[0] < '1' || p.value[0] > '5')
        return error_page(422, "La valutazione deve essere un numero da 1 a 5.");
      f.rating = p.value[0] - '0';
    } else if (p.key == "answer") {
      f.answer = p.value;
    } else if (p.key == "detail") {
      f.detail = p.value;
    } else if (p.key == "page") {
      // Only a path of this site: the page is shown back as a link on the thanks page.
      bool local = p.value.size() <= 300 && p.value.rfind("/", 0) == 0 && p.value.rfind("//", 0) != 0;
      if (!local) return error_page(422, "La pagina valutata non è valida.");
      if (!s || p.value.rfind("/servizi/" + s->slug, 0) == 0) f.page = p.value;
    }
  }
  if (f.page.empty()) return error_page(422, "Manca la pagina da valutare.");
  if (f.rating == 0) return error_page(422, "Scegli da 1 a 5 stelle prima di inviare la valutazione.");
  static const std::vector<std::string> positive = {
      "Le indicazioni erano chiare", "Le indicazioni erano complete",
      "Capivo sempre che stavo procedendo correttamente", "Non ho avuto problemi tecnici", "Altro"};
  static const std::vector<std::string> negative = {
      "A volte le indicazioni non erano chiare", "A volte le indicazioni non erano complete",
      "A volte non capivo se stavo procedendo correttamente", "Ho avuto problemi tecnici", "Altro"};
  // As the Modello Comuni widget: 4-5 stars ask what went well, 1-3 where it was hard.
  const auto& allowed = f.rating >= 4 ? positive : negative;
  if (!f.answer.empty() && std::find(allowed.begin(), allowed.end(), f.answer) == allowed.end())
    return error_page(422, "La risposta scelta non è tra quelle proposte per questa valutazione.");
  if (utf8_length(f.detail) > 200) return error_page(422, "Il testo aggiuntivo può avere al massimo 200 caratteri.");
  store::record_feedback(*deps_.db, f);
  json ctx = base_context("Grazie per la valutazione - UmbriaSemplice", "Valutazione ricevuta", f.page);
  ctx["page"]["noindex"] = true;
  std::string title = s ? s->title : "la pagina";
  ctx["page"]["breadcrumb"] = breadcrumb({{"Home", "/"}, {"Grazie", ""}});
  ctx["feedback_thanks"] = {{"service_title", title}, {"service_url", f.page}};
  web::Response r = page("feedback_thanks", ctx, "feedback");
  r.headers["Cache-Control"] = "no-store";
  return r;
}

}  // namespace au::portal
