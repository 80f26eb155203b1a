#include "domain/practice_projection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

// The vocabulary of practice events, the validation of their `data` and the Italian date of an
// instant (practice_projection.h); the projection itself is in test_practice_projection.cpp.
// Lengths are counted in bytes: "è" is two bytes in UTF-8, so 32 of them fill a 64-byte field.
namespace au::domain {
namespace {

using nlohmann::json;
using K = PracticeEventKind;

std::string rep(const std::string& unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

std::string url_of(std::size_t bytes) {  // "https://comune.example/aaa…" of exactly `bytes`
  const std::string base = "https://comune.example/";
  return base + std::string(bytes - base.size(), 'a');
}

Date D(const std::string& text) {
  auto parsed = parse_civil_date(text);
  if (!parsed) ADD_FAILURE() << "bad date literal in test: " << text;
  return parsed.value_or(Date{});
}

std::int64_t ms(const std::string& rfc3339) {
  auto parsed = rfc3339_to_epoch_millis(rfc3339);
  if (!parsed) ADD_FAILURE() << "bad time literal in test: " << rfc3339;
  return parsed.value_or(0);
}

// --- rome_date ------------------------------------------------------------------------------------

struct RomeCase {
  std::string why;
  std::string utc;
  std::string date;
};

TEST(RomeDateTest, OffsetRulesAndSwitchInstants) {
  // The switches happen at 01:00 UTC (02:00 -> 03:00 local in March, 03:00 -> 02:00 in October),
  // so the date does not change at the switch instant itself: one millisecond either side checks
  // the instant is handled without jumping a day, and the evenings of the switch days (22:00-23:00
  // UTC, where CET and CEST give different dates) check which offset applies.
  const std::vector<RomeCase> cases = {
      {"epoch: 01:00 CET", "1970-01-01T00:00:00Z", "1970-01-01"},
      {"winter: 23:59:59.999 CET", "2026-01-15T22:59:59.999Z", "2026-01-15"},
      {"winter: midnight CET", "2026-01-15T23:00:00.000Z", "2026-01-16"},
      {"eve of the March switch is still CET", "2026-03-28T22:59:59.999Z", "2026-03-28"},
      {"eve of the March switch, midnight CET", "2026-03-28T23:00:00.000Z", "2026-03-29"},
      {"March switch 2026-03-29 - 1 ms (01:59:59.999 CET)", "2026-03-29T00:59:59.999Z", "2026-03-29"},
      {"March switch instant (03:00 CEST)", "2026-03-29T01:00:00.000Z", "2026-03-29"},
      {"March switch + 1 ms", "2026-03-29T01:00:00.001Z", "2026-03-29"},
      {"switch day evening: 23:59:59.999 CEST", "2026-03-29T21:59:59.999Z", "2026-03-29"},
      {"switch day evening: midnight CEST (CET would say 23:00)", "2026-03-29T22:00:00.000Z", "2026-03-30"},
      {"summer: 23:59:59.999 CEST", "2026-07-01T21:59:59.999Z", "2026-07-01"},
      {"summer: midnight CEST", "2026-07-01T22:00:00.000Z", "2026-07-02"},
      {"eve of the October switch is CEST", "2026-10-24T21:59:59.999Z", "2026-10-24"},
      {"eve of the October switch, midnight CEST", "2026-10-24T22:00:00.000Z", "2026-10-25"},
      {"October switch 2026-10-25 - 1 ms (02:59:59.999 CEST)", "2026-10-25T00:59:59.999Z", "2026-10-25"},
      {"October switch instant (02:00 CET)", "2026-10-25T01:00:00.000Z", "2026-10-25"},
      {"October switch + 1 ms", "2026-10-25T01:00:00.001Z", "2026-10-25"},
      {"October switch day evening: 23:30 CET (CEST would say 00:30)", "2026-10-25T22:30:00.000Z",
       "2026-10-25"},
      {"October switch day: midnight CET", "2026-10-25T23:00:00.000Z", "2026-10-26"},
      {"2024: 31 March is the last Sunday; 30th still CET", "2024-03-30T22:30:00Z", "2024-03-30"},
      {"2024: 31 March evening is CEST", "2024-03-31T22:30:00Z", "2024-04-01"},
      {"2024: 24 March is a Sunday but not the last one", "2024-03-24T22:30:00Z", "2024-03-24"},
      {"2027: 31 October is the last Sunday; 30th still CEST", "2027-10-30T22:30:00Z", "2027-10-31"},
      {"2027: 31 October evening is CET", "2027-10-31T22:30:00Z", "2027-10-31"},
      {"2027: 24 October is a Sunday but not the last one", "2027-10-24T22:30:00Z", "2027-10-25"},
      {"new year", "2026-12-31T23:00:00Z", "2027-01-01"},
      {"leap day", "2028-02-28T23:00:00Z", "2028-02-29"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_date(rome_date(ms(c.utc))), c.date) << c.why << " (" << c.utc << ")";
  }
}

TEST(RomeDateTest, SwitchInstantsAreLastSundaysAtOneUtc) {
  // Guards the literals above: 01:00 UTC on the last Sundays of March and October 2026.
  constexpr std::int64_t kDay = 86'400'000, kHour = 3'600'000;
  EXPECT_EQ(ms("2026-03-29T01:00:00Z"), to_days(D("2026-03-29")) * kDay + kHour);
  EXPECT_EQ(ms("2026-10-25T01:00:00Z"), to_days(D("2026-10-25")) * kDay + kHour);
  // Sundays whose next Sunday is in the following month: the last ones.
  EXPECT_TRUE(is_sunday(D("2026-03-29")) && is_sunday(D("2026-10-25")));
  EXPECT_EQ(add_days(D("2026-03-29"), 7).m, 4);
  EXPECT_EQ(add_days(D("2026-10-25"), 7).m, 11);
}

TEST(RomeDateTest, ExtremeInstantsDoNotBreak) {
  // No overflow, always a valid date (clamped to years 1..9999).
  EXPECT_TRUE(is_valid(rome_date(INT64_MAX)));
  EXPECT_TRUE(is_valid(rome_date(INT64_MIN)));
  EXPECT_TRUE(is_valid(rome_date(-1)));
  EXPECT_EQ(format_date(rome_date(-1)), "1970-01-01");  // 00:59:59.999 CET
}

// --- type names, labels, default statuses --------------------------------------------------------

struct KindRow {
  K kind;
  std::string suffix;
  std::string label;
  std::optional<PracticeStatus> default_status;  // with data {} (conclusa: see below)
};

const std::vector<KindRow> kKindRows = {
    {K::Aperta, "aperta", "Pratica aperta", PracticeStatus::InCorso},
    {K::Protocollata, "protocollata", "Protocollata", PracticeStatus::InCorso},
    {K::Stato, "stato", "Cambio di stato", std::nullopt},
    {K::RichiestaIntegrazione, "richiesta-integrazione", "Richiesta di integrazione",
     PracticeStatus::SospesoUtente},
    {K::IntegrazioneRicevuta, "integrazione-ricevuta", "Integrazione ricevuta",
     PracticeStatus::InCorso},
    {K::PreavvisoRigetto, "preavviso-rigetto", "Preavviso di rigetto (art. 10-bis)",
     PracticeStatus::SospesoUtente},
    {K::OsservazioniRicevute, "osservazioni-ricevute", "Osservazioni ricevute",
     PracticeStatus::InCorso},
    {K::Documento, "documento", "Documento", std::nullopt},
    {K::Messaggio, "messaggio", "Messaggio", std::nullopt},
    {K::Conclusa, "conclusa", "Procedimento concluso", std::nullopt},  // no esito: none
};

TEST(PracticeProjectionTypes, NamesRoundTripWithPrefix) {
  for (const auto& row : kKindRows) {
    SCOPED_TRACE(row.suffix);
    const std::string full = "it.umbria.accessounico.pratica." + row.suffix;
    EXPECT_EQ(event_type_name(row.kind), full);
    EXPECT_EQ(parse_event_type(full), row.kind);
    EXPECT_EQ(event_kind_label(row.kind), row.label);
  }
}

TEST(PracticeProjectionTypes, UnknownTypesAreRejected) {
  for (const std::string type : {"", "aperta", "it.umbria.accessounico.pratica.",
                                 "it.umbria.accessounico.pratica.APERTA",
                                 "it.umbria.accessounico.pratica.aperta.x",
                                 "it.umbria.accessounico.praticaaperta",
                                 "it.umbria.accessounico.pratica.conclusa ",
                                 "IT.UMBRIA.ACCESSOUNICO.PRATICA.conclusa",
                                 "it.umbria.accessounico.pratica.sconosciuto"}) {
    EXPECT_FALSE(parse_event_type(type)) << "type \"" << type << "\"";
  }
}

TEST(PracticeProjectionTypes, AcceptedTypesAreAllButAperta) {
  // A back office never opens a practice: the hub does.
  const auto types = accepted_event_types();
  EXPECT_EQ(types.size(), kKindRows.size() - 1);
  for (const auto& row : kKindRows) {
    const bool listed =
        std::find(types.begin(), types.end(), event_type_name(row.kind)) != types.end();
    EXPECT_EQ(listed, row.kind != K::Aperta) << row.suffix;
  }
}

TEST(PracticeProjectionTypes, DefaultStatusPerKind) {
  for (const auto& row : kKindRows) {
    EXPECT_EQ(default_status(row.kind, json::object()), row.default_status) << row.suffix;
  }
  // conclusa: the esito decides; anything else sets no status.
  EXPECT_EQ(default_status(K::Conclusa, {{"esito", "positivo"}}), PracticeStatus::ConclusoPositivo);
  EXPECT_EQ(default_status(K::Conclusa, {{"esito", "negativo"}}), PracticeStatus::ConclusoNegativo);
  EXPECT_EQ(default_status(K::Conclusa, {{"esito", "Positivo"}}), std::nullopt);
  EXPECT_EQ(default_status(K::Conclusa, {{"esito", 1}}), std::nullopt);
  EXPECT_EQ(default_status(K::Conclusa, json()), std::nullopt);
  EXPECT_EQ(default_status(K::Conclusa, json::array({"positivo"})), std::nullopt);
}

// --- validate_event_data ------------------------------------------------------------------------

struct DataCase {
  std::string why;
  K kind;
  json data;
  std::vector<std::string> paths;  // expected error paths after the prefix, in order
};

const json kReq = {{"request_id", "INT-1"}, {"description", "Planimetria aggiornata"}};

json with(json base, const std::string& key, json value) {
  base[key] = std::move(value);
  return base;
}

const json kProt = {{"protocol_number", "2026/0012345"}, {"protocol_date", "2026-11-02"}};
const json kDoc = {{"title", "Autorizzazione"}, {"url", "https://comune.example/doc/1.pdf"}};

std::vector<DataCase> data_cases() {
  return {
      // protocollata: protocol_number 1..64, protocol_date YYYY-MM-DD, both required
      {"protocollata: valid", K::Protocollata, kProt, {}},
      {"protocollata: both required", K::Protocollata, json::object(),
       {"/data/protocol_number", "/data/protocol_date"}},
      {"protocollata: null counts as absent", K::Protocollata, with(kProt, "protocol_number", nullptr),
       {"/data/protocol_number"}},
      {"protocollata: empty number", K::Protocollata, with(kProt, "protocol_number", ""),
       {"/data/protocol_number"}},
      {"protocollata: number as JSON number", K::Protocollata, with(kProt, "protocol_number", 123),
       {"/data/protocol_number"}},
      {"protocollata: 64 bytes is the limit", K::Protocollata,
       with(kProt, "protocol_number", std::string(64, 'N')), {}},
      {"protocollata: 65 bytes", K::Protocollata, with(kProt, "protocol_number", std::string(65, 'N')),
       {"/data/protocol_number"}},
      {"bytes not code points: 32 x 'è' = 64 bytes", K::Protocollata,
       with(kProt, "protocol_number", rep("è", 32)), {}},
      {"bytes not code points: 33 x 'è' = 66 bytes (33 code points)", K::Protocollata,
       with(kProt, "protocol_number", rep("è", 33)), {"/data/protocol_number"}},
      {"protocollata: impossible day 2026-02-29", K::Protocollata,
       with(kProt, "protocol_date", "2026-02-29"), {"/data/protocol_date"}},
      {"protocollata: leap day 2028-02-29 is real", K::Protocollata,
       with(kProt, "protocol_date", "2028-02-29"), {}},
      {"protocollata: unpadded date", K::Protocollata, with(kProt, "protocol_date", "2026-11-2"),
       {"/data/protocol_date"}},
      {"protocollata: Italian date format", K::Protocollata,
       with(kProt, "protocol_date", "02/11/2026"), {"/data/protocol_date"}},
      {"protocollata: date-time instead of date", K::Protocollata,
       with(kProt, "protocol_date", "2026-11-02T10:00:00Z"), {"/data/protocol_date"}},
      {"protocollata: date as number", K::Protocollata, with(kProt, "protocol_date", 20261102),
       {"/data/protocol_date"}},
      // stato: status_code required
      {"stato: valid", K::Stato, {{"status_code", "AT"}}, {}},
      {"stato: status_code required", K::Stato, json::object(), {"/data/status_code"}},
      {"stato: label alone is not enough", K::Stato, {{"status_label", "Attiva"}},
       {"/data/status_code"}},
      // status_code / status_label on any kind
      {"status_code: 20 chars [A-Za-z0-9_-]", K::Stato,
       {{"status_code", "Az09_-" + std::string(14, 'x')}}, {}},
      {"status_code: 21 chars", K::Stato, {{"status_code", std::string(21, 'x')}}, {"/data/status_code"}},
      {"status_code: empty", K::Stato, {{"status_code", ""}}, {"/data/status_code"}},
      {"status_code: space", K::Stato, {{"status_code", "A T"}}, {"/data/status_code"}},
      {"status_code: punctuation", K::Stato, {{"status_code", "AT!"}}, {"/data/status_code"}},
      {"status_code: non-ASCII letter", K::Stato, {{"status_code", "à"}}, {"/data/status_code"}},
      {"status_code: number", K::Stato, {{"status_code", 12}}, {"/data/status_code"}},
      {"status_code: optional on other kinds", K::Messaggio, {{"text", "Ciao"}, {"status_code", "x y"}},
       {"/data/status_code"}},
      {"status_label: 200 bytes", K::Stato,
       {{"status_code", "AT"}, {"status_label", std::string(200, 'l')}}, {}},
      {"status_label: 201 bytes", K::Stato, {{"status_code", "AT"}, {"status_label", std::string(201, 'l')}},
       {"/data/status_label"}},
      {"status_label: may be empty", K::Stato, {{"status_code", "AT"}, {"status_label", ""}}, {}},
      {"status_label: not a string", K::Aperta, {{"status_label", false}}, {"/data/status_label"}},
      // richiesta-integrazione: request_id 1..64, description 1..2000, due_date xor due_days
      {"richiesta: minimal (default 30 days)", K::RichiestaIntegrazione, kReq, {}},
      {"richiesta: both required", K::RichiestaIntegrazione, json::object(),
       {"/data/request_id", "/data/description"}},
      {"richiesta: request_id 65 bytes", K::RichiestaIntegrazione,
       with(kReq, "request_id", std::string(65, 'r')), {"/data/request_id"}},
      {"richiesta: request_id number", K::RichiestaIntegrazione, with(kReq, "request_id", 7),
       {"/data/request_id"}},
      {"richiesta: description 2000 bytes", K::RichiestaIntegrazione,
       with(kReq, "description", std::string(2000, 'd')), {}},
      {"richiesta: description 2001 bytes", K::RichiestaIntegrazione,
       with(kReq, "description", std::string(2001, 'd')), {"/data/description"}},
      {"richiesta: empty description", K::RichiestaIntegrazione, with(kReq, "description", ""),
       {"/data/description"}},
      {"richiesta: due_date", K::RichiestaIntegrazione, with(kReq, "due_date", "2026-12-10"), {}},
      {"richiesta: due_date impossible", K::RichiestaIntegrazione,
       with(kReq, "due_date", "2026-13-01"), {"/data/due_date"}},
      {"richiesta: due_days 1", K::RichiestaIntegrazione, with(kReq, "due_days", 1), {}},
      {"richiesta: due_days 365", K::RichiestaIntegrazione, with(kReq, "due_days", 365), {}},
      {"richiesta: due_days 0", K::RichiestaIntegrazione, with(kReq, "due_days", 0), {"/data/due_days"}},
      {"richiesta: due_days 366", K::RichiestaIntegrazione, with(kReq, "due_days", 366),
       {"/data/due_days"}},
      {"richiesta: due_days negative", K::RichiestaIntegrazione, with(kReq, "due_days", -5),
       {"/data/due_days"}},
      {"richiesta: due_days float 30.0 is not an integer", K::RichiestaIntegrazione,
       with(kReq, "due_days", 30.0), {"/data/due_days"}},
      {"richiesta: due_days 30.5", K::RichiestaIntegrazione, with(kReq, "due_days", 30.5),
       {"/data/due_days"}},
      {"richiesta: due_days string", K::RichiestaIntegrazione, with(kReq, "due_days", "30"),
       {"/data/due_days"}},
      {"richiesta: due_days boolean", K::RichiestaIntegrazione, with(kReq, "due_days", true),
       {"/data/due_days"}},
      {"richiesta: due_days huge unsigned", K::RichiestaIntegrazione,
       with(kReq, "due_days", 18446744073709551615ULL), {"/data/due_days"}},
      {"richiesta: due_days null is absent", K::RichiestaIntegrazione, with(kReq, "due_days", nullptr), {}},
      {"richiesta: due_date and due_days together", K::RichiestaIntegrazione,
       with(with(kReq, "due_date", "2026-12-10"), "due_days", 15), {"/data/due_days"}},
      {"richiesta: bad due_date and due_days together: both reported", K::RichiestaIntegrazione,
       with(with(kReq, "due_date", "domani"), "due_days", 15), {"/data/due_date", "/data/due_days"}},
      {"richiesta: bad due_days and due_date together: both problems on due_days",
       K::RichiestaIntegrazione, with(with(kReq, "due_date", "2026-12-10"), "due_days", 0),
       {"/data/due_days", "/data/due_days"}},
      {"richiesta: unknown members are ignored", K::RichiestaIntegrazione,
       with(kReq, "extra", {{"a", 1}}), {}},
      // receipts and 10-bis
      {"integrazione-ricevuta: valid", K::IntegrazioneRicevuta, {{"request_id", "INT-1"}}, {}},
      {"integrazione-ricevuta: request_id required", K::IntegrazioneRicevuta, json::object(),
       {"/data/request_id"}},
      {"osservazioni-ricevute: empty request_id", K::OsservazioniRicevute, {{"request_id", ""}},
       {"/data/request_id"}},
      {"preavviso-rigetto: valid", K::PreavvisoRigetto, kReq, {}},
      {"preavviso-rigetto: both required", K::PreavvisoRigetto, json::object(),
       {"/data/request_id", "/data/description"}},
      // documento: title 1..300, url http(s) absolute with host <= 2000, media_type <= 100
      {"documento: valid", K::Documento, kDoc, {}},
      {"documento: title and url required", K::Documento, json::object(), {"/data/title", "/data/url"}},
      {"documento: title 300 bytes", K::Documento, with(kDoc, "title", std::string(300, 't')), {}},
      {"documento: title 301 bytes", K::Documento, with(kDoc, "title", std::string(301, 't')),
       {"/data/title"}},
      {"documento: media_type", K::Documento, with(kDoc, "media_type", "application/pdf"), {}},
      {"documento: media_type 100 bytes", K::Documento, with(kDoc, "media_type", std::string(100, 'm')), {}},
      {"documento: media_type 101 bytes", K::Documento,
       with(kDoc, "media_type", std::string(101, 'm')), {"/data/media_type"}},
      {"documento: media_type not a string", K::Documento, with(kDoc, "media_type", 1),
       {"/data/media_type"}},
      {"documento: url 2000 bytes", K::Documento, with(kDoc, "url", url_of(2000)), {}},
      {"documento: url 2001 bytes", K::Documento, with(kDoc, "url", url_of(2001)), {"/data/url"}},
      {"documento: url not a string", K::Documento, with(kDoc, "url", 42), {"/data/url"}},
      {"documento: all three wrong, plus status_code", K::Documento,
       {{"title", ""}, {"url", "ftp://x"}, {"media_type", 3}, {"status_code", ""}},
       {"/data/title", "/data/url", "/data/media_type", "/data/status_code"}},
      // messaggio, conclusa, aperta
      {"messaggio: valid", K::Messaggio, {{"text", "La pratica è in istruttoria."}}, {}},
      {"messaggio: text required", K::Messaggio, json::object(), {"/data/text"}},
      {"messaggio: empty text", K::Messaggio, {{"text", ""}}, {"/data/text"}},
      {"messaggio: 2000 bytes", K::Messaggio, {{"text", std::string(2000, 'x')}}, {}},
      {"messaggio: 2001 bytes", K::Messaggio, {{"text", std::string(2001, 'x')}}, {"/data/text"}},
      {"conclusa: positivo", K::Conclusa, {{"esito", "positivo"}}, {}},
      {"conclusa: negativo with description", K::Conclusa,
       {{"esito", "negativo"}, {"description", "Diniego per contrasto con il PRG"}}, {}},
      {"conclusa: esito required", K::Conclusa, json::object(), {"/data/esito"}},
      {"conclusa: esito is case-sensitive", K::Conclusa, {{"esito", "Positivo"}}, {"/data/esito"}},
      {"conclusa: esito boolean", K::Conclusa, {{"esito", true}}, {"/data/esito"}},
      {"conclusa: description may be empty", K::Conclusa, {{"esito", "positivo"}, {"description", ""}}, {}},
      {"conclusa: description 2001 bytes", K::Conclusa,
       {{"esito", "positivo"}, {"description", std::string(2001, 'd')}}, {"/data/description"}},
      {"aperta: the practice record, any members", K::Aperta, {{"servizio", "scia"}, {"n", 1}}, {}},
      {"aperta: empty object", K::Aperta, json::object(), {}},
  };
}

TEST(PracticeProjectionEventData, EveryMemberWithItsExactPath) {
  for (const auto& c : data_cases()) {
    SCOPED_TRACE(c.why);
    std::vector<FieldError> errors;
    validate_event_data(c.kind, c.data, "/3", errors);
    std::vector<std::string> paths;
    for (const auto& e : errors) {
      paths.push_back(e.path);
      EXPECT_FALSE(e.message.empty());
    }
    std::vector<std::string> expected;
    for (const auto& p : c.paths) expected.push_back("/3" + p);
    EXPECT_EQ(paths, expected);
  }
}

TEST(PracticeProjectionEventData, ErrorsAreAppendedToExistingOnes) {
  std::vector<FieldError> errors = {{"/0/id", "già presente"}};
  validate_event_data(K::Messaggio, json::object(), "/1", errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "/0/id");
  EXPECT_EQ(errors[1].path, "/1/data/text");
}

TEST(PracticeProjectionEventData, DataMustBeAnObjectForEveryKind) {
  // One error at prefix + "/data", nothing about its members.
  for (const auto& row : kKindRows) {
    for (const json& data : {json(), json::array(), json("testo"), json(3), json(true)}) {
      SCOPED_TRACE(row.suffix + " with data " + data.dump());
      std::vector<FieldError> errors;
      validate_event_data(row.kind, data, "", errors);
      ASSERT_EQ(errors.size(), 1u);
      EXPECT_EQ(errors[0].path, "/data");
      EXPECT_NE(errors[0].message.find("oggetto"), std::string::npos) << errors[0].message;
    }
  }
}

struct UrlCase {
  std::string why;
  std::string url;
  bool ok;
};

TEST(PracticeProjectionEventData, DocumentUrl) {
  const std::vector<UrlCase> cases = {
      {"https with path", "https://comune.example/doc/1.pdf", true},
      {"plain http", "http://comune.example", true},
      {"host only with slash", "https://comune.example/", true},
      {"scheme is case-insensitive (RFC 3986 3.1)", "HTTPS://Comune.Example/X", true},
      {"port", "https://comune.example:8443/x", true},
      {"query without path", "https://comune.example?id=1", true},
      {"fragment", "https://comune.example/a#p2", true},
      {"IPv6 literal", "https://[2001:db8::1]/doc", true},
      {"IPv6 literal with port", "http://[::1]:8080/", true},
      {"localhost", "http://localhost/x", true},
      {"percent-encoded path", "https://comune.example/a%20b.pdf", true},
      {"non-ASCII path (IRI)", "https://comune.example/perché.pdf", true},
      {"other scheme", "ftp://comune.example/doc", false},
      {"javascript", "javascript:alert(1)", false},
      {"data URL", "data:text/html,<b>x</b>", false},
      {"relative", "/doc/1.pdf", false},
      {"scheme-relative", "//comune.example/doc", false},
      {"no slashes", "https:comune.example", false},
      {"empty host", "https:///path", false},
      {"nothing after scheme", "https://", false},
      {"host of dots only", "https://./", false},
      {"space in path", "https://comune.example/a b.pdf", false},
      {"leading space", " https://comune.example/", false},
      {"trailing newline", "https://comune.example/\n", false},
      {"tab", "https://comune.example/\ta", false},
      {"DEL", "https://comune.example/\x7f", false},
      {"userinfo would hide the real host", "https://comune.example@altro.example/", false},
      {"backslash trick", "https://comune.example\\@altro.example/", false},
      {"port out of range", "https://comune.example:99999/", false},
      {"empty port", "https://comune.example:/", false},
      {"non-numeric port", "https://comune.example:ab/", false},
      {"bad IPv6 literal", "https://[zz]/", false},
      {"unclosed IPv6 literal", "https://[::1/", false},
      {"garbage after IPv6 literal", "https://[::1]x/", false},
      {"empty", "", false},
  };
  for (const auto& c : cases) {
    std::vector<FieldError> errors;
    validate_event_data(K::Documento, with(kDoc, "url", c.url), "", errors);
    EXPECT_EQ(errors.empty(), c.ok) << c.why << ": " << c.url;
    for (const auto& e : errors) EXPECT_EQ(e.path, "/data/url") << c.why;
  }
}

struct MessageCase {
  std::string why;
  K kind;
  json data;
  std::string path;
  std::vector<std::string> fragments;  // each must occur in the message
};

TEST(PracticeProjectionEventData, ItalianMessagesNameWhatIsExpected) {
  const std::vector<MessageCase> cases = {
      {"missing member", K::Protocollata, with(kProt, "protocol_number", nullptr),
       "/data/protocol_number", {"Manca protocol_number", "da 1 a 64 byte"}},
      {"date format", K::Protocollata, with(kProt, "protocol_date", "2/11/2026"),
       "/data/protocol_date", {"protocol_date", "AAAA-MM-GG"}},
      {"integer range", K::RichiestaIntegrazione, with(kReq, "due_days", 30.0), "/data/due_days",
       {"due_days", "intero", "1 a 365"}},
      {"not both", K::RichiestaIntegrazione, with(with(kReq, "due_date", "2026-12-10"), "due_days", 9),
       "/data/due_days", {"due_date", "due_days", "non entrambi"}},
      {"url", K::Documento, with(kDoc, "url", "ftp://x"), "/data/url", {"url", "http://", "https://"}},
      {"esito", K::Conclusa, {{"esito", "ok"}}, "/data/esito", {"esito", "\"positivo\"", "\"negativo\""}},
      {"status code alphabet", K::Stato, {{"status_code", "A B"}}, "/data/status_code",
       {"status_code", "1 a 20", "lettere, cifre"}},
      {"optional length", K::Documento, with(kDoc, "media_type", std::string(101, 'm')),
       "/data/media_type", {"media_type", "al massimo 100 byte"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    std::vector<FieldError> errors;
    validate_event_data(c.kind, c.data, "", errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].path, c.path);
    for (const auto& f : c.fragments) {
      EXPECT_NE(errors[0].message.find(f), std::string::npos) << errors[0].message << " lacks " << f;
    }
  }
}

}  // namespace
}  // namespace au::domain
