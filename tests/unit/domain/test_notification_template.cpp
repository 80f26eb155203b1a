#include "domain/notification_template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "domain/io_message.h"

namespace au::domain {
namespace {

using nlohmann::json;

const std::filesystem::path kTemplateDir = std::filesystem::path(AU_SOURCE_DIR) / "templates" / "notifications";

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// A markdown body long enough for App IO (>= 80 characters) around a fragment.
std::string io_body(const std::string& fragment) {
  return fragment + "\n\nTrovi tutti i dettagli e i documenti nella pagina della pratica: [apri]({{pratica_url}})";
}

// ---- Kinds and fields ----------------------------------------------------------------------

TEST(NotificationTemplateKinds, IdsLabelsAndFields) {
  std::vector<std::string> ids;
  for (const auto& k : message_kinds()) ids.push_back(k.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"pratica-aperta", "pratica-protocollata", "pratica-stato",
                                           "richiesta-integrazione", "preavviso-rigetto", "pratica-conclusa",
                                           "messaggio-ente", "documento-disponibile", "promemoria-scadenza",
                                           "scadenza-superata", "comunicazione", "riepilogo-giornaliero"}));
  const std::set<std::string> practice_fields = {"nome",     "pratica_titolo", "pratica_id", "pratica_url", "protocollo",
                                                 "ente",     "servizio",       "stato",      "stato_ente",  "scadenza",
                                                 "giorni",   "motivo",         "portale_url"};
  for (const auto& k : message_kinds()) {
    EXPECT_FALSE(k.label.empty()) << k.id;
    const std::set<std::string> fields(k.fields.begin(), k.fields.end());
    EXPECT_EQ(fields.size(), k.fields.size()) << k.id << ": duplicated field";
    if (k.id == "comunicazione")
      EXPECT_EQ(fields, (std::set<std::string>{"nome", "oggetto", "testo", "portale_url", "servizio", "ente"}));
    else if (k.id == "riepilogo-giornaliero")
      EXPECT_EQ(fields, (std::set<std::string>{"nome", "numero", "elenco", "portale_url"}));
    else
      EXPECT_EQ(fields, practice_fields) << k.id;
    EXPECT_EQ(find_message_kind(k.id), &k);
  }
  EXPECT_EQ(find_message_kind("pratica"), nullptr);
  EXPECT_EQ(find_message_kind("comunicazione")->channels, (std::vector<std::string>{"inbox", "email", "io"}));
  EXPECT_EQ(find_message_kind("scadenza-superata")->channels, (std::vector<std::string>{"inbox", "email"}));
  EXPECT_TRUE(find_message_kind("scadenza-superata")->for_operators);
  EXPECT_FALSE(find_message_kind("richiesta-integrazione")->for_operators);
  EXPECT_EQ(find_message_kind("richiesta-integrazione")->channels, message_channels());
  EXPECT_EQ(message_channels(), (std::vector<std::string>{"inbox", "email", "io", "sms"}));
  EXPECT_EQ(channel_syntax("sms"), TemplateSyntax::Plain);
  EXPECT_EQ(channel_syntax("io"), TemplateSyntax::Markdown);
  EXPECT_EQ(channel_syntax("email"), TemplateSyntax::Markdown);
  EXPECT_EQ(channel_syntax("inbox"), TemplateSyntax::Markdown);
}

TEST(NotificationTemplateKinds, SampleFieldsAreCompleteAndRealistic) {
  const std::regex date(R"(\d{2}/\d{2}/\d{4})");
  for (const auto& k : message_kinds()) {
    const json f = sample_fields(k.id);
    ASSERT_TRUE(f.is_object()) << k.id;
    EXPECT_EQ(f.size(), k.fields.size()) << k.id;
    for (const auto& name : k.fields) {
      ASSERT_TRUE(f.contains(name) && f[name].is_string()) << k.id << " " << name;
      EXPECT_FALSE(f[name].get<std::string>().empty()) << k.id << " " << name;
    }
    if (f.contains("pratica_titolo")) {
      EXPECT_GE(utf8_length(f["pratica_titolo"].get<std::string>()), 55u) << k.id;
      EXPECT_TRUE(std::regex_match(f["scadenza"].get<std::string>(), date)) << k.id;
      EXPECT_EQ(f["pratica_url"].get<std::string>().rfind("https://", 0), 0u);
    }
  }
  EXPECT_GE(utf8_length(sample_fields("richiesta-integrazione")["motivo"].get<std::string>()), 200u);
  EXPECT_GE(utf8_length(sample_fields("comunicazione")["testo"].get<std::string>()), 300u);
  EXPECT_EQ(sample_fields("sconosciuto"), json::object());
}

