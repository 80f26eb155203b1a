#include "domain/section_mapping.h"

#include <algorithm>
#include <array>

#include "domain/slug.h"

namespace au::domain {
namespace {

// How a rule's phrase must occur in the normalised title (lower case, accents folded, every
// non-alphanumeric run turned into one space). Phrases match whole words; a trailing '*' lets
// the last word be a prefix ("requisit*" matches "requisiti" and "requisito").
enum class Match {
  Title,     // the whole title is the phrase
  Starts,    // the title opens with the phrase
  Contains,  // the phrase appears anywhere, starting at a word
};

struct Rule {
  Match match;
  std::string_view phrase;
  ModelBlock block;
};

using MB = ModelBlock;

// First match wins, so the order encodes the precedence between overlapping words.
constexpr Rule kRules[] = {
    // Introductions of the card.
    {Match::Starts, "cosa e", MB::Description},
    {Match::Starts, "cos e", MB::Description},
    {Match::Starts, "che cos", MB::Description},
    {Match::Starts, "cosa sono", MB::Description},
    {Match::Title, "introduzione", MB::Description},
    {Match::Title, "premessa", MB::Description},
    {Match::Title, "la pratica", MB::Description},
    {Match::Starts, "descrizione", MB::Description},

    // A title opening with "chi" always names the audience, even when it then says
    // "fare domanda" or "ottenere l'attestato".
    {Match::Starts, "a chi", MB::Addressed},
    {Match::Starts, "chi", MB::Addressed},
    {Match::Contains, "destinatari", MB::Addressed},

    // Costs before times: "Costi e durata", "Durata e costi" are cost sections (that also fill
    // Calendar, see names_costs_and_times). "importi" is not here: "Categorie di lavori e
    // importi" describes the works, not a fee.
    {Match::Contains, "cost*", MB::Costs},
    {Match::Contains, "quota", MB::Costs},
    {Match::Contains, "quote", MB::Costs},
    {Match::Contains, "tariff*", MB::Costs},
    {Match::Contains, "pagament*", MB::Costs},
    {Match::Contains, "diritti di segreteria", MB::Costs},

    // Obligations before times: "Obblighi e scadenze annuali" lists duties.
    {Match::Contains, "obblig*", MB::Conditions},
    {Match::Contains, "condizioni", MB::Conditions},

    // "Rilascio" only as the opening word: "Autorizzazione al rilascio del passaporto delle
    // piante" is a different authorisation, not what this service delivers.
    {Match::Starts, "rilascio", MB::Achieved},
    {Match::Contains, "cosa si ottiene", MB::Achieved},
    {Match::Starts, "esito", MB::Achieved},

    {Match::Starts, "documenti", MB::Needed},
    {Match::Contains, "documentazione", MB::Needed},
    {Match::Contains, "requisit*", MB::Needed},
    {Match::Contains, "cosa serve", MB::Needed},

    // Times and the phases of the procedure.
    {Match::Contains, "tempi", MB::Calendar},
    {Match::Contains, "durata", MB::Calendar},
    {Match::Contains, "scadenz*", MB::Calendar},
    {Match::Starts, "iter", MB::Calendar},
    {Match::Contains, "fasi", MB::Calendar},

    // How to apply. Listed verb by verb because "Come si forma l'elenco" and "Come utilizzare
    // l'elenco" are explanations, not instructions to the applicant.
    {Match::Starts, "come fare", MB::HowTo},
    {Match::Starts, "come presentare", MB::HowTo},
    {Match::Starts, "come si presenta", MB::HowTo},
    {Match::Starts, "come registrar*", MB::HowTo},
    {Match::Starts, "come iscriver*", MB::HowTo},
    {Match::Starts, "come richied*", MB::HowTo},
    {Match::Starts, "come si richied*", MB::HowTo},
    {Match::Starts, "come ottener*", MB::HowTo},
    {Match::Starts, "come si ottiene", MB::HowTo},
    {Match::Starts, "come aderire", MB::HowTo},
    {Match::Starts, "come accedere", MB::HowTo},
    {Match::Starts, "come si attiva", MB::HowTo},
    {Match::Starts, "come attivar*", MB::HowTo},
    {Match::Starts, "come funziona", MB::HowTo},
    {Match::Starts, "modalita di richiesta", MB::HowTo},
    {Match::Starts, "modalita di adesione", MB::HowTo},
    {Match::Starts, "modalita di iscrizione", MB::HowTo},
    {Match::Starts, "modalita di presentazione", MB::HowTo},
    {Match::Starts, "modalita di accesso", MB::HowTo},
    {Match::Starts, "modalita di svolgimento", MB::HowTo},
    {Match::Starts, "avvio", MB::HowTo},
    {Match::Contains, "procedura", MB::HowTo},

    {Match::Starts, "accedi", MB::Access},
    {Match::Contains, "accesso al servizio", MB::Access},

    // After times: "Durata e controlli" is about how long the licence lasts.
    {Match::Contains, "controll*", MB::Conditions},
    {Match::Contains, "vincoli", MB::Conditions},
};

// Normalised titles that only restate their block's heading.
constexpr std::string_view kGenericTitles[] = {
    "cosa e", "cos e", "che cos e", "cosa sono", "introduzione", "premessa", "descrizione",
    "la pratica",
    "a chi e rivolto", "a chi si rivolge", "chi puo richiederlo", "chi puo richiederla",
    "chi la puo richiedere", "chi lo puo richiedere", "chi le puo richiedere",
    "chi puo richiedere", "chi puo fare domanda", "chi puo fare richiesta",
    "chi la puo ottenere", "chi lo puo ottenere",
    "come fare", "come fare domanda", "come fare richiesta", "come presentare la domanda",
    "come presentare la richiesta", "come richiederlo", "come richiederla", "come si richiede",
    "come registrarsi", "come si attiva", "come funziona", "modalita di adesione",
    "modalita di richiesta",
    "cosa serve", "documenti", "documenti necessari", "requisiti",
    "cosa si ottiene",
    "tempi", "tempi e scadenze", "scadenze",
    "costi", "costo", "quanto costa",
    "accedi al servizio",
    "controlli", "condizioni di servizio",
};

std::string normalise(std::string_view title) {
  std::string folded = fold_accents(title);
  std::string out;
  bool pending_space = false;
  for (char c : folded) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// Does `phrase` occur in `text` at word start `pos`?
bool matches_at(std::string_view text, std::size_t pos, std::string_view phrase) {
  const bool prefix = !phrase.empty() && phrase.back() == '*';
  if (prefix) phrase.remove_suffix(1);
  if (text.substr(pos, phrase.size()) != phrase) return false;
  const std::size_t end = pos + phrase.size();
  return prefix || end == text.size() || text[end] == ' ';
}

bool rule_matches(const Rule& r, std::string_view text) {
  switch (r.match) {
    case Match::Title:
      return text == r.phrase;
    case Match::Starts:
      return matches_at(text, 0, r.phrase);
    case Match::Contains:
      for (std::size_t pos = 0; pos < text.size(); ++pos) {
        if ((pos == 0 || text[pos - 1] == ' ') && matches_at(text, pos, r.phrase)) return true;
      }
      return false;
  }
  return false;
}

ModelBlock classify_normalised(std::string_view text) {
  for (const auto& r : kRules) {
    if (rule_matches(r, text)) return r.block;
  }
  return ModelBlock::More;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

std::string_view trim(std::string_view s) {
  const auto ws = " \t\r\n\f\v";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Titles are plain text: escape what markdown would read as emphasis, links or code.
std::string bold_line(std::string_view title) {
  std::string out = "**";
  for (char c : trim(title)) {
    if (c == '*' || c == '_' || c == '[' || c == ']' || c == '`' || c == '\\' || c == '<') out += '\\';
    out += c;
  }
  out += "**";
  return out;
}

void append_piece(std::string& block, std::string_view title, std::string_view markdown) {
  const bool headed = !is_blank(block) || !is_generic_section_title(title);
  if (!is_blank(block)) {
    block = std::string(trim(block));
    block += "\n\n";
  } else {
    block.clear();
  }
  if (headed && !is_blank(title)) {
    block += bold_line(title);
    block += "\n\n";
  }
  block += markdown;
}

std::string& block_text(ServiceTexts& t, ModelBlock b) {
  switch (b) {
    case ModelBlock::Description: return t.description;
    case ModelBlock::Addressed: return t.addressed;
    case ModelBlock::HowTo: return t.how_to;
    case ModelBlock::Needed: return t.needed;
    case ModelBlock::Achieved: return t.achieved;
    case ModelBlock::Calendar: return t.calendar;
    case ModelBlock::Costs: return t.costs;
    case ModelBlock::Access: return t.access;
    case ModelBlock::Conditions: return t.conditions;
    case ModelBlock::More: break;
  }
  // More has no single text; callers handle it before asking.
  return t.description;
}

}  // namespace

const char* block_label(ModelBlock b) {
  switch (b) {
    case ModelBlock::Description: return "Descrizione";
    case ModelBlock::Addressed: return "A chi è rivolto";
    case ModelBlock::HowTo: return "Come fare";
    case ModelBlock::Needed: return "Cosa serve";
    case ModelBlock::Achieved: return "Cosa si ottiene";
    case ModelBlock::Calendar: return "Tempi e scadenze";
    case ModelBlock::Costs: return "Quanto costa";
    case ModelBlock::Access: return "Accedi al servizio";
    case ModelBlock::Conditions: return "Condizioni di servizio";
    case ModelBlock::More: return "Ulteriori informazioni";
  }
  return "";
}

ModelBlock classify_section(std::string_view title) {
  return classify_normalised(normalise(title));
}

bool is_generic_section_title(std::string_view title) {
  const std::string text = normalise(title);
  return std::find(std::begin(kGenericTitles), std::end(kGenericTitles), text) !=
         std::end(kGenericTitles);
}

bool names_costs_and_times(std::string_view title) {
  const std::string text = normalise(title);
  if (classify_normalised(text) != ModelBlock::Costs) return false;
  for (std::string_view phrase : {"tempi", "durata", "scadenz*"}) {
    if (rule_matches(Rule{Match::Contains, phrase, ModelBlock::Calendar}, text)) return true;
  }
  return false;
}

void apply_sections(const std::vector<Section>& source, ServiceTexts& out) {
  std::vector<const Section*> costs_and_times;
  for (const auto& section : source) {
    const std::string_view markdown = trim(section.markdown);
    if (markdown.empty()) continue;
    const ModelBlock block = classify_section(section.title);
    if (block == ModelBlock::More) {
      out.more.push_back(Section{std::string(trim(section.title)), std::string(markdown)});
      continue;
    }
    append_piece(block_text(out, block), section.title, markdown);
    if (names_costs_and_times(section.title)) costs_and_times.push_back(&section);
  }

  // Cards often give the validity or the processing time only inside "Durata e costi": copy
  // such sections to "Tempi e scadenze" too, unless the card said something there already,
  // so that the page does not claim no times are stated. The title always heads the copy
  // because in Calendar it explains why costs are mentioned.
  if (is_blank(out.calendar)) {
    out.calendar.clear();
    for (const Section* s : costs_and_times) {
      if (!out.calendar.empty()) out.calendar += "\n\n";
      out.calendar += bold_line(s->title);
      out.calendar += "\n\n";
      out.calendar += trim(s->markdown);
    }
  }
}

}  // namespace au::domain
