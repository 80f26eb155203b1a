// The administrators' editor of the notification templates (see notification_pages.h): every
// message kind x channel at its current version, and one template's form with a preview rendered
// with the kind's sample values. What is checked before saving is domain::template_problems,
// through TemplateLibrary::save, so the editor cannot store a template the sender would refuse.
#include <algorithm>

#include "domain/notification_template.h"
#include "notify/inbox.h"
#include "portal/account_pages.h"
#include "portal/markdown.h"
#include "portal/notification_pages.h"
#include "portal/view_helpers.h"
#include "store/notification_settings_repository.h"

namespace au::portal {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxSubject = 300, kMaxBody = 20000;  // bytes, before validation
const char* const kBase = "/area-personale/amministrazione/modelli";

bool known_channel(const std::string& channel) {
  const auto& all = domain::message_channels();
  return std::find(all.begin(), all.end(), channel) != all.end();
}

// Lists that others may read show a fiscal code partially: enough to recognise, not to reuse.
std::string mask_fiscal_code(const std::string& cf) {
  return cf.size() == 16 ? cf.substr(0, 6) + "*****" + cf.substr(11) : cf;
}

// Browsers send a textarea's line breaks as CRLF: stored and checked as LF.
std::string unix_lines(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
  return out;
}

json preview_of(const std::string& kind, const std::string& channel, const domain::TemplateText& t) {
  const auto syntax = domain::channel_syntax(channel);
  const auto r = domain::render_template(t, domain::sample_fields(kind), syntax);
  if (r.body.empty()) return json::object();  // syntax refused: the problems say why
  if (syntax == domain::TemplateSyntax::Plain) {
    const int segments = domain::sms_segment_count(r.body);
    json lines = json::array();  // line breaks kept without inline styles (the CSP forbids them)
    for (std::size_t start = 0, nl; start <= r.body.size(); start = nl + 1) {
      nl = r.body.find('\n', start);
      if (nl == std::string::npos) nl = r.body.size();
      lines.push_back(r.body.substr(start, nl - start));
    }
    return {{"plain", true},
            {"lines", lines},
            {"segments", segments == 1 ? "1 SMS" : std::to_string(segments) + " SMS concatenati"}};
  }
  return {{"subject", r.subject}, {"html", markdown_to_html(r.body)}};  // safe mode, as the inbox
}

}  // namespace

web::Response NotificationPages::templates_page(const Session& s) {
  json channels = json::array();
  for (const auto& ch : domain::message_channels()) channels.push_back({{"label", notify::channel_label(ch)}});
  json kinds = json::array();
  for (const auto& k : domain::message_kinds()) {
    json cells = json::array();
    for (const auto& ch : domain::message_channels()) {
      auto current = deps_.templates->current(k.id, ch);
      cells.push_back({{"url", std::string(kBase) + "/" + k.id + "/" + ch},
                       {"channel", notify::channel_label(ch)},
                       {"version", current ? "Versione " + std::to_string(current->version) : ""},
                       {"kind", k.label}});
    }
    kinds.push_back({{"id", k.id}, {"label", k.label}, {"for_operators", k.for_operators}, {"cells", cells}});
  }
  json ctx = context(&s, "Modelli dei messaggi", kBase,
                     {{"Amministrazione", "/area-personale/amministrazione"}, {"Modelli dei messaggi", ""}});
  ctx["templates"] = {{"channels", channels}, {"kinds", kinds}};
  return render("notification_templates", ctx, "notification_templates");
}

web::Response NotificationPages::template_page(const web::Request& req, const Session& s, const std::string& kind,
                                               const std::string& channel) {
  const auto* k = domain::find_message_kind(kind);
  if (!k || !known_channel(channel)) return error(404, "Il modello richiesto non esiste: scegli un tipo di messaggio e un canale dall'elenco.");
  if (!req.query.empty()) return error(400, "Questa pagina non accetta parametri nell'indirizzo.");
  const bool sms = domain::channel_syntax(channel) == domain::TemplateSyntax::Plain;
  const std::string path = std::string(kBase) + "/" + kind + "/" + channel;
  auto current = deps_.templates->current(kind, channel);
  domain::TemplateText text{current ? current->subject : "", current ? current->body : ""};
  std::vector<std::string> problems;
  std::string notice;
  int status = 200;
  if (req.method == "POST") {
    std::vector<web::QueryParam> form;
    if (auto bad = read_form(req, s, form)) return *bad;
    for (const auto& f : form)
      if (f.key != "csrf" && f.key != "azione" && f.key != "oggetto" && f.key != "testo")
        return error(400, "Il modulo contiene un campo non previsto: ricarica la pagina e riprova.");
    const std::string action = form_get(form, "azione");
    if (action != "anteprima" && action != "salva") return error(400, "Operazione sul modello non valida.");
    text = {unix_lines(form_get(form, "oggetto")), unix_lines(form_get(form, "testo"))};
    if (text.subject.size() > kMaxSubject)
      return error(400, "L'oggetto supera i " + std::to_string(kMaxSubject) + " byte ammessi.");
    if (text.body.size() > kMaxBody) return error(400, "Il testo supera i 20.000 byte ammessi.");
    if (action == "salva") {
      auto saved = deps_.templates->save(kind, channel, text.subject, text.body, s.record.fiscal_code, store::now_iso8601());
      problems = saved.problems;
      if (problems.empty()) {
        notice = "Modello salvato: è la versione " + std::to_string(saved.version) +
                 ", usata per i messaggi preparati da ora in poi.";
        current = store::TemplateRecord{kind, channel, saved.version, text.subject, text.body, s.record.fiscal_code, ""};
      } else {
        status = 400;  // nothing saved
      }
    } else {
      problems = domain::template_problems(kind, channel, text);
    }
  }
  json fields = json::array();
  const json samples = domain::sample_fields(kind);
  for (const auto& f : k->fields) fields.push_back({{"name", "{{" + f + "}}"}, {"sample", samples.value(f, "")}});
  json history = json::array();
  for (const auto& v : store::template_history(*deps_.db, kind, channel))
    history.push_back({{"version", std::to_string(v.version)},
                       {"author", v.author.empty() ? "Modello predefinito" : mask_fiscal_code(v.author)},
                       {"when", date_label(v.created_at)},
                       {"current", current && v.version == current->version}});
  json problem_list = json::array();
  for (const auto& p : problems) problem_list.push_back(p);
  const std::string title = k->label + " – " + notify::channel_label(channel);
  json ctx = context(&s, "Modello: " + title, path,
                     {{"Amministrazione", "/area-personale/amministrazione"}, {"Modelli dei messaggi", kBase}, {title, ""}});
  ctx["template"] = {{"title", title},
                     {"action", path},
                     {"sms", sms},
                     {"subject", text.subject},
                     {"body", text.body},
                     {"version", current ? std::to_string(current->version) : ""},
                     {"fields", fields},
                     {"problems", problem_list},
                     {"has_problems", !problem_list.empty()},
                     {"notice", notice},
                     {"preview", preview_of(kind, channel, text)},
                     {"history", history},
                     {"has_history", !history.empty()},
                     {"max_subject", std::to_string(kMaxSubject)},
                     {"max_body", std::to_string(kMaxBody)}};
  return render("notification_template_edit", ctx, "notification_template", status);
}

}  // namespace au::portal
