// What the HTTP channels (App IO, SMS gateway, webhooks) share when they turn a provider's
// answer into a SendResult: building outcomes, reading Retry-After, naming a transport failure,
// and cutting a provider's own words down to a reason we may show.
//
// Contract: no I/O; only unix_now() reads the clock.
// Every reason built here is Italian and never carries the URL, the address or the content.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/channel.h"
#include "web/http.h"
#include "web/http_client.h"

namespace au::channels {

SendResult delivered(std::string provider_ref = "");
SendResult temporary_failure(std::string reason, int retry_after_seconds = 0);
SendResult permanent_failure(std::string reason);
SendResult technical_failure(std::string reason);

// Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (compared with
// now_seconds). 0 when the header is absent, malformed or in the past; capped at one day so a
// confused provider cannot park a notification for weeks.
int retry_after_seconds(const web::Headers& headers, std::int64_t now_seconds);

// Seconds since the Unix epoch, for the function above and for signatures.
std::int64_t unix_now();

// A TemporaryFailure for a request that got no HTTP answer (status 0): "<provider> non ha
// risposto entro il tempo massimo" or "<provider> non raggiungibile". curl's own message is
// not copied: it is English and may name the host.
SendResult transport_failure(std::string_view provider, const web::OutboundResponse& response);

// At most `max_code_points` code points of `text` (cut on a UTF-8 boundary, "…" appended when
// cut), control characters turned into spaces, and every double-quoted JSON-style string
// ("...", escapes honoured) replaced by "…": providers echo the rejected values in their
// error details (IO's validator prints `value "<the subject>" at root.content.subject ...`),
// and a reason must not carry the content or the address.
std::string provider_words(std::string_view text, std::size_t max_code_points = 200);

}  // namespace au::channels
