#include "practices/webhooks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <stdexcept>

#include "domain/practice_projection.h"
#include "identity/crypto.h"
#include "web/http_client.h"

namespace au::practices {

using Clock = std::chrono::system_clock;

namespace {

std::string mac_of(const std::string& key, std::string_view id, std::string_view timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return "v1," + identity::base64_encode(identity::hmac_sha256_raw(key, content));
}

std::string key_of(const std::string& secret) {
  auto key = identity::base64url_decode(secret);
  if (!key || key->empty()) throw std::invalid_argument("segreto del webhook non valido");
  return *key;
}

bool digits_only(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// --- signing -----------------------------------------------------------------------------------

WebhookSigner::WebhookSigner(const std::string& secret) : key_(key_of(secret)) {}

std::string WebhookSigner::signature(std::string_view id, std::int64_t timestamp, std::string_view body) const {
  return mac_of(key_, id, std::to_string(timestamp), body);
}

std::vector<std::pair<std::string, std::string>> WebhookSigner::headers(std::string_view id, std::int64_t timestamp,
                                                                        std::string_view body) const {
  return {{"Webhook-Id", std::string(id)},
          {"Webhook-Timestamp", std::to_string(timestamp)},
          {"Webhook-Signature", signature(id, timestamp, body)}};
}

bool WebhookSigner::verify(const std::string& secret, std::string_view id, std::string_view timestamp,
                           std::string_view body, std::string_view signature_header, std::int64_t now_seconds,
                           std::int64_t tolerance_seconds) {
  // An old (or future) timestamp is refused before any MAC: replays of captured requests fail.
  if (!digits_only(timestamp) || timestamp.size() > 12) return false;
  std::int64_t ts = std::stoll(std::string(timestamp));
  if (ts < now_seconds - tolerance_seconds || ts > now_seconds + tolerance_seconds) return false;
  std::string key;
  try {
    key = key_of(secret);
  } catch (const std::invalid_argument&) {
    return false;
  }
  // The MAC covers the timestamp text as received, so it cannot be re-encoded by an attacker.
  const std::string expected = mac_of(key, id, timestamp, body);
  bool ok = false;
  std::size_t start = 0;
  while (start <= signature_header.size()) {
    std::size_t space = signature_header.find(' ', start);
    std::string_view one = signature_header.substr(start, space == std::string_view::npos ? std::string_view::npos
                                                                                          : space - start);
    if (one.rfind("v1,", 0) == 0 && identity::constant_time_equal(one, expected)) ok = true;  // no early exit
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return ok;
}

// --- subscriptions -----------------------------------------------------------------------------

std::string webhook_url_problem(const std::string& url) {
  if (url.empty()) return "L'indirizzo del webhook è obbligatorio.";
  if (url.size() > 2000) return "L'indirizzo del webhook supera i 2000 caratteri.";
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7F) return "L'indirizzo contiene spazi o caratteri non ammessi: usa la codifica percentuale.";
  const bool https = lower(url.substr(0, 8)) == "https://";
  const bool http = lower(url.substr(0, 7)) == "http://";
  if (!https && !http) return "L'indirizzo del webhook deve iniziare con https://.";
  if (url.find('#') != std::string::npos) return "L'indirizzo del webhook non può contenere un frammento (#).";
  std::string rest = url.substr(https ? 8 : 7);
  std::string authority = rest.substr(0, rest.find_first_of("/?"));
  // "http://localhost@example.org" would reach example.org: credentials are refused outright.
  if (authority.find('@') != std::string::npos) return "L'indirizzo del webhook non può contenere credenziali.";
  std::string host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return "L'host dell'indirizzo non è valido.";
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "L'host dell'indirizzo non è valido.";
      port = authority.substr(close + 2);
      if (port.empty()) return "La porta dell'indirizzo non è valida.";
    }
  } else if (auto colon = authority.find(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return "La porta dell'indirizzo non è valida.";
  }
  if (host.empty()) return "Manca l'host nell'indirizzo del webhook.";
  if (!port.empty() && (!digits_only(port) || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535))
    return "La porta dell'indirizzo non è valida.";
  if (http && host != "127.0.0.1" && lower(host) != "localhost")
    return "http:// è ammesso solo verso 127.0.0.1 o localhost (prove): usa https://.";
  return "";
}

std::string event_type_problem(const std::string& type) {
  const std::string prefix(domain::kPracticeEventPrefix);
  if (type.rfind(prefix, 0) != 0)
    return "Il tipo di evento deve iniziare con \"" + prefix + "\".";
  std::string tail = type.substr(prefix.size());
  if (tail.empty() || tail.size() > 100) return "Manca il nome del tipo di evento dopo il prefisso.";
  for (char c : tail)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
      return "Il tipo di evento ammette solo lettere minuscole, cifre, punto e trattino.";
  return "";
}

std::string ente_id_problem(const std::string& ente) {
  if (ente.empty() || ente.size() > 100) return "L'ente deve essere un identificativo di 1-100 caratteri.";
  for (char c : ente)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return "L'ente ammette solo lettere minuscole, cifre e trattino (per esempio comune-054039).";
  if (ente.front() == '-' || ente.back() == '-') return "L'ente non può iniziare o finire con un trattino.";
  return "";
}

store::WebhookSubscription create_subscription(store::Database& db, const SubscriptionRequest& r,
                                               const std::string& now) {
  store::WebhookSubscription w;
  w.id = "wh-" + identity::random_token(16);
  w.owner_kind = r.owner_kind;
  w.owner_id = r.owner_id;
  w.url = r.url;
  w.secret = identity::base64url_encode(identity::random_bytes(32));
  w.ente_filter = r.ente_filter;
  for (const auto& t : r.event_types)
    if (std::find(w.event_types.begin(), w.event_types.end(), t) == w.event_types.end()) w.event_types.push_back(t);
  w.active = true;
  w.created_at = now;
  store::insert_webhook_subscription(db, w);
  return w;
}

// --- the dispatcher ----------------------------------------------------------------------------

WebhookDispatcher::WebhookDispatcher(store::Database& db, WebhookSettings settings)
    : db_(db), settings_(settings) {
  // A lease shorter than a request would let a second dispatcher send while the first waits.
  if (settings_.lease <= settings_.timeout) settings_.lease = settings_.timeout + std::chrono::seconds(60);
  if (settings_.batch_size == 0) settings_.batch_size = 1;
  if (settings_.max_attempts < 1) settings_.max_attempts = 1;
}

WebhookDispatcher::~WebhookDispatcher() { stop(); }

void WebhookDispatcher::start() {
  if (!threads_.empty()) return;
  stopping_ = false;
  for (unsigned i = 0; i < std::max(1u, settings_.threads); ++i) threads_.emplace_back([this] { loop(); });
}

void WebhookDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  stopping_ = false;  // run_once() may still be used synchronously (CLI) after a stop
}

void WebhookDispatcher::wake() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  cv_.notify_all();
}

