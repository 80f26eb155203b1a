// Message kinds of the notifications, the personalisation fields each may use, and the mustache
// templates that turn them into the text of a channel: the personal inbox, email, App IO, SMS.
//
// Contract
// --------
// Pure. A template is a subject and a body (TemplateText) written in mustache with the default
// delimiters; the fields are strings. The inbox, email and io channels take a one-line subject and
// a markdown body; sms takes a plain-text body only.
//
// template_problems() is what an editor's template must pass before it is saved (and what the
// default templates in templates/notifications/ pass in the tests). It refuses, with an Italian
// message each: an unknown kind or channel; mustache it cannot trust (unclosed tag, sections
// closed in the wrong order or never closed, delimiter changes {{=…=}}, partials {{>…}}, empty
// tags); a tag naming a field that the kind does not have; unescaped output ({{{x}}} or {{&x}})
// in the markdown channels; a missing body; a missing subject (except sms) or one on more lines
// or, rendered, over 150 characters; a subject in sms. Then it renders the template with
// sample_fields(kind), once with `nome` and once without it, and refuses when the result breaks
// the channel's limits: App IO's content rules (io_message.h), 4 SMS segments, 20,000 characters
// for an email or inbox body.
//
// render_template() renders with kainjow mustache. A field that is missing, null or "" is absent
// (a section {{#nome}}…{{/nome}} is skipped, {{^nome}}…{{/nome}} shown). In Markdown syntax every
// value printed by {{x}} is made inert: markdown punctuation (\ ` * _ [ ] ( ) { } # + - ! < > | ~ =)
// gets a backslash; a blank line stays a paragraph break, any other line break or tab becomes a
// space; each paragraph loses its leading spaces (no code block) and a leading "12." keeps its dot
// escaped (no ordered list), so a value can never open a heading, a list, a quote or raw HTML. A
// value that is an absolute http(s) URL without spaces (pratica_url, portale_url) is not
// backslash-escaped but gets its few markup-breaking characters percent-encoded (space " < > ( )
// [ ] \ ^ ` { | } *), so that it works both as a link target and as a bare link. In Plain syntax
// values are printed as they are. The subject is always Plain, and any line break in it (from a
// value) becomes a space, so it cannot inject a header. A template with syntax that
// template_problems refuses (partials, delimiter changes, unbalanced sections, unclosed tags)
// renders as empty text: it must be validated when it is saved. A line holding only a section
// or comment tag disappears with its line break whether the section shows or not (the mustache
// "standalone" rule), and the body never ends with a line break.
//
// Kinds and what their fields carry (every kind but comunicazione may use all practice fields;
// fields that do not apply to an event may be empty, so use sections for them):
//   pratica-aperta          the practice was opened; scadenza/giorni: the legal term, if known
//   pratica-protocollata    protocollo assigned; scadenza/giorni: the legal term from now on
//   pratica-stato           stato/stato_ente: the new status; motivo: the office's note, if any
//   richiesta-integrazione  motivo: what the office asks for; scadenza/giorni: by when
//   preavviso-rigetto       art. 10-bis L. 241/1990; motivo: the reasons; scadenza/giorni: the
//                           last day to send observations (10 days)
//   pratica-conclusa        stato: the outcome; motivo: the final act's description
//   messaggio-ente          motivo: the message of the office
//   documento-disponibile   motivo: the title of the new document
//   promemoria-scadenza     scadenza/giorni: the deadline and the days left; motivo: what to do
//   scadenza-superata       for operators: nome = the operator; scadenza: the term that passed;
//                           giorni: days since it passed
//   comunicazione           a send by an operator or integrator: oggetto and testo are free;
//                           fields nome, oggetto, testo, portale_url, servizio, ente
// Field meanings: nome (recipient's given name, may be empty), pratica_titolo, pratica_id,
// pratica_url (the practice's page), protocollo, ente, servizio, stato (common status label),
// stato_ente (the office's own label), scadenza (dd/mm/yyyy), giorni, motivo, oggetto, testo,
// portale_url (the portal's home).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace au::domain {

struct MessageKind {
  std::string id;                     // "richiesta-integrazione"
  std::string label;                  // "Richiesta di integrazione"
  std::vector<std::string> fields;    // the fields its templates may use
  std::vector<std::string> channels;  // the channels it has a default template for
  bool for_operators = false;         // sent to the office's staff, not to the applicant
};

const std::vector<MessageKind>& message_kinds();
const MessageKind* find_message_kind(std::string_view id);
// "inbox", "email", "io", "sms".
const std::vector<std::string>& message_channels();

// Realistic Italian values of every field of the kind (object of strings), for previews and
// for the length checks; an empty object for an unknown kind.
nlohmann::json sample_fields(std::string_view kind);

struct TemplateText {
  std::string subject;  // empty for sms
  std::string body;
  bool operator==(const TemplateText&) const = default;
};

enum class TemplateSyntax { Markdown, Plain };
// sms -> Plain, every other channel -> Markdown.
TemplateSyntax channel_syntax(std::string_view channel);

// Italian messages, empty when the template can be saved (see the contract above).
std::vector<std::string> template_problems(std::string_view kind, std::string_view channel, const TemplateText& t);

// `fields`: a JSON object of strings (numbers print as JSON; anything else is absent).
TemplateText render_template(const TemplateText& t, const nlohmann::json& fields, TemplateSyntax syntax);

// A template file: "Oggetto: <subject>", an empty line, then the body; without the "Oggetto:"
// line the whole file is the body (sms). CRLF is accepted, a UTF-8 BOM and the trailing line
// breaks of the body are dropped. nullopt when the "Oggetto:" line is not followed by an empty
// line.
std::optional<TemplateText> parse_template_file(std::string_view content);

// Markdown escaping of one value, as render_template does it for {{x}}.
std::string escape_markdown(std::string_view value);

// SMS segments needed for `text` (UTF-8): GSM 03.38 (7-bit, the extension table's characters
// count twice) fits 160 septets in one SMS, 153 per segment when concatenated; any other
// character makes the whole message UCS-2: 70 UTF-16 units, 67 per segment. Escape pairs and
// surrogate pairs are never split. 0 for an empty text.
int sms_segment_count(std::string_view text);
// True when every character of `text` is in the GSM 03.38 alphabet (basic or extension).
bool sms_is_gsm7(std::string_view text);

}  // namespace au::domain
