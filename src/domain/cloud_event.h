// CloudEvents 1.0 (JSON event format, spec 1.0.2) validation for the practices ingest API
// (POST /api/v1/interop/events). Pure: no I/O, no clock.
//
// Contract:
//   struct CloudEvent { id, source, specversion, type, subject, time /* RFC 3339 as sent */,
//                       datacontenttype, dataschema; json data; json extensions; }
//     (plus data_base64: the base64 text as sent, when the event carried "data_base64"
//     instead of "data"; the CloudEvent struct has no other additions.)
//   struct FieldError { path /* JSON Pointer-like: "/0/source" for element 0 of a batch,
//                              "/time" for a single event, "" for the document itself */;
//                       message /* Italian */; }
//   parse_cloud_event(j, path_prefix, errors): validates one event; every error found is
//     appended (all of them, not just the first) with path_prefix + "/" + attribute; returns
//     the event only when it added no error.
//   parse_batch(j, max_events, errors, too_many): j is one event object or a non-empty array of
//     event objects (element i gets prefix "/i"). More than max_events elements sets too_many,
//     adds an error at "" and validates nothing. Returns the valid events; the request is
//     acceptable only when errors is empty.
//   rfc3339_to_epoch_millis(text): milliseconds since the Unix epoch (offset applied, fraction
//     truncated to milliseconds), nullopt when text is not a strict RFC 3339 timestamp.
//
// Rules:
//   - required: id (non-empty string), source (non-empty URI-reference string), specversion
//     (exactly the string "1.0"), type (non-empty string);
//   - optional: subject (non-empty string), time (strict RFC 3339:
//     YYYY-MM-DDTHH:MM:SS(.fraction)?(Z|+HH:MM|-HH:MM), uppercase T and Z, real calendar dates
//     incl. leap years, hour 00-23, no leap second 60, offset hour 00-23 and minute 00-59),
//     datacontenttype (non-empty string), dataschema (non-empty absolute URI), data (any JSON)
//     or data_base64 (base64 string, standard alphabet with padding) but not both;
//     null for an optional attribute counts as absent, for a required one as missing;
//   - any other member is an extension: name of 1-20 chars in [a-z0-9], value a string, number
//     or boolean (no object, array or null);
//   - an attribute that must be a string is rejected when of another JSON type, and every string
//     attribute (extensions too) when it contains a control character;
//   - an event must be a JSON object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace au::domain {

struct CloudEvent {
  std::string id, source, specversion, type, subject, time /* RFC 3339 as sent */, datacontenttype,
      dataschema;
  nlohmann::json data;        // null when absent
  nlohmann::json extensions;  // object: extension name -> value (empty object when none)
  std::string data_base64;    // as sent, when "data_base64" was used instead of "data"
};

struct FieldError {
  std::string path;     // "/0/source", "/time", "" (the document)
  std::string message;  // Italian
};

// One reference token of a JSON Pointer (RFC 6901 §3): "~" -> "~0", "/" -> "~1", so member
// names taken from input make unambiguous error paths.
std::string json_pointer_token(std::string_view name);

std::optional<CloudEvent> parse_cloud_event(const nlohmann::json& j, const std::string& path_prefix,
                                            std::vector<FieldError>& errors);

std::vector<CloudEvent> parse_batch(const nlohmann::json& j, std::size_t max_events,
                                    std::vector<FieldError>& errors, bool& too_many);

std::optional<std::int64_t> rfc3339_to_epoch_millis(std::string_view text);

// True when the text has a control character (U+0000-U+001F, U+007F-U+009F): the CloudEvents
// type system forbids them in strings, and a U+0000 would also cut the value where PostgreSQL
// stores it (two ids "a\0x" and "a\0y" would become one).
bool has_control_characters(std::string_view text);

}  // namespace au::domain
