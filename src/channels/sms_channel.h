// The SMS channel: a text message through a configurable HTTP SMS gateway (the region's
// contracted provider, or tools/sms-gateway/sms-gateway.mjs locally).
//
// The gateway contract (what a provider adapter, or the provider itself, must offer):
//   POST {url}  Authorization: Bearer <token>  Idempotency-Key: <key>  Content-Type: application/json
//   {"to": "+39...", "from": <sender>, "text": ..., "reference": <key>}
//   2xx {"id": ...}: accepted (a repeated Idempotency-Key answers the first answer again and
//   sends nothing). Errors are JSON {"code": ..., "message": ...}.
// Because the key is stable across retries, a retry after a crash sends at most one SMS.
//
// Outcomes (reasons in Italian, without the number or the text):
//   number not E.164 (phone_number_problem)          Permanent, no request
//   empty text, or more than kSmsMaxSegments parts   Technical, no request
//   2xx                                              Delivered, provider_ref = "id" when given
//   404, or 400/422 with code "invalid_number"       Permanent (the number cannot receive)
//   other 400/422, 401, 403                          Technical (our request or our token)
//   429 (Retry-After), 5xx, no answer, timeout       Temporary
//   anything else (3xx: redirects not followed)      Temporary
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "channels/channel.h"

namespace au::channels {

struct SmsSettings {
  std::string url;    // the gateway's send endpoint
  std::string token;  // bearer token
  std::string sender = "Umbria";  // alphanumeric sender id (at most 11 characters) or a number
  long timeout_ms = 10000;
};

inline constexpr std::size_t kSmsMaxSegments = 4;

class SmsChannel : public Channel {
 public:
  explicit SmsChannel(SmsSettings settings);
  // n.address = E.164 number, n.body = the text, n.idempotency_key.
  SendResult send(const OutgoingNotification& n) override;

 private:
  SmsSettings settings_;
};

// nullptr from the factory when url or token is empty (the channel is not configured).
ChannelFactory sms_channel_factory(SmsSettings settings);

// "" when `number` is E.164 as the gateway takes it: "+" then 8-15 digits, the first not 0;
// otherwise an Italian reason that does not repeat the number.
std::string phone_number_problem(std::string_view number);

// How many SMS parts `text` (UTF-8) takes. All characters in the GSM 03.38 default alphabet
// (Italian à è é ì ò ù included; not È) or its extension table (€ [ ] { } \ ^ ~ | and form
// feed, two septets each): 160 septets in one part, 153 per part when split. Otherwise UCS-2:
// 70 UTF-16 units in one part, 67 per part. A two-septet character or a surrogate pair is never
// split across parts, as handsets require. 0 for the empty text.
std::size_t sms_segments(std::string_view text);

}  // namespace au::channels
