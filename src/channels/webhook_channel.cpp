#include "channels/webhook_channel.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <utility>

#include "channels/http_outcome.h"
#include "practices/webhooks.h"
#include "web/http_client.h"

namespace au::channels {

namespace {
constexpr const char* kProvider = "il webhook";
}  // namespace

WebhookChannel::WebhookChannel(WebhookChannelSettings settings) : settings_(settings) {}

SendResult WebhookChannel::send(const OutgoingNotification& n) {
  if (std::string p = practices::webhook_url_problem(n.address); !p.empty()) return permanent_failure(p);
  if (n.idempotency_key.empty()) return technical_failure("manca l'identificativo della consegna (Webhook-Id)");
  if (!nlohmann::json::accept(n.body)) return technical_failure("il contenuto del webhook non è un documento JSON");
  std::optional<practices::WebhookSigner> signer;
  try {
    signer.emplace(n.secret);
  } catch (const std::exception&) {  // std::invalid_argument for a malformed secret
    return technical_failure("il segreto di firma del webhook non è valido");
  }

  web::OutboundRequest req;
  req.method = "POST";
  req.url = n.address;
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "AccessoUnico-Webhook/1.0"}};
  for (auto& h : signer->headers(n.idempotency_key, unix_now(), n.body)) req.headers.push_back(std::move(h));
  req.body = n.body;
  req.timeout_ms = settings_.timeout_ms;
  req.max_body_bytes = 16 * 1024;  // the answer is only looked at for its status
  req.public_addresses_only = !settings_.allow_private_networks;
  const web::OutboundResponse r = web::http_send(req);

  if (r.refused_address)
    return permanent_failure("l'indirizzo del webhook porta a una rete interna: non viene contattato");
  if (r.status == 0) return transport_failure(kProvider, r);
  if (r.status >= 200 && r.status < 300) return delivered();
  const std::string status = " (" + std::to_string(r.status) + ")";
  if (r.status == 404 || r.status == 410) return permanent_failure("l'indirizzo del webhook non esiste più" + status);
  if (r.status == 429 || r.status == 503)
    return temporary_failure("il webhook chiede di riprovare più tardi" + status,
                             retry_after_seconds(r.headers, unix_now()));
  if (r.status >= 300 && r.status < 400)
    return temporary_failure("il webhook risponde con un reindirizzamento, che non viene seguito" + status);
  if (r.status >= 500) return temporary_failure("il webhook non è disponibile" + status);
  return temporary_failure("il webhook ha rifiutato la notifica" + status);
}

ChannelFactory webhook_channel_factory(WebhookChannelSettings settings) {
  return [settings]() -> std::unique_ptr<Channel> { return std::make_unique<WebhookChannel>(settings); };
}

}  // namespace au::channels