// ---- Default templates ---------------------------------------------------------------------

TEST(NotificationTemplateDefaults, EveryKindHasItsFilesAndTheyPass) {
  std::size_t expected_files = 0;
  for (const auto& k : message_kinds()) {
    for (const auto& channel : k.channels) {
      ++expected_files;
      const auto path = kTemplateDir / (k.id + "." + channel + ".mustache");
      ASSERT_TRUE(std::filesystem::exists(path)) << path;
      const auto t = parse_template_file(read_file(path));
      ASSERT_TRUE(t.has_value()) << path;
      EXPECT_EQ(t->subject.empty(), channel == "sms") << path;
      EXPECT_EQ(joined(template_problems(k.id, channel, *t)), "") << path;

      // Rendered with the samples, without a name, and with only the fields every event has:
      // no tag left, nothing empty, no blank lines left by absent sections.
      for (const int variant : {0, 1, 2}) {
        json fields = sample_fields(k.id);
        if (variant >= 1) fields["nome"] = "";
        // motivo is required by the events behind these kinds (description, text): kept.
        const bool motivo_required =
            k.id == "richiesta-integrazione" || k.id == "preavviso-rigetto" || k.id == "messaggio-ente";
        if (variant == 2) {
          for (const char* optional : {"protocollo", "scadenza", "giorni", "stato_ente"}) fields.erase(optional);
          if (!motivo_required) fields.erase("motivo");
        }
        const TemplateText r = render_template(*t, fields, channel_syntax(channel));
        EXPECT_EQ(r.subject.find("{{"), std::string::npos) << path;
        EXPECT_EQ(r.body.find("{{"), std::string::npos) << path;
        EXPECT_EQ(r.body.find("}}"), std::string::npos) << path;
        EXPECT_FALSE(r.body.empty()) << path;
        EXPECT_NE(r.body.back(), '\n') << path;
        EXPECT_EQ(r.body.find("\n\n\n"), std::string::npos) << path << ": sections left blank lines";
        if (channel == "io") {
          EXPECT_EQ(io_content_problem(r.subject, r.body), "") << path;
        }
        if (channel != "sms" && k.id != "comunicazione") {
          EXPECT_NE(r.body.find("Buongiorno"), std::string::npos) << path;
        }
      }
      // SMS fixed text stays in the GSM alphabet (160 characters per SMS, not 70).
      if (channel == "sms") {
        EXPECT_TRUE(sms_is_gsm7(render_template(*t, json::object(), TemplateSyntax::Plain).body)) << path;
      }
    }
  }
  // No stray files: every template belongs to a kind and one of its channels.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kTemplateDir)) {
    if (e.path().extension() != ".mustache") continue;
    ++files;
    const std::string stem = e.path().stem().string();  // "<kind>.<channel>"
    const auto dot = stem.rfind('.');
    ASSERT_NE(dot, std::string::npos) << stem;
    const MessageKind* k = find_message_kind(stem.substr(0, dot));
    ASSERT_NE(k, nullptr) << stem;
    EXPECT_NE(std::find(k->channels.begin(), k->channels.end(), stem.substr(dot + 1)), k->channels.end()) << stem;
  }
  EXPECT_EQ(files, expected_files);
}

TEST(NotificationTemplateDefaults, GreetingUsesTheNameOnlyWhenThereIsOne) {
  const auto t = parse_template_file(read_file(kTemplateDir / "richiesta-integrazione.email.mustache"));
  ASSERT_TRUE(t.has_value());
  json fields = sample_fields("richiesta-integrazione");
  EXPECT_EQ(render_template(*t, fields, TemplateSyntax::Markdown).body.rfind("Buongiorno Maria Grazia,\n", 0), 0u);
  fields["nome"] = "";
  EXPECT_EQ(render_template(*t, fields, TemplateSyntax::Markdown).body.rfind("Buongiorno,\n", 0), 0u);
  fields.erase("nome");
  EXPECT_EQ(render_template(*t, fields, TemplateSyntax::Markdown).body.rfind("Buongiorno,\n", 0), 0u);
}