void WebhookDispatcher::loop() {
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      seen = generation_;
    }
    WebhookRunStats stats;
    try {
      stats = run_once(Clock::now());
    } catch (const std::exception& e) {
      // Database trouble: what was claimed comes back when its lease expires.
      spdlog::error("webhook: ciclo del dispatcher non riuscito: {}", e.what());
    }
    if (stopping_) break;
    if (stats.claimed() >= static_cast<int>(settings_.batch_size)) continue;  // more may be due
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, settings_.poll_interval, [&] { return stopping_.load() || generation_ != seen; });
  }
}

std::chrono::milliseconds WebhookDispatcher::backoff(int attempts) const {
  const long long cap = std::max<long long>(0, settings_.backoff_cap.count());
  long long ceiling = std::min(cap, std::max<long long>(0, settings_.backoff_base.count()));
  for (int i = 0; i < attempts && ceiling > 0 && ceiling < cap; ++i) ceiling = std::min(cap, ceiling * 2);
  // Jitter spreads retries of many receivers that failed together; it needs no CSPRNG.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::chrono::milliseconds(std::uniform_int_distribution<long long>(0, ceiling)(rng));
}

WebhookRunStats WebhookDispatcher::run_once(Clock::time_point now) {
  const auto started = std::chrono::steady_clock::now();
  auto clock = [&] {
    return now + std::chrono::duration_cast<Clock::duration>(std::chrono::steady_clock::now() - started);
  };
  WebhookRunStats stats;
  auto claimed = store::claim_due_webhook_deliveries(db_, store::webhook_time(now),
                                                     store::webhook_time(now + settings_.lease), settings_.batch_size);
  for (const auto& d : claimed) {
    if (stopping_) {
      store::release_webhook_lease(db_, d);
      ++stats.released;
      continue;
    }
    try {
      switch (send(d, clock)) {
        case Outcome::Delivered: ++stats.delivered; break;
        case Outcome::Retrying: ++stats.retrying; break;
        case Outcome::Dead: ++stats.dead; break;
      }
    } catch (const std::exception& e) {
      // The outcome could not be stored: the lease expires and the delivery is sent again.
      spdlog::error("webhook: esito della consegna {} non registrato: {}", d.id, e.what());
    }
  }
  return stats;
}

