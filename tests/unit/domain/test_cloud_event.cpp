// CloudEvents 1.0 JSON format validation: one table row per rule, errors with their paths.
#include "domain/cloud_event.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace au::domain {
namespace {

using nlohmann::json;

json minimal() {
  return {{"specversion", "1.0"}, {"id", "evt-1"}, {"source", "/enti/c_h501/suap"},
          {"type", "it.accessounico.pratica.stato"}};
}

json with(json j, const std::string& key, json value) {
  j[key] = std::move(value);
  return j;
}

json without(json j, const std::string& key) {
  j.erase(key);
  return j;
}

std::string paths(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "[" + e.path + "] " + e.message + "\n";
  return out;
}

struct Case {
  const char* rule;
  json event;
  std::vector<std::string> error_paths;  // empty: valid
};

std::vector<Case> cases() {
  return {
      {"valid minimal event", minimal(), {}},
      {"time with Z", with(minimal(), "time", "2026-11-27T10:15:00Z"), {}},
      {"time with +01:00", with(minimal(), "time", "2026-11-27T11:15:00+01:00"), {}},
      {"time with -05:30 and fraction", with(minimal(), "time", "2026-11-27T04:45:00.123456-05:30"), {}},
      {"time with one-digit fraction", with(minimal(), "time", "2026-11-27T10:15:00.5Z"), {}},
      {"time on a leap day", with(minimal(), "time", "2024-02-29T00:00:00Z"), {}},
      {"data may be any JSON", with(minimal(), "data", json::array({1, "due", nullptr})), {}},
      {"data_base64 alone is fine", with(minimal(), "data_base64", "aGVsbG8="), {}},
      {"null optional attribute counts as absent", with(minimal(), "subject", nullptr), {}},
      {"missing id", without(minimal(), "id"), {"/id"}},
      {"missing source", without(minimal(), "source"), {"/source"}},
      {"missing specversion", without(minimal(), "specversion"), {"/specversion"}},
      {"missing type", without(minimal(), "type"), {"/type"}},
      {"null required attribute is missing", with(minimal(), "id", nullptr), {"/id"}},
      {"all required missing, all reported", json::object(), {"/id", "/source", "/specversion", "/type"}},
      {"specversion 0.3 rejected", with(minimal(), "specversion", "0.3"), {"/specversion"}},
      {"specversion as number rejected", with(minimal(), "specversion", 1.0), {"/specversion"}},
      {"empty id", with(minimal(), "id", ""), {"/id"}},
      {"id as number", with(minimal(), "id", 42), {"/id"}},
      {"empty type", with(minimal(), "type", ""), {"/type"}},
      {"non-string source", with(minimal(), "source", 12), {"/source"}},
      {"empty source", with(minimal(), "source", ""), {"/source"}},
      {"source with a space is not a URI-reference", with(minimal(), "source", "/enti/a b"), {"/source"}},
      {"source with bad percent escape", with(minimal(), "source", "/enti/%zz"), {"/source"}},
      {"empty subject", with(minimal(), "subject", ""), {"/subject"}},
      {"subject as bool", with(minimal(), "subject", true), {"/subject"}},
      {"time as number", with(minimal(), "time", 1795774500), {"/time"}},
      {"time without timezone", with(minimal(), "time", "2026-11-27T10:15:00"), {"/time"}},
      {"time 2026-02-29 (not a leap year)", with(minimal(), "time", "2026-02-29T10:00:00Z"), {"/time"}},
      {"time 1900-02-29 (century not leap)", with(minimal(), "time", "1900-02-29T10:00:00Z"), {"/time"}},
      {"time 24:00:00", with(minimal(), "time", "2026-11-27T24:00:00Z"), {"/time"}},
      {"time minute 60", with(minimal(), "time", "2026-11-27T10:60:00Z"), {"/time"}},
      {"time month 13", with(minimal(), "time", "2026-13-01T10:00:00Z"), {"/time"}},
      {"time day 31 of April", with(minimal(), "time", "2026-04-31T10:00:00Z"), {"/time"}},
      {"time offset hour 25", with(minimal(), "time", "2026-11-27T10:15:00+25:00"), {"/time"}},
      {"time offset without colon", with(minimal(), "time", "2026-11-27T10:15:00+0100"), {"/time"}},
      {"time offset hours only", with(minimal(), "time", "2026-11-27T10:15:00+01"), {"/time"}},
      {"time offset minute 60", with(minimal(), "time", "2026-11-27T10:15:00+01:60"), {"/time"}},
      {"time with space separator", with(minimal(), "time", "2026-11-27 10:15:00Z"), {"/time"}},
      {"time with empty fraction", with(minimal(), "time", "2026-11-27T10:15:00.Z"), {"/time"}},
      {"time date only", with(minimal(), "time", "2026-11-27"), {"/time"}},
      {"time trailing garbage", with(minimal(), "time", "2026-11-27T10:15:00Zx"), {"/time"}},
      {"empty datacontenttype", with(minimal(), "datacontenttype", ""), {"/datacontenttype"}},
      {"dataschema relative is not a URI", with(minimal(), "dataschema", "/schemi/v1"), {"/dataschema"}},
      {"empty dataschema", with(minimal(), "dataschema", ""), {"/dataschema"}},
      {"data and data_base64 both", with(with(minimal(), "data", {{"a", 1}}), "data_base64", "aGVsbG8="),
       {"/data_base64"}},
      {"data_base64 not base64", with(minimal(), "data_base64", "non base64!"), {"/data_base64"}},
      {"data_base64 not a string", with(minimal(), "data_base64", 5), {"/data_base64"}},
      {"extension name uppercase", with(minimal(), "Comune", "H501"), {"/Comune"}},
      {"extension name too long (21)", with(minimal(), "abcdefghijklmnopqrstu", "x"), {"/abcdefghijklmnopqrstu"}},
      {"extension name with dash", with(minimal(), "codice-ente", "x"), {"/codice-ente"}},
      {"extension name with slash escaped in path", with(minimal(), "a/b", "x"), {"/a~1b"}},
      {"extension value object", with(minimal(), "comune", {{"codice", "H501"}}), {"/comune"}},
      {"extension value array", with(minimal(), "comune", json::array({"H501"})), {"/comune"}},
      {"extension value null", with(minimal(), "comune", nullptr), {"/comune"}},
      {"extension name of exactly 20 chars is fine", with(minimal(), "abcdefghijklmnopqrst", "x"), {}},
      {"several errors in one event, all reported",
       with(with(with(minimal(), "id", ""), "time", "2026-02-29T00:00:00Z"), "Bad", 1),
       {"/id", "/time", "/Bad"}},
  };
}

TEST(CloudEvent, ValidatesEachRule) {
  for (const auto& c : cases()) {
    std::vector<FieldError> errors;
    const auto ev = parse_cloud_event(c.event, "", errors);
    std::vector<std::string> got;
    for (const auto& e : errors) {
      got.push_back(e.path);
      EXPECT_FALSE(e.message.empty()) << c.rule;
    }
    std::sort(got.begin(), got.end());
    auto want = c.error_paths;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << c.rule << "\n" << paths(errors);
    EXPECT_EQ(ev.has_value(), c.error_paths.empty()) << c.rule;
  }
}

TEST(CloudEvent, FullEventWithExtensions) {
  const json j = {{"specversion", "1.0"},
                  {"id", "A234-1234-1234"},
                  {"source", "https://suap.comune.roma.it/pratiche"},
                  {"type", "it.accessounico.pratica.stato"},
                  {"subject", "pratica/2026/000123"},
                  {"time", "2026-11-27T11:15:00.250+01:00"},
                  {"datacontenttype", "application/json"},
                  {"dataschema", "https://accessounico.example.it/schemi/pratica-stato/v1.json"},
                  {"data", {{"stato", "in-istruttoria"}}},
                  {"comune", "H501"},
                  {"priorita", 2},
                  {"urgente", false}};
  std::vector<FieldError> errors;
  const auto ev = parse_cloud_event(j, "", errors);
  ASSERT_TRUE(ev) << paths(errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(ev->id, "A234-1234-1234");
  EXPECT_EQ(ev->source, "https://suap.comune.roma.it/pratiche");
  EXPECT_EQ(ev->specversion, "1.0");
  EXPECT_EQ(ev->subject, "pratica/2026/000123");
  EXPECT_EQ(ev->time, "2026-11-27T11:15:00.250+01:00");  // as sent
  EXPECT_EQ(ev->datacontenttype, "application/json");
  EXPECT_EQ(ev->data, (json{{"stato", "in-istruttoria"}}));
  EXPECT_EQ(ev->extensions, (json{{"comune", "H501"}, {"priorita", 2}, {"urgente", false}}));
}

TEST(CloudEvent, MinimalEventHasEmptyOptionals) {
  std::vector<FieldError> errors;
  const auto ev = parse_cloud_event(minimal(), "/3", errors);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->time.empty());
  EXPECT_TRUE(ev->data.is_null());
  EXPECT_TRUE(ev->extensions.is_object());
  EXPECT_TRUE(ev->extensions.empty());
}

TEST(CloudEvent, PathPrefixIsPrepended) {
  std::vector<FieldError> errors;
  EXPECT_FALSE(parse_cloud_event(without(minimal(), "source"), "/7", errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/7/source");
}

TEST(CloudEvent, Rfc3339ToEpochMillis) {
  struct Row {
    const char* text;
    std::optional<std::int64_t> millis;
  };
  const Row rows[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"1970-01-01T01:00:00+01:00", 0},  // offset applied
      {"1969-12-31T19:00:00-05:00", 0},
      {"2026-11-27T10:15:00Z", 1795774500000},
      {"2026-11-27T11:15:00.250+01:00", 1795774500250},
      {"2026-11-27T10:15:00.1Z", 1795774500100},
      {"2026-11-27T10:15:00.123999Z", 1795774500123},  // truncated to millis
      {"2024-02-29T23:59:59Z", 1709251199000},
      {"1969-12-31T23:59:59.500Z", -500},
      {"2026-11-27T10:15:00", std::nullopt},
      {"2026-02-29T00:00:00Z", std::nullopt},
      {"2026-11-27T24:00:00Z", std::nullopt},
      {"2026-11-27T10:15:60Z", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& r : rows) EXPECT_EQ(rfc3339_to_epoch_millis(r.text), r.millis) << r.text;
}

TEST(CloudEventBatch, SingleObject) {
  std::vector<FieldError> errors;
  bool too_many = true;
  const auto events = parse_batch(minimal(), 10, errors, too_many);
  EXPECT_FALSE(too_many);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(events.size(), 1u);
}

TEST(CloudEventBatch, SingleObjectErrorsHaveRootPaths) {
  std::vector<FieldError> errors;
  bool too_many = false;
  EXPECT_TRUE(parse_batch(with(minimal(), "time", "x"), 10, errors, too_many).empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/time");
}

TEST(CloudEventBatch, ArrayOfThreeValid) {
  const json batch = json::array({with(minimal(), "id", "a"), with(minimal(), "id", "b"),
                                  with(minimal(), "id", "c")});
  std::vector<FieldError> errors;
  bool too_many = false;
  const auto events = parse_batch(batch, 3, errors, too_many);
  EXPECT_FALSE(too_many);
  EXPECT_TRUE(errors.empty()) << paths(errors);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, "a");
  EXPECT_EQ(events[2].id, "c");
}

TEST(CloudEventBatch, ErrorsCarryElementPaths) {
  const json batch = json::array({minimal(), without(minimal(), "id"),
                                  with(minimal(), "time", "2026-11-27T10:15:00")});
  std::vector<FieldError> errors;
  bool too_many = false;
  const auto events = parse_batch(batch, 10, errors, too_many);
  EXPECT_FALSE(too_many);
  ASSERT_EQ(errors.size(), 2u) << paths(errors);
  EXPECT_EQ(errors[0].path, "/1/id");
  EXPECT_EQ(errors[1].path, "/2/time");
  EXPECT_EQ(events.size(), 1u);  // only the valid one; the request must still be rejected
}

TEST(CloudEventBatch, NonObjectElement) {
  std::vector<FieldError> errors;
  bool too_many = false;
  parse_batch(json::array({minimal(), "evento"}), 10, errors, too_many);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/1");
}

TEST(CloudEventBatch, EmptyArrayIsAnError) {
  std::vector<FieldError> errors;
  bool too_many = false;
  EXPECT_TRUE(parse_batch(json::array(), 10, errors, too_many).empty());
  EXPECT_FALSE(too_many);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "");
}

TEST(CloudEventBatch, TooMany) {
  const json batch = json::array({minimal(), minimal(), minimal()});
  std::vector<FieldError> errors;
  bool too_many = false;
  EXPECT_TRUE(parse_batch(batch, 2, errors, too_many).empty());
  EXPECT_TRUE(too_many);
  EXPECT_FALSE(errors.empty());
}

TEST(CloudEventBatch, TopLevelScalarsRejected) {
  for (const json& j : {json("evento"), json(42), json(nullptr), json(true)}) {
    std::vector<FieldError> errors;
    bool too_many = false;
    EXPECT_TRUE(parse_batch(j, 10, errors, too_many).empty()) << j.dump();
    EXPECT_FALSE(too_many);
    ASSERT_EQ(errors.size(), 1u) << j.dump();
    EXPECT_EQ(errors[0].path, "") << j.dump();
  }
}

// CloudEvents 1.0.2 type system: strings must not contain U+0000-U+001F or U+007F-U+009F
// (on PostgreSQL a U+0000 would also cut the stored id, merging two events into one).
TEST(CloudEvent, ControlCharactersAreRefusedInEveryStringAttribute) {
  EXPECT_FALSE(has_control_characters("evento-1 àèé €"));
  for (std::string bad : {std::string("a\0b", 3), std::string("a\x1f"), std::string("\x7f"), std::string("c\xc2\x85" "d"),
                          std::string("\xc2\x9f")})
    EXPECT_TRUE(has_control_characters(bad)) << bad.size();
  EXPECT_FALSE(has_control_characters("\xc2\xa0"));  // U+00A0 is not a control character
  for (const char* attr : {"id", "source", "type", "subject", "extname"}) {
    json e = {{"specversion", "1.0"}, {"id", "x"}, {"source", "urn:x"}, {"type", "t"}};
    e[attr] = std::string("dup\0one", 7);
    std::vector<FieldError> errors;
    EXPECT_FALSE(parse_cloud_event(e, "/0", errors)) << attr;
    ASSERT_EQ(errors.size(), 1u) << attr;
    EXPECT_EQ(errors[0].path, std::string("/0/") + attr);
  }
}

}  // namespace
}  // namespace au::domain
