#include "notify/bulk_send.h"

#include <soci/soci.h>

#include <set>

#include "domain/fiscal_code.h"
#include "domain/io_message.h"
#include "domain/utc_time.h"
#include "identity/crypto.h"
#include "store/webhook_repository.h"

namespace au::notify {

using nlohmann::json;

namespace {

bool has_control_characters(const std::string& s, bool allow_newlines) {
  for (unsigned char c : s)
    if ((c < 0x20 && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f) return true;
  return false;
}

}  // namespace

std::vector<domain::FieldError> parse_bulk_request(const json& body, const domain::CatalogSnapshot* catalog,
                                                   std::int64_t now_ms, BulkRequest& out) {
  std::vector<domain::FieldError> errors;
  if (!body.is_object()) {
    errors.push_back({"", "serve un oggetto JSON con recipients, subject e text"});
    return errors;
  }
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "recipients" && it.key() != "subject" && it.key() != "text" && it.key() != "service_id" &&
        it.key() != "send_at")
      errors.push_back({"/" + domain::json_pointer_token(it.key()), "membro sconosciuto: usa recipients, subject, text, service_id, send_at"});
  auto recipients = body.find("recipients");
  if (recipients == body.end() || !recipients->is_array() || recipients->empty()) {
    errors.push_back({"/recipients", "serve un elenco di codici fiscali o partite IVA (da 1 a 1000)"});
  } else if (recipients->size() > kMaxBulkRecipients) {
    errors.push_back({"/recipients", "al massimo 1000 destinatari per invio: dividi l'elenco"});
  } else {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < recipients->size(); ++i) {
      const auto& r = (*recipients)[i];
      const std::string path = "/recipients/" + std::to_string(i);
      if (!r.is_string() || r.get<std::string>().size() > 32) {
        errors.push_back({path, "serve un codice fiscale o una partita IVA"});
        continue;
      }
      const std::string code = domain::normalize_fiscal_code(r.get<std::string>());
      if (!domain::valid_personal_fiscal_code(code) && !domain::valid_partita_iva(code)) {
        errors.push_back({path, "codice fiscale o partita IVA non valido (controlla il carattere di controllo)"});
        continue;
      }
      if (seen.insert(code).second) out.recipients.push_back(code);
    }
  }
  auto text_member = [&](const char* name, std::size_t min, std::size_t max, bool newlines, std::string& into) {
    auto it = body.find(name);
    if (it == body.end() || !it->is_string()) {
      errors.push_back({std::string("/") + name, "serve un testo"});
      return;
    }
    into = it->get<std::string>();
    const auto n = domain::utf8_length(into);
    if (n < min || n > max)
      errors.push_back({std::string("/") + name, "deve avere da " + std::to_string(min) + " a " +
                                                     std::to_string(max) + " caratteri (ne ha " + std::to_string(n) +
                                                     ")"});
    else if (has_control_characters(into, newlines))
      errors.push_back({std::string("/") + name, "contiene caratteri di controllo non ammessi"});
  };
  text_member("subject", 10, 120, false, out.subject);
  text_member("text", 1, 5000, true, out.text);
  if (auto it = body.find("service_id"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || (catalog && catalog->service_by_id(it->get<std::string>()) == nullptr))
      errors.push_back({"/service_id", "servizio sconosciuto nel catalogo"});
    else
      out.service_id = it->get<std::string>();
  }
  if (auto it = body.find("send_at"); it != body.end() && !it->is_null()) {
    auto at = it->is_string() ? domain::parse_utc(it->get<std::string>()) : std::nullopt;
    if (!at) {
      errors.push_back({"/send_at", "serve un istante UTC nella forma 2026-12-01T08:00:00Z"});
    } else if (*at * 1000 < now_ms - 60'000) {
      errors.push_back({"/send_at", "l'istante è nel passato"});
    } else if (*at * 1000 > now_ms + 90LL * 86'400'000) {
      errors.push_back({"/send_at", "si può programmare al massimo 90 giorni avanti"});
    } else {
      out.send_at = it->get<std::string>();
    }
  }
  return errors;
}

store::BulkSend create_bulk_send(store::Database& db, const BulkRequest& r, const std::string& owner_kind,
                                 const std::string& owner_id, const std::string& author, const std::string& now) {
  store::BulkSend b;
  b.id = "inv-" + identity::random_token(16);
  b.owner_kind = owner_kind;
  b.owner_id = owner_id;
  b.author = author;
  b.service_id = r.service_id;
  b.subject = r.subject;
  b.body = r.text;
  b.send_at = r.send_at.empty() ? now : r.send_at;
  b.recipients = static_cast<long long>(r.recipients.size());
  b.status = "programmato";
  b.created_at = now;
  const json fields = {{"oggetto", r.subject}, {"testo", r.text}};
  auto s = db.acquire();
  soci::transaction tx(*s);
  store::insert_bulk_send(*s, b);
  {
    store::MessageInserter inserter(*s);
    store::NewMessage m;
    m.kind = "comunicazione";
    m.service_id = r.service_id;
    m.ente_id = owner_kind == "ente" ? owner_id : "";
    m.bulk_id = b.id;
    m.fields = fields.dump();
    m.send_at = store::webhook_time(b.send_at);
    m.created_at = now;
    for (const auto& who : r.recipients) {
      m.recipient = who;
      m.dedup_key = "invio:" + b.id + ":" + who;
      inserter.insert(m);
    }
  }
  tx.commit();
  return b;
}

json bulk_json(const store::BulkSend& b, const store::StatusCounts& counts) {
  json j = {{"id", b.id},           {"status", b.status},         {"subject", b.subject},
            {"send_at", b.send_at}, {"recipients", b.recipients}, {"created_at", b.created_at}};
  j["service_id"] = b.service_id.empty() ? json(nullptr) : json(b.service_id);
  j["cancelled_at"] = b.cancelled_at.empty() ? json(nullptr) : json(b.cancelled_at);
  json messages = json::object(), deliveries = json::object();
  for (const auto& [k, v] : counts.messages) messages[k] = v;
  for (const auto& [k, v] : counts.deliveries) deliveries[k] = v;
  j["messages"] = messages;
  j["deliveries"] = deliveries;
  return j;
}

}  // namespace au::notify
