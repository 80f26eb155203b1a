#include "notify/subscriptions.h"

#include <cctype>

#include "channels/email_message.h"
#include "channels/sms_channel.h"
#include "domain/delivery_policy.h"
#include "identity/crypto.h"
#include "practices/webhooks.h"
#include "store/notification_repository.h"

namespace au::notify {

using nlohmann::json;

namespace {

const char* const kSwitchableChannels[] = {"email", "io", "sms", "webhook"};

bool switchable(const std::string& c) {
  for (const char* s : kSwitchableChannels)
    if (c == s) return true;
  return false;
}

// {"email": true, ...} at `path`: every member a known channel with a boolean.
void parse_switches(const json& j, const std::string& path, const std::string& service,
                    std::vector<domain::FieldError>& errors, std::vector<store::Preference>& out) {
  if (!j.is_object()) {
    errors.push_back({path, "serve un oggetto con i canali (email, io, sms, webhook) e true o false"});
    return;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!switchable(it.key())) {
      errors.push_back({path + "/" + domain::json_pointer_token(it.key()), "canale sconosciuto: usa email, io, sms o webhook (l'area personale "
                                               "non si può disattivare)"});
    } else if (!it->is_boolean()) {
      errors.push_back({path + "/" + domain::json_pointer_token(it.key()), "serve true o false"});
    } else {
      out.push_back({service, it.key(), it->get<bool>()});
    }
  }
}

std::optional<std::string> contact_value(const json& contacts, const char* name, const std::string& path,
                                         std::vector<domain::FieldError>& errors) {
  auto it = contacts.find(name);
  if (it == contacts.end()) return std::nullopt;
  if (it->is_null()) return std::string();
  if (!it->is_string()) {
    errors.push_back({path + "/" + name, "serve un testo, oppure null per rimuoverlo"});
    return std::nullopt;
  }
  return it->get<std::string>();
}

bool token_shape(const std::string& t, std::size_t n) {
  if (t.size() != n) return false;
  for (unsigned char c : t)
    if (!std::isalnum(c)) return false;
  return true;
}

}  // namespace

PreferencesView load_preferences(store::Database& db, const std::string& subject) {
  PreferencesView v;
  auto profile = store::recipient_profile(db, subject);
  v.login_email = profile.login_email;
  v.contacts = profile.contacts;
  for (auto& c : v.contacts) c.secret.clear();
  v.preferences = profile.preferences;
  v.quiet = profile.quiet;
  v.calendar_since = store::live_calendar_feed_since(db, subject);
  return v;
}

json preferences_json(const PreferencesView& v) {
  json contacts = {{"email", nullptr}, {"sms", nullptr}, {"webhook", nullptr}};
  json invalid = json::object();
  for (const auto& c : v.contacts) {
    contacts[c.channel] = c.address;
    if (!c.invalid_at.empty()) invalid[c.channel] = {{"since", c.invalid_at}, {"reason", c.invalid_reason}};
  }
  if (contacts["email"].is_null() && !v.login_email.empty()) contacts["email"] = v.login_email;
  json channels = {{"email", true}, {"io", true}, {"sms", true}, {"webhook", true}};
  json services = json::object();
  for (const auto& p : v.preferences) {
    if (p.service_id.empty()) channels[p.channel] = p.enabled;
    else services[p.service_id][p.channel] = p.enabled;
  }
  json j = {{"contacts", contacts}, {"invalid_contacts", invalid}, {"channels", channels}, {"services", services}};
  j["quiet_hours"] = v.quiet.quiet_start.empty() ? json(nullptr)
                                                 : json{{"start", v.quiet.quiet_start}, {"end", v.quiet.quiet_end}};
  j["daily_digest"] = v.quiet.daily_digest;
  j["calendar_feed_since"] = v.calendar_since.empty() ? json(nullptr) : json(v.calendar_since);
  return j;
}