WebhookDispatcher::Outcome WebhookDispatcher::send(const store::ClaimedDelivery& d,
                                                   const std::function<Clock::time_point()>& clock) {
  const int attempt = d.attempts + 1;
  auto fail = [&](int http_status, const std::string& error, bool permanent) {
    const bool dead = permanent || attempt >= settings_.max_attempts;
    const auto t = clock();
    const std::string next = store::webhook_time(dead ? t : t + backoff(d.attempts));
    if (!store::mark_webhook_failed(db_, d, http_status, error, next, dead, store::webhook_time(t)))
      spdlog::warn("webhook: consegna {} ripresa da un altro dispatcher (lease scaduto)", d.id);
    if (dead)
      spdlog::warn("webhook: consegna {} (sottoscrizione {}) abbandonata dopo {} tentativi: {}", d.id,
                   d.subscription_id, attempt, error);
    else
      spdlog::info("webhook: consegna {} (sottoscrizione {}) non riuscita al tentativo {}: {}", d.id,
                   d.subscription_id, attempt, error);
    return dead ? Outcome::Dead : Outcome::Retrying;
  };
  if (!d.document) return fail(0, "evento non trovato", true);
  // A revocation is immediate for the API; so it is for what was queued before it.
  if (d.owner_revoked) return fail(0, "applicazione revocata", true);
  std::optional<WebhookSigner> signer;
  try {
    signer.emplace(d.secret);
  } catch (const std::invalid_argument&) {
    return fail(0, "segreto della sottoscrizione non valido", true);
  }
  web::OutboundRequest req;
  req.method = "POST";
  req.url = d.url;
  req.body = *d.document;
  req.timeout_ms = static_cast<long>(std::max<long long>(1, settings_.timeout.count()));
  req.max_body_bytes = 1024;  // the answer's body is not used (nor stored)
  const auto unix_now =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  req.headers = {{"Content-Type", "application/cloudevents+json"}, {"User-Agent", "AccessoUnico-Webhook/1.0"}};
  for (auto& h : signer->headers(std::to_string(d.id), unix_now, req.body)) req.headers.push_back(std::move(h));
  const web::OutboundResponse resp = web::http_send(req);
  if (resp.status >= 200 && resp.status < 300) {
    if (!store::mark_webhook_delivered(db_, d, static_cast<int>(resp.status), store::webhook_time(clock())))
      spdlog::warn("webhook: consegna {} ripresa da un altro dispatcher (lease scaduto)", d.id);
    spdlog::debug("webhook: consegna {} (sottoscrizione {}) riuscita al tentativo {}", d.id, d.subscription_id, attempt);
    return Outcome::Delivered;
  }
  if (resp.status == 0) return fail(0, "nessuna risposta: " + resp.error, false);
  return fail(static_cast<int>(resp.status), "risposta HTTP " + std::to_string(resp.status), false);
}

}  // namespace au::practices
