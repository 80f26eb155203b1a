// Outbound webhooks of practice events: signing (Standard Webhooks), subscriptions, and the
// dispatcher that sends the outbox (store/webhook_repository.h).
//
// Contract for receivers (also in the developer documentation):
// - Each delivery is a POST of the event as accepted by the hub (CloudEvents 1.0 JSON,
//   Content-Type application/cloudevents+json) with three headers:
//     Webhook-Id: the delivery id (the same on every retry and redelivery of that delivery)
//     Webhook-Timestamp: seconds since the Unix epoch when this attempt was signed
//     Webhook-Signature: "v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>"
//   where key = the 32 bytes the subscription's secret encodes (the secret is base64url without
//   padding; a Standard Webhooks library takes "whsec_" + the same bytes in standard base64).
//   Receivers verify the signature in constant time over the raw body and reject timestamps
//   more than 5 minutes from their clock (WebhookSigner::verify does exactly this).
// - Any 2xx answer means delivered; anything else (3xx included: redirects are not followed)
//   or no answer within the timeout is a failure, retried with exponential backoff and full
//   jitter, up to max_attempts, then the delivery is dead (an owner may redeliver it).
// - Delivery is AT LEAST ONCE: if a dispatcher dies after the receiver got the request but
//   before the outcome was stored, the lease expires and the event is sent again. Receivers
//   must dedupe by Webhook-Id. Deliveries of different events are not ordered.
// Never logged: secrets, bodies, URLs (they may carry tokens); only ids, statuses, errors.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "store/database.h"
#include "store/webhook_repository.h"

namespace au::practices {

class WebhookSigner {
 public:
  // `secret` as shown to the owner (base64url). Throws std::invalid_argument otherwise.
  explicit WebhookSigner(const std::string& secret);
  // "v1,<base64>".
  std::string signature(std::string_view id, std::int64_t timestamp, std::string_view body) const;
  // Webhook-Id, Webhook-Timestamp, Webhook-Signature.
  std::vector<std::pair<std::string, std::string>> headers(std::string_view id, std::int64_t timestamp,
                                                           std::string_view body) const;
  // The receiver's check: `signature_header` may list several space-separated signatures
  // (during a secret rotation); true when one of the v1 ones matches and the timestamp is
  // within `tolerance_seconds` of now_seconds (either way).
  static bool verify(const std::string& secret, std::string_view id, std::string_view timestamp,
                     std::string_view body, std::string_view signature_header, std::int64_t now_seconds,
                     std::int64_t tolerance_seconds = 300);

 private:
  std::string key_;
};

// --- subscriptions -----------------------------------------------------------------------------

struct SubscriptionRequest {
  std::string owner_kind, owner_id, url, ente_filter;
  std::vector<std::string> event_types;
};

// An Italian message when the URL cannot receive webhooks, "" when it can: https://host...,
// or http:// only to 127.0.0.1 or localhost (tests, demo); at most 2000 characters, printable
// ASCII, no credentials, no fragment.
std::string webhook_url_problem(const std::string& url);
// An Italian message when the type is not a practice event type (domain::kPracticeEventPrefix
// followed by 1-100 characters of [a-z0-9.-]), "" when it is.
std::string event_type_problem(const std::string& type);
// An Italian message when the ente id is malformed ("comune-054039"), "" when it is fine.
std::string ente_id_problem(const std::string& ente);

// Stores a new subscription with id "wh-" + 16 random alphanumerics and a fresh secret (32
// random bytes, base64url) and returns it WITH the secret, to be shown once. The request must
// have been validated (functions above).
store::WebhookSubscription create_subscription(store::Database& db, const SubscriptionRequest& r,
                                               const std::string& now);

// --- the dispatcher ----------------------------------------------------------------------------

struct WebhookSettings {
  std::chrono::milliseconds timeout{10'000};          // per request
  std::chrono::milliseconds backoff_base{30'000};
  std::chrono::milliseconds backoff_cap{6 * 3600 * 1000};
  int max_attempts = 10;                              // then dead
  unsigned threads = 1;                               // start(): sending threads
  std::chrono::milliseconds poll_interval{1'000};     // an idle thread looks for due work this often
  std::chrono::milliseconds lease{0};                 // claim duration; at most timeout: timeout + 60 s
  std::size_t batch_size = 10;                        // deliveries claimed at once by a thread
};

struct WebhookRunStats {
  int delivered = 0, retrying = 0, dead = 0;
  int released = 0;  // claimed but given back because the dispatcher is stopping
  int claimed() const { return delivered + retrying + dead + released; }
};

class WebhookDispatcher {
 public:
  // Uses `db` from every thread: its pool needs one session per thread besides the others'.
  explicit WebhookDispatcher(store::Database& db, WebhookSettings settings = {});
  ~WebhookDispatcher();  // stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void start();
  // Wakes the threads and joins them. A thread in the middle of a request finishes that one
  // (bounded by the timeout) and gives back the rest of its batch.
  void stop();
  // Tells idle threads that new deliveries may be due (the ingest calls it after a commit).
  void wake();

  // Claims and sends, on the calling thread, what is due at `now` (one batch of at most
  // batch_size). Retry times are computed from `now` (plus the time spent sending), so tests
  // can step a synthetic clock; Webhook-Timestamp is always the real clock.
  WebhookRunStats run_once(std::chrono::system_clock::time_point now);

  // A random delay in [0, min(cap, base * 2^attempts)] (full jitter), attempts = failed so far.
  std::chrono::milliseconds backoff(int attempts) const;
  const WebhookSettings& settings() const { return settings_; }

 private:
  enum class Outcome { Delivered, Retrying, Dead };
  Outcome send(const store::ClaimedDelivery& d, const std::function<std::chrono::system_clock::time_point()>& clock);
  void loop();

  store::Database& db_;
  WebhookSettings settings_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;      // bumped by wake(); guarded by mutex_
  std::atomic<bool> stopping_{false};
};

}  // namespace au::practices
