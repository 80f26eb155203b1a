// A delivery channel: hands one rendered notification to a provider (an SMTP server, App IO,
// an SMS gateway, a webhook receiver) and says what came of it.
//
// Contract:
// - send() blocks for at most the channel's timeout and never throws: every failure is an
//   outcome with a short reason (Italian, for the person's and the operator's pages), which
//   never contains the address, the content or a secret.
// - Outcomes follow GOV.UK Notify: Delivered (the provider accepted it), TemporaryFailure (try
//   again later: the provider is down, busy, rate-limited; retry_after_seconds > 0 when it said
//   when), PermanentFailure (the address cannot receive: a bounce, not on App IO, opted out;
//   the address gets flagged), TechnicalFailure (our side: content the provider refuses,
//   a wrong key or configuration; retrying the same bytes would not help).
// - A Channel object is used by ONE thread at a time (it may keep a connection open between
//   sends): each worker thread makes its own through a ChannelFactory.
// - idempotency_key is stable across retries of the same notification; channels whose provider
//   accepts one send it (SMS gateway, webhooks: Webhook-Id), so a retry after a crash delivers
//   at most one copy there.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace au::channels {

enum class SendOutcome { Delivered, TemporaryFailure, PermanentFailure, TechnicalFailure };

struct SendResult {
  SendOutcome outcome = SendOutcome::TechnicalFailure;
  std::string reason;        // empty when delivered
  std::string provider_ref;  // the provider's id of the message, when it gives one
  int retry_after_seconds = 0;
};

struct OutgoingNotification {
  long long id = 0;
  std::string channel;          // email, io, sms, webhook
  std::string address;          // email address, fiscal code (io), E.164 number (sms), URL (webhook)
  std::string idempotency_key;  // "au-<notification id>-<random>", stable across retries
  std::string subject;          // email, io
  std::string body;             // markdown (email text part, io), plain text (sms), JSON (webhook)
  std::string html;             // email HTML part (complete document)
  std::string due_date;         // io: ISO 8601 UTC timestamp, "" when none
  std::string unsubscribe_url;  // email: one-click unsubscribe (RFC 8058), "" when none
  std::string secret;           // webhook: signing secret (base64url)
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual SendResult send(const OutgoingNotification& n) = 0;
};

// Makes a fresh channel for the calling thread; nullptr when the channel is not configured.
using ChannelFactory = std::function<std::unique_ptr<Channel>()>;

}  // namespace au::channels