std::vector<domain::FieldError> parse_preferences_update(const json& body, const domain::CatalogSnapshot* catalog,
                                                         PreferencesUpdate& out) {
  std::vector<domain::FieldError> errors;
  if (!body.is_object()) {
    errors.push_back({"", "serve un oggetto JSON con contacts, channels, services o quiet_hours"});
    return errors;
  }
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "contacts" && it.key() != "channels" && it.key() != "services" && it.key() != "quiet_hours" &&
        it.key() != "daily_digest")
      errors.push_back({"/" + domain::json_pointer_token(it.key()),
                        "membro sconosciuto: usa contacts, channels, services, quiet_hours o daily_digest"});
  if (auto it = body.find("daily_digest"); it != body.end()) {
    if (it->is_boolean()) out.daily_digest = it->get<bool>();
    else errors.push_back({"/daily_digest", "serve true o false"});
  }
  if (auto it = body.find("contacts"); it != body.end()) {
    if (!it->is_object()) {
      errors.push_back({"/contacts", "serve un oggetto con email, sms o webhook"});
    } else {
      for (auto c = it->begin(); c != it->end(); ++c)
        if (c.key() != "email" && c.key() != "sms" && c.key() != "webhook")
          errors.push_back({"/contacts/" + domain::json_pointer_token(c.key()), "contatto sconosciuto: usa email, sms o webhook"});
      out.email = contact_value(*it, "email", "/contacts", errors);
      out.sms = contact_value(*it, "sms", "/contacts", errors);
      out.webhook = contact_value(*it, "webhook", "/contacts", errors);
      if (out.email && !out.email->empty())
        if (auto p = channels::email_address_problem(*out.email); !p.empty()) errors.push_back({"/contacts/email", p});
      if (out.sms && !out.sms->empty())
        if (auto p = channels::phone_number_problem(*out.sms); !p.empty()) errors.push_back({"/contacts/sms", p});
      if (out.webhook && !out.webhook->empty())
        if (auto p = practices::webhook_url_problem(*out.webhook); !p.empty())
          errors.push_back({"/contacts/webhook", p});
    }
  }
  if (auto it = body.find("channels"); it != body.end()) parse_switches(*it, "/channels", "", errors, out.switches);
  if (auto it = body.find("services"); it != body.end()) {
    if (!it->is_object()) {
      errors.push_back({"/services", "serve un oggetto: identificativo del servizio -> canali"});
    } else {
      if (it->size() > 200) errors.push_back({"/services", "al massimo 200 servizi per richiesta"});
      for (auto s = it->begin(); s != it->end(); ++s) {
        const std::string path = "/services/" + domain::json_pointer_token(s.key());
        if (catalog && catalog->service_by_id(s.key()) == nullptr)
          errors.push_back({path, "servizio sconosciuto nel catalogo"});
        else
          parse_switches(*s, path, s.key(), errors, out.switches);
      }
    }
  }
  if (auto it = body.find("quiet_hours"); it != body.end()) {
    if (it->is_null()) {
      out.quiet = store::QuietSettings{};
    } else if (!it->is_object() || !it->contains("start") || !it->contains("end") || !it->at("start").is_string() ||
               !it->at("end").is_string()) {
      errors.push_back({"/quiet_hours", "serve {\"start\": \"HH:MM\", \"end\": \"HH:MM\"} oppure null"});
    } else {
      store::QuietSettings q{it->at("start").get<std::string>(), it->at("end").get<std::string>()};
      if (!domain::parse_quiet_hours(q.quiet_start, q.quiet_end))
        errors.push_back({"/quiet_hours", "orari non validi: due orari HH:MM diversi (es. 22:00 e 07:00)"});
      else
        out.quiet = q;
    }
  }
  return errors;
}

std::string apply_preferences(store::Database& db, const std::string& subject, const PreferencesUpdate& u,
                              const std::string& now) {
  std::string secret;
  auto set_contact = [&](const char* channel, const std::optional<std::string>& value) {
    if (!value) return;
    if (value->empty()) {
      store::delete_contact(db, subject, channel);
      return;
    }
    store::Contact c{subject, channel, *value, "", "", "", now};
    if (std::string(channel) == "webhook") c.secret = secret = identity::base64url_encode(identity::random_bytes(32));
    store::upsert_contact(db, c);
  };
  set_contact("email", u.email);
  set_contact("sms", u.sms);
  set_contact("webhook", u.webhook);
  const std::string at = store::webhook_time(now);
  for (const auto& p : u.switches) {
    store::set_preference(db, subject, p, now);
    if (!p.enabled) store::cancel_pending_deliveries(db, subject, p.service_id, p.channel, "disattivato dalla persona", at);
  }
  if (u.quiet || u.daily_digest) {
    store::QuietSettings q = store::quiet_settings_of(db, subject);
    if (u.quiet) {
      q.quiet_start = u.quiet->quiet_start;
      q.quiet_end = u.quiet->quiet_end;
    }
    if (u.daily_digest) q.daily_digest = *u.daily_digest;
    store::set_quiet_settings(db, subject, q, now);
  }
  return secret;
}

std::optional<store::UnsubscribeTarget> unsubscribe_target(store::Database& db, const std::string& token) {
  if (!token_shape(token, 32)) return std::nullopt;
  return store::find_unsubscribe_target(db, token);
}

bool unsubscribe(store::Database& db, const std::string& token, const std::string& now) {
  auto target = unsubscribe_target(db, token);
  if (!target) return false;
  store::set_preference(db, target->recipient, {target->service_id, "email", false}, now);
  store::cancel_pending_deliveries(db, target->recipient, target->service_id, "email", "disiscrizione",
                                   store::webhook_time(now));
  return true;
}

std::string new_calendar_token(store::Database& db, const std::string& subject, const std::string& now) {
  const std::string token = identity::random_token(32);
  store::replace_calendar_feed(db, subject, identity::sha256_hex(token), now);
  return token;
}

std::optional<std::string> calendar_token_subject(store::Database& db, const std::string& token) {
  if (!token_shape(token, 32)) return std::nullopt;
  return store::calendar_feed_subject(db, identity::sha256_hex(token));
}

}  // namespace au::notify
