// The App IO channel: a message to a citizen's IO app through the "IO API for Public
// Administration Services" (pagopa/io-functions-services openapi v4; standards/italia.md §5).
//
// One send() is two requests, authenticated by the service key in Ocp-Apim-Subscription-Key:
//   1. POST {base_url}/profiles {"fiscal_code"} -> 200 LimitedProfile. The spec says the sender
//      MUST check that the profile exists and that sender_allowed is true before sending.
//   2. POST {base_url}/messages {"fiscal_code", "content": {"subject", "markdown", "due_date"?}}
//      -> 201 {"id"} + Location. Delivered, provider_ref = IO's message id.
// The fiscal code travels in bodies, never in URLs (proxies and access logs keep URLs).
// The two requests share one deadline of timeout_ms: send() never blocks longer than that.
//
// Outcomes (reasons in Italian, without the fiscal code or the content):
//   fiscal code not of IO's FiscalCode pattern          Permanent, no request
//   subject/markdown outside IO's limits (io_message.h)  Technical with that reason, no request
//   due_date not "YYYY-MM-DDTHH:MM:SS[.fff]Z"            Technical, no request
//   profile 404 (or message 404)                         Permanent "il destinatario non usa App IO"
//   sender_allowed false                                 Permanent "il destinatario ha disattivato i
//                                                        messaggi di questo servizio su App IO"
//   401, or 403 on the profile check                     Technical "chiave del servizio App IO non valida"
//   403 on the message (key valid: the profile check     Technical: IO refuses this service for this
//     passed; a service still in test mode)              recipient; IO's title/detail in the reason
//   400 (ProblemJson)                                    Technical, IO's detail/title (values hidden,
//                                                        200 characters at most) in the reason
//   429                                                  Temporary, retry_after_seconds from Retry-After
//   5xx, other statuses, no answer, timeout, refused     Temporary
//   2xx without an id                                    Delivered, id from Location if any
// IO takes no idempotency key: a retry after a crash between IO's 201 and our bookkeeping sends
// the message again. Delivery on this channel is AT LEAST ONCE.
#pragma once

#include <string>
#include <string_view>

#include "channels/channel.h"

namespace au::channels {

struct IoSettings {
  std::string base_url;  // "https://api.io.pagopa.it/api/v1", or the fake's "http://127.0.0.1:PORT/api/v1"
  std::string api_key;   // the service's subscription key
  long timeout_ms = 10000;
};

class IoChannel : public Channel {
 public:
  explicit IoChannel(IoSettings settings);
  // n.address = fiscal code, n.subject, n.body = markdown, n.due_date ("" = none).
  SendResult send(const OutgoingNotification& n) override;

 private:
  IoSettings settings_;
};

// nullptr from the factory when base_url or api_key is empty (the channel is not configured).
ChannelFactory io_channel_factory(IoSettings settings);

// "" when `code` matches IO's FiscalCode pattern
// ^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$
// (16 upper-case characters; the check character is not verified, as IO does not); otherwise
// an Italian reason that does not repeat the code.
std::string io_fiscal_code_problem(std::string_view code);

}  // namespace au::channels