// ---- Validation ----------------------------------------------------------------------------

struct BadTemplate {
  const char* kind;
  const char* channel;
  std::string subject;
  std::string body;
  const char* fragment;
};

std::ostream& operator<<(std::ostream& os, const BadTemplate& b) {
  return os << b.kind << "/" << b.channel << " [" << b.subject << "] [" << b.body.substr(0, 60) << "]";
}

class NotificationTemplateInvalid : public ::testing::TestWithParam<BadTemplate> {};

TEST_P(NotificationTemplateInvalid, IsRefusedWithAClearMessage) {
  const BadTemplate& b = GetParam();
  const auto problems = template_problems(b.kind, b.channel, TemplateText{b.subject, b.body});
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(joined(problems).find(b.fragment), std::string::npos) << joined(problems);
}

const std::string kOkBody = "Trovi i dettagli della pratica {{pratica_titolo}} nella tua area personale.";

INSTANTIATE_TEST_SUITE_P(
    NotificationTemplate, NotificationTemplateInvalid,
    ::testing::Values(
        BadTemplate{"pratica-sconosciuta", "email", "Oggetto", kOkBody, "tipo di messaggio sconosciuto: \"pratica-sconosciuta\""},
        BadTemplate{"pratica-aperta", "fax", "Oggetto", kOkBody, "canale sconosciuto: \"fax\""},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "", "Testo: è obbligatorio"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "  \n\t", "Testo: è obbligatorio"},
        BadTemplate{"pratica-aperta", "email", "", kOkBody, "Oggetto: è obbligatorio"},
        BadTemplate{"pratica-aperta", "inbox", " ", kOkBody, "Oggetto: è obbligatorio"},
        BadTemplate{"pratica-aperta", "sms", "Pratica aperta", "Pratica aperta: {{pratica_url}}", "gli SMS non hanno oggetto"},
        BadTemplate{"pratica-aperta", "email", "Riga uno\nRiga due", kOkBody, "Oggetto: deve stare su una sola riga"},
        BadTemplate{"pratica-aperta", "email", std::string(151, 'a'), kOkBody, "Oggetto: è di 151 caratteri"},
        BadTemplate{"pratica-aperta", "email", "{{pratica_titolo}} - {{pratica_titolo}} - {{pratica_titolo}}", kOkBody,
                    "il massimo è 150"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "Ciao {{nome", "Testo, riga 1: il tag \"{{nome\" non è chiuso"},
        BadTemplate{"pratica-aperta", "sms", "", "Ciao\n{{{nome}}", "Testo, riga 2: il tag \"{{{nome}}\" non è chiuso: manca \"}}}\""},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "Ciao{{/nome}}", "{{/nome}} chiude una sezione che non è stata aperta"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{#nome}}{{#ente}}x{{/nome}}{{/ente}}",
                    "{{/nome}} chiude una sezione diversa da quella aperta per ultima, {{#ente}}"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{#nome}}Ciao {{nome}}", "la sezione {{#nome}} non è chiusa: manca {{/nome}}"},
        BadTemplate{"pratica-aperta", "email", "{{^nome}}Avviso", kOkBody, "Oggetto, riga 1: la sezione {{^nome}} non è chiusa"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{=<% %>=}}<% nome %>", "il cambio dei delimitatori {{=<% %>=}} non è ammesso"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{= =}}", "il cambio dei delimitatori"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "Testo\n\n{{> intestazione}}", "riga 3: i partial come {{> intestazione}}"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "Ciao {{}}", "il tag {{}} è vuoto"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{#}}x{{/}}", "è vuoto"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "Codice {{codice}}",
                    "il campo {{codice}} non esiste per questo tipo di messaggio: usa uno di nome, pratica_titolo, pratica_id"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{#allegati}}Allegati{{/allegati}} " + kOkBody,
                    "il campo {{allegati}} non esiste"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{#nome}}{{sconosciuto}}{{/nome}}", "il campo {{sconosciuto}}"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{pratica.titolo}}", "il campo {{pratica.titolo}} non esiste"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{.}}", "il campo {{.}} non esiste"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "{{testo}}", "il campo {{testo}} non esiste"},
        BadTemplate{"comunicazione", "email", "{{oggetto}}", "{{testo}} (pratica {{pratica_id}})",
                    "il campo {{pratica_id}} non esiste per questo tipo di messaggio: usa uno di nome, oggetto, testo, portale_url, servizio, ente"},
        BadTemplate{"pratica-aperta", "email", "Pratica {{numero}}", kOkBody, "Oggetto, riga 1: il campo {{numero}} non esiste"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "Pratica {{{pratica_titolo}}}",
                    "{{{pratica_titolo}}} stamperebbe il valore senza protezione"},
        BadTemplate{"pratica-aperta", "inbox", "Oggetto", "Pratica {{&pratica_titolo}}", "in questo canale non è ammesso: usa {{pratica_titolo}}"},
        BadTemplate{"messaggio-ente", "io", "Messaggio dall'ente", io_body("{{& motivo}}"), "{{& motivo}} stamperebbe il valore"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", "Ciao nome}}, " + kOkBody, "\"}}\" senza il \"{{\" che lo apre"},
        BadTemplate{"pratica-aperta", "io", "Pratica aperta", "Ciao {{nome}}, la pratica è aperta.",
                    "App IO: il testo per App IO è di"},
        BadTemplate{"pratica-aperta", "io", "Pratica aperta", "{{#nome}}" + std::string(80, 'x') + "{{/nome}} Fine.",
                    "ne servono almeno 80 (con i valori di esempio)"},
        BadTemplate{"pratica-aperta", "io", "Avviso", io_body("Pratica aperta."), "App IO: l'oggetto per App IO è di 6 caratteri"},
        BadTemplate{"pratica-aperta", "io", "{{pratica_titolo}} {{pratica_titolo}}", io_body("Pratica aperta."),
                    "il massimo è 120"},
        BadTemplate{"pratica-aperta", "sms", "", std::string(700, 'a'), "Testo: l'SMS richiede 5 parti"},
        BadTemplate{"pratica-aperta", "sms", "", "È aperta: " + std::string(270, 'a'), "«È», che non è nell'alfabeto GSM"},
        BadTemplate{"richiesta-integrazione", "sms", "", "{{motivo}} {{motivo}} {{motivo}} {{pratica_url}}",
                    "parti (con i valori di esempio)"},
        BadTemplate{"pratica-aperta", "email", "Oggetto", std::string(20'001, 'x'), "Testo: è di 20001 caratteri"},
        BadTemplate{"messaggio-ente", "inbox", "Oggetto", repeat("{{motivo}} ", 120), "il massimo è 20000"}));

TEST(NotificationTemplateValidation, AcceptsCorrectTemplates) {
  const TemplateText good{"Pratica {{ pratica_id }}", "{{! nota per chi modifica }}{{#nome}}Buongiorno {{nome}},{{/nome}}"
                                                       "{{^nome}}Buongiorno,{{/nome}}\n\n" + kOkBody};
  EXPECT_EQ(joined(template_problems("pratica-aperta", "email", good)), "");
  EXPECT_EQ(joined(template_problems("pratica-aperta", "inbox", good)), "");
  // Unescaped output is plain text anyway in SMS.
  EXPECT_EQ(joined(template_problems("pratica-aperta", "sms", {"", "Pratica {{{pratica_titolo}}}: {{&pratica_url}}"})), "");
  // The subject is plain text in every channel: a triple mustache there is not a markdown risk.
  EXPECT_EQ(joined(template_problems("comunicazione", "email", {"{{{oggetto}}}", "{{testo}}"})), "");
  // Nested sections of the same field.
  EXPECT_EQ(joined(template_problems("pratica-aperta", "email", {"X", "{{#nome}}{{#nome}}{{nome}}{{/nome}}{{/nome}}"})), "");
}

TEST(NotificationTemplateValidation, ReportsEveryProblemOnce) {
  const auto problems = template_problems("pratica-aperta", "email", {"{{codice}}", "{{codice}} {{codice}} {{altro}}"});
  EXPECT_EQ(problems.size(), 3u) << joined(problems);  // subject codice, body codice, body altro
}

// ---- Rendering -----------------------------------------------------------------------------

TEST(NotificationTemplateRender, MarkdownEscapesAMaliciousTitleButSmsDoesNot) {
  const json fields = {{"pratica_titolo", "[clicca](http://evil) **urgente**"}, {"nome", "Anna"}};
  const TemplateText t{"Pratica {{pratica_titolo}}", "La pratica {{pratica_titolo}} è aperta."};
  const TemplateText md = render_template(t, fields, TemplateSyntax::Markdown);
  EXPECT_EQ(md.body, "La pratica \\[clicca\\]\\(http://evil\\) \\*\\*urgente\\*\\* è aperta.");
  EXPECT_EQ(md.subject, "Pratica [clicca](http://evil) **urgente**");  // the subject is plain text
  const TemplateText plain = render_template(t, fields, TemplateSyntax::Plain);
  EXPECT_EQ(plain.body, "La pratica [clicca](http://evil) **urgente** è aperta.");
}

struct EscapeCase {
  const char* input;
  const char* expected;
};

class NotificationTemplateEscape : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(NotificationTemplateEscape, ValueCannotBecomeMarkup) {
  EXPECT_EQ(escape_markdown(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    NotificationTemplate, NotificationTemplateEscape,
    ::testing::Values(EscapeCase{"Città di Castello", "Città di Castello"}, EscapeCase{"# Titolo", "\\# Titolo"},
                      EscapeCase{"- voce", "\\- voce"}, EscapeCase{"+ voce", "\\+ voce"}, EscapeCase{"* voce", "\\* voce"},
                      EscapeCase{"1. uno", "1\\. uno"}, EscapeCase{"2026. anno", "2026\\. anno"},
                      EscapeCase{"v. 1.2", "v. 1.2"}, EscapeCase{"1) uno", "1\\) uno"}, EscapeCase{"> citazione", "\\> citazione"},
                      EscapeCase{"<script>alert(1)</script>", "\\<script\\>alert\\(1\\)\\</script\\>"},
                      EscapeCase{"`codice` ~~barrato~~", "\\`codice\\` \\~\\~barrato\\~\\~"},
                      EscapeCase{"a_b | c {d} !img \\", "a\\_b \\| c \\{d\\} \\!img \\\\"},
                      EscapeCase{"===", "\\=\\=\\="}, EscapeCase{"    codice", "codice"},
                      EscapeCase{"riga uno\nriga due\r\nriga tre", "riga uno riga due riga tre"},
                      EscapeCase{"Primo paragrafo.\n\n# Secondo\n  \n\n1. terzo", "Primo paragrafo.\n\n\\# Secondo\n\n1\\. terzo"},
                      EscapeCase{"\n\n  testo  \n\n", "testo"}, EscapeCase{"tab\tqui", "tab qui"},
                      EscapeCase{"riga\n- falsa lista", "riga \\- falsa lista"}));

TEST(NotificationTemplateRender, UrlsStayUsableInLinks) {
  const TemplateText t{"x", "[Vedi la pratica]({{pratica_url}})"};
  const json fields = {{"pratica_url", "https://www.umbriasemplice.it/area-personale/pratiche/pr-a_b-c"}};
  EXPECT_EQ(render_template(t, fields, TemplateSyntax::Markdown).body,
            "[Vedi la pratica](https://www.umbriasemplice.it/area-personale/pratiche/pr-a_b-c)");
  const json evil = {{"pratica_url", "https://x.it/a)(b) [c]<d>"}};  // not a URL (space): escaped as text
  EXPECT_EQ(render_template(t, evil, TemplateSyntax::Markdown).body, "[Vedi la pratica](https://x.it/a\\)\\(b\\) \\[c\\]\\<d\\>)");
  const json parens = {{"pratica_url", "https://x.it/a_(b)/<c>"}};
  EXPECT_EQ(render_template(t, parens, TemplateSyntax::Markdown).body, "[Vedi la pratica](https://x.it/a_%28b%29/%3Cc%3E)");
}

TEST(NotificationTemplateRender, MissingAndEmptyFields) {
  const TemplateText t{"Avviso{{#protocollo}} n. {{protocollo}}{{/protocollo}}",
                       "{{#nome}}Buongiorno {{nome}},{{/nome}}{{^nome}}Buongiorno,{{/nome}} [{{ente}}] {{giorni}}"};
  EXPECT_EQ(render_template(t, json::object(), TemplateSyntax::Plain), (TemplateText{"Avviso", "Buongiorno, [] "}));
  EXPECT_EQ(render_template(t, {{"nome", ""}, {"protocollo", nullptr}}, TemplateSyntax::Plain),
            (TemplateText{"Avviso", "Buongiorno, [] "}));
  EXPECT_EQ(render_template(t, {{"nome", "Anna"}, {"protocollo", "2026/1"}, {"giorni", 3}}, TemplateSyntax::Plain),
            (TemplateText{"Avviso n. 2026/1", "Buongiorno Anna, [] 3"}));
  EXPECT_EQ(render_template(t, json::array(), TemplateSyntax::Plain), (TemplateText{"Avviso", "Buongiorno, [] "}));
}

TEST(NotificationTemplateRender, SubjectStaysOnOneLine) {
  const TemplateText t{"Pratica {{pratica_titolo}}", "x"};
  const json fields = {{"pratica_titolo", "Titolo\r\nBcc: spia@example.org\nfine"}};
  EXPECT_EQ(render_template(t, fields, TemplateSyntax::Markdown).subject, "Pratica Titolo Bcc: spia@example.org fine");
  EXPECT_EQ(render_template({"{{pratica_titolo}}", "x"}, {{"pratica_titolo", "\n riga\n"}}, TemplateSyntax::Plain).subject,
            "riga");
}

TEST(NotificationTemplateRender, ValuesAreNeverTemplates) {
  const json fields = {{"motivo", "{{pratica_id}}"}, {"pratica_id", "segreto"}, {"nome", "{{pratica_id}}"}};
  EXPECT_EQ(render_template({"x", "{{motivo}}"}, fields, TemplateSyntax::Plain).body, "{{pratica_id}}");
  EXPECT_EQ(render_template({"x", "{{motivo}}"}, fields, TemplateSyntax::Markdown).body, "\\{\\{pratica\\_id\\}\\}");
  // A partial would render a value as a template: a template with one renders as nothing.
  EXPECT_EQ(render_template({"{{nome}}", "A {{>nome}}"}, fields, TemplateSyntax::Plain),
            (TemplateText{"{{pratica_id}}", ""}));
  EXPECT_EQ(render_template({"x", "{{=<% %>=}}<%motivo%>"}, fields, TemplateSyntax::Plain).body, "");
  EXPECT_EQ(render_template({"x", "{{#nome}}aperta"}, fields, TemplateSyntax::Plain).body, "");
}

TEST(NotificationTemplateRender, StandaloneSectionLinesLeaveNoBlankLines) {
  const TemplateText t{"x", "Inizio\n{{#protocollo}}\nProtocollo {{protocollo}}\n{{/protocollo}}\nFine"};
  EXPECT_EQ(render_template(t, json::object(), TemplateSyntax::Plain).body, "Inizio\nFine");
  EXPECT_EQ(render_template(t, {{"protocollo", "7"}}, TemplateSyntax::Plain).body, "Inizio\nProtocollo 7\nFine");
  // Indented tags, CRLF, inverted sections and comments; a tag with text beside it stays inline.
  const TemplateText u{"x", "A\r\n  {{^nome}}  \r\nSenza nome\r\n{{/nome}}\r\n{{! nota }}\nB {{#nome}}({{nome}}){{/nome}}\nC"};
  EXPECT_EQ(render_template(u, json::object(), TemplateSyntax::Plain).body, "A\r\nSenza nome\r\nB \nC");
  EXPECT_EQ(render_template(u, {{"nome", "Anna"}}, TemplateSyntax::Plain).body, "A\r\nB (Anna)\nC");
  // Blank lines inside and around a block are the template's paragraphs: kept when it shows.
  const TemplateText v{"x", "A\n{{#scadenza}}\n\nEntro il {{scadenza}}\n{{/scadenza}}\n\nC"};
  EXPECT_EQ(render_template(v, {{"scadenza", "16/04/2026"}}, TemplateSyntax::Markdown).body,
            "A\n\nEntro il 16/04/2026\n\nC");
  EXPECT_EQ(render_template(v, json::object(), TemplateSyntax::Markdown).body, "A\n\nC");
}

// ---- Template files ------------------------------------------------------------------------

TEST(NotificationTemplateFile, Parses) {
  EXPECT_EQ(parse_template_file("Oggetto: Pratica {{pratica_id}}\n\nRiga 1\n\nRiga 2\n\n"),
            (TemplateText{"Pratica {{pratica_id}}", "Riga 1\n\nRiga 2"}));
  EXPECT_EQ(parse_template_file("\xEF\xBB\xBFOggetto:Avviso\r\n\r\nTesto\r\nsu due righe\r\n"),
            (TemplateText{"Avviso", "Testo\nsu due righe"}));
  EXPECT_EQ(parse_template_file("Solo testo per SMS {{pratica_url}}\n"), (TemplateText{"", "Solo testo per SMS {{pratica_url}}"}));
  EXPECT_EQ(parse_template_file("Oggetto: Avviso\n\n"), (TemplateText{"Avviso", ""}));
  EXPECT_EQ(parse_template_file(""), (TemplateText{"", ""}));
  EXPECT_EQ(parse_template_file("Oggetto: Avviso\nTesto subito"), std::nullopt);
  EXPECT_EQ(parse_template_file("Oggetto: Avviso"), std::nullopt);
  EXPECT_EQ(parse_template_file("Oggetto: Avviso\n"), std::nullopt);
}

// ---- SMS length ----------------------------------------------------------------------------

TEST(NotificationTemplateSms, SegmentCounts) {
  EXPECT_EQ(sms_segment_count(""), 0);
  EXPECT_EQ(sms_segment_count(std::string(160, 'a')), 1);
  EXPECT_EQ(sms_segment_count(std::string(161, 'a')), 2);
  EXPECT_EQ(sms_segment_count(std::string(306, 'a')), 2);
  EXPECT_EQ(sms_segment_count(std::string(307, 'a')), 3);
  EXPECT_EQ(sms_segment_count(std::string(612, 'a')), 4);
  EXPECT_EQ(sms_segment_count(std::string(613, 'a')), 5);
  // Italian accented lower-case letters are in the GSM alphabet; "È" and "’" are not.
  EXPECT_TRUE(sms_is_gsm7("àèéìòù perché più città @£$"));
  EXPECT_FALSE(sms_is_gsm7("È"));
  EXPECT_FALSE(sms_is_gsm7("l’ufficio"));
  EXPECT_FALSE(sms_is_gsm7("Sospeso – azione dell'utente"));
  EXPECT_EQ(sms_segment_count(repeat("è", 160)), 1);
  EXPECT_EQ(sms_segment_count(repeat("È", 70)), 1);
  EXPECT_EQ(sms_segment_count(repeat("È", 71)), 2);
  EXPECT_EQ(sms_segment_count(repeat("È", 134)), 2);
  EXPECT_EQ(sms_segment_count(repeat("È", 135)), 3);
  // Extension characters take two septets and are not split across parts.
  EXPECT_EQ(sms_segment_count(repeat("€", 80)), 1);
  EXPECT_EQ(sms_segment_count(repeat("€", 81)), 2);
  // 306 septets would fill two parts exactly, but the pair at septets 153-154 moves to the second.
  EXPECT_EQ(sms_segment_count(std::string(152, 'a') + "€" + std::string(152, 'a')), 3);
  // Characters outside the BMP take two UTF-16 units.
  EXPECT_EQ(sms_segment_count(repeat("📅", 35)), 1);
  EXPECT_EQ(sms_segment_count(repeat("📅", 36)), 2);
  EXPECT_EQ(sms_segment_count(repeat("📅", 67)), 3);   // 33 per part
  EXPECT_EQ(sms_segment_count("\xff"), 1);             // invalid byte: UCS-2, one unit
}

}  // namespace
}  // namespace au::domain
