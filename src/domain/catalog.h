// The service catalogue as plain values (CPSV-AP_IT model, Modello Comuni sections).
//
// Contract: these types carry no behaviour that touches I/O, SQL or the clock. A Service is
// the reference card (regional or written by us); a ServiceVariant is one comune's local
// override of it. Every optional text that the Modello Comuni page needs is a std::string
// that is empty when the source lacks it: the page then says so and completeness counts it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace au::domain {

enum class EnteKind { Regione, Provincia, Comune, Usl };
const char* to_string(EnteKind k);
std::optional<EnteKind> ente_kind_from(const std::string& s);

struct Contacts {
  std::string address, phone, email, pec, website;
};

struct Ente {
  std::string id;        // stable: "regione-umbria", "comune-054039", "provincia-054", "usl-umbria-1"
  std::string slug;      // readable URL part: "perugia", "regione-umbria", "usl-umbria-1"
  EnteKind kind = EnteKind::Comune;
  std::string name;
  std::string istat_code;       // comuni: 6 digits; province: 3 digits
  std::string cadastral_code;   // comuni only (Belfiore code)
  std::string province_code;    // comuni: "054" or "055"
  std::string province_abbr;    // "PG" / "TR"
  std::int64_t population = 0;  // 2011 census, comuni only
  double lat = 0, lon = 0;      // centroid (WGS84)
  std::string usl_id;           // comuni: the USL that serves them
  Contacts contacts;
};

enum class ServiceStatus { Attivo, NonAttivo, InSviluppo };
const char* to_string(ServiceStatus s);             // "attivo" | "non-attivo" | "in-sviluppo"
const char* status_label(ServiceStatus s);          // "Servizio attivo", ...
std::optional<ServiceStatus> service_status_from(const std::string& s);

// Who is competent: one named ente, or each comune for its own territory.
enum class AuthorityKind { SingleEnte, EachComune };

enum class ChannelKind { Online, Office, Phone, Email, Pec };
const char* to_string(ChannelKind k);
std::optional<ChannelKind> channel_kind_from(const std::string& s);

struct Channel {
  ChannelKind kind = ChannelKind::Online;
  std::string label;   // "Presenta la pratica sul SUAPE"
  std::string url;     // online: the front office; office: a map/page if any
  std::string value;   // phone number, address, e-mail or PEC
  std::string hours;   // opening hours, free text
};

struct Cost {
  std::int64_t amount_cents = 0;  // 0 with a text means "free" or "varies": read the text
  std::string description;
};

struct Document {
  std::string title;
  std::string url;
  std::string kind;     // "modulo", "normativa", "manuale", ...
  std::string act;      // approving act, e.g. "DD n.3971 del 30/04/2019"
};

struct Section {      // a free section of the source card, kept as markdown
  std::string title;
  std::string markdown;
};

// The Modello Comuni content blocks, in page order. Text is markdown.
struct ServiceTexts {
  std::string description;   // "Descrizione" (long description)
  std::string addressed;     // "A chi è rivolto"
  std::string how_to;        // "Come fare"
  std::string needed;        // "Cosa serve"
  std::string achieved;      // "Cosa si ottiene"
  std::string calendar;      // "Tempi e scadenze"
  std::string costs;         // "Quanto costa"
  std::string access;        // "Accedi al servizio" (text beside the button)
  std::string conditions;    // "Condizioni di servizio"
  std::vector<Section> more; // source sections that map to none of the above ("Ulteriori informazioni")
};

struct Service {
  std::string id;            // stable id, e.g. "ru-aua" (regional card) or "rc-carta-identita"
  std::string slug;          // readable Italian slug
  std::string title;
  std::string summary;       // short description
  ServiceTexts texts;
  std::vector<std::string> audience;       // cittadini | imprese | intermediari | pa
  std::string category;                    // subject-matter code (public-services-subject-matters)
  std::vector<std::string> topics;         // argomenti (Modello Comuni vocabulary labels)
  std::vector<std::string> life_events;    // life-event codes
  std::vector<std::string> business_events;// business-event codes
  AuthorityKind authority = AuthorityKind::SingleEnte;
  std::string competent_ente_id;           // when SingleEnte
  std::string office_name;                 // unit in charge ("Contatti")
  Contacts office;
  std::vector<Channel> channels;
  std::vector<Cost> costs;
  std::vector<Document> documents;
  std::vector<std::string> related;        // slugs of related services
  int processing_days = 0;                 // 0 = not stated
  int legal_term_days = 30;                // L. 241/1990 art. 2 default
  bool silenzio_assenso = false;
  std::vector<std::string> legal_references;
  std::string interactivity;               // interactivity-level code, "LEVEL 1".."LEVEL 5"
  std::string authentication;              // authentication-type code, "NONE", "2FA", ...
  ServiceStatus status = ServiceStatus::Attivo;
  std::vector<std::string> keywords;
  std::string local_channel_key;           // e.g. "urlsuape": which comune URL serves this service
  int version = 1;
  std::string modified_at;                 // ISO 8601 UTC
  std::string source;                      // provenance ("accesso-unico-umbria", "accesso-unico-redazione")
};

// One comune's local variant of a reference service. Empty fields inherit the reference.
struct ServiceVariant {
  std::string service_id;
  std::string ente_id;
  std::string channel_url;      // that comune's online front office for the service
  std::string channel_label;
  std::string summary;          // optional local texts
  std::string how_to;
  std::string costs_text;
  std::optional<std::int64_t> cost_cents;
  std::string office_name;
  Contacts office;
  int version = 1;
  std::string modified_at;
};

struct VocabularyTerm {
  std::string vocabulary;   // "subject-matter", "life-event", "business-event", "topic", ...
  std::string code;
  std::string label;
  std::string parent;       // hierarchical vocabularies
  std::string slug;
};

}  // namespace au::domain
