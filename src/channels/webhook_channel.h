// The webhook channel: a notification POSTed to a person's or a business's own HTTPS endpoint,
// signed like the practice-event webhooks (Standard Webhooks, practices/webhooks.h).
//
// Request: POST n.address, Content-Type application/json, body n.body (a JSON document) and
//   Webhook-Id: n.idempotency_key (stable across retries: receivers dedupe on it)
//   Webhook-Timestamp: now, in seconds since the Unix epoch
//   Webhook-Signature: "v1,<base64 HMAC-SHA256(key of n.secret, id.timestamp.body)>"
// Receivers check it with WebhookSigner::verify (or any Standard Webhooks library).
// Delivery is AT LEAST ONCE: a retry after a crash sends the same Webhook-Id again.
//
// Outcomes (reasons in Italian, without the URL or the body), as GOV.UK Notify treats callbacks:
// only an answer that says the endpoint does not exist condemns the address.
//   URL refused by webhook_url_problem                 Permanent, no request
//   host on an internal address (not allowed)          Permanent, no connection
//   secret not base64url, empty key or body not JSON   Technical, no request
//   2xx                                                Delivered
//   404 Not Found, 410 Gone                            Permanent
//   429 and 503 (Retry-After honoured), other 5xx,     Temporary: the receiver's own trouble, which
//   408, other 4xx, 3xx (redirects are not followed),  its owner can fix; the notify layer's
//   no answer within timeout_ms, refused               max attempts bound the retries
#pragma once

#include "channels/channel.h"

namespace au::channels {

struct WebhookChannelSettings {
  long timeout_ms = 10000;
  // People type these URLs: by default only public addresses are contacted (no loopback,
  // private network or metadata service, checked after DNS: web/public_address.h). Tests and the
  // demo, whose receivers listen on 127.0.0.1, turn it off (AU_NOTIFY_WEBHOOK_PRIVATE_NETWORKS=1).
  bool allow_private_networks = false;
};

class WebhookChannel : public Channel {
 public:
  explicit WebhookChannel(WebhookChannelSettings settings = {});
  // n.address = URL, n.body = JSON, n.secret = signing secret, n.idempotency_key = Webhook-Id.
  SendResult send(const OutgoingNotification& n) override;

 private:
  WebhookChannelSettings settings_;
};

// Never nullptr: the channel needs no configuration besides its timeout.
ChannelFactory webhook_channel_factory(WebhookChannelSettings settings = {});

}  // namespace au::channels
