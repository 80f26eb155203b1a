#include "app/notification_commands.h"

#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/application.h"
#include "channels/email_message.h"
#include "channels/sms_channel.h"
#include "domain/delivery_policy.h"
#include "domain/fiscal_code.h"
#include "identity/crypto.h"
#include "practices/webhooks.h"
#include "store/notification_settings_repository.h"

namespace au::app {

using nlohmann::json;

struct NotificationCommands::Options {
  CLI::App* contacts = nullptr;
  CLI::App* contacts_import = nullptr;
  CLI::App* contacts_set = nullptr;
  CLI::App* reminders = nullptr;
  CLI::App* reminders_list = nullptr;
  CLI::App* reminders_set = nullptr;
  CLI::App* reminders_unset = nullptr;
  std::string file, subject, channel, address, service, days;
};

namespace {

// "" when the address suits the channel, else the Italian reason.
std::string address_problem(const std::string& channel, const std::string& address) {
  if (channel == "email") return channels::email_address_problem(address);
  if (channel == "sms") return channels::phone_number_problem(address);
  if (channel == "webhook") return practices::webhook_url_problem(address);
  return "canale sconosciuto (email, sms, webhook)";
}

std::string subject_of(std::string raw) {
  for (const char* prefix : {"TINIT-", "VATIT-"})
    if (raw.rfind(prefix, 0) == 0) raw = raw.substr(6);
  std::string code = domain::normalize_fiscal_code(raw);
  if (!domain::valid_personal_fiscal_code(code) && !domain::valid_partita_iva(code))
    throw std::runtime_error("codice fiscale o partita IVA non valido: " + raw.substr(0, 20));
  return code;
}

void set_contact(Application& app, const std::string& subject, const std::string& channel, const std::string& address) {
  if (auto p = address_problem(channel, address); !p.empty()) throw std::runtime_error(subject + " " + channel + ": " + p);
  store::Contact c{subject, channel, address, "", "", "", store::now_iso8601()};
  // A webhook needs a signing secret: made here, printed once for whoever configures the receiver.
  if (channel == "webhook") {
    c.secret = identity::base64url_encode(identity::random_bytes(32));
    std::cout << subject << " webhook secret: " << c.secret << "\n";
  }
  store::upsert_contact(app.db(), c);
}

}  // namespace

NotificationCommands::NotificationCommands(CLI::App& cli) : o_(std::make_unique<Options>()) {
  o_->contacts = cli.add_subcommand("contacts", "Recapiti per le notifiche (email, cellulare, webhook)");
  o_->contacts->require_subcommand(1);
  o_->contacts_import = o_->contacts->add_subcommand(
      "import", "Importa i recapiti da un file JSON [{fiscal_number, email, mobile, webhook}] (es. data/demo/people.json)");
  o_->contacts_import->add_option("FILE", o_->file, "File JSON")->required()->check(CLI::ExistingFile);
  o_->contacts_set = o_->contacts->add_subcommand("set", "Imposta un recapito");
  o_->contacts_set->add_option("SUBJECT", o_->subject, "Codice fiscale o partita IVA")->required();
  o_->contacts_set->add_option("CHANNEL", o_->channel, "email, sms o webhook")->required();
  o_->contacts_set->add_option("ADDRESS", o_->address, "Indirizzo email, numero +39..., URL https")->required();
  o_->reminders = cli.add_subcommand("reminders", "Promemoria prima delle scadenze, per servizio");
  o_->reminders->require_subcommand(1);
  o_->reminders_list = o_->reminders->add_subcommand("list", "Elenca i servizi con giorni propri");
  o_->reminders_set = o_->reminders->add_subcommand("set", "Giorni di preavviso di un servizio, es. '[14, 3]'");
  o_->reminders_set->add_option("SERVICE", o_->service, "Identificativo del servizio")->required();
  o_->reminders_set->add_option("DAYS", o_->days, "Elenco JSON di giorni (1-365, al massimo 5)")->required();
  o_->reminders_unset = o_->reminders->add_subcommand("unset", "Torna ai giorni predefiniti (7 e 1)");
  o_->reminders_unset->add_option("SERVICE", o_->service, "Identificativo del servizio")->required();
}

NotificationCommands::~NotificationCommands() = default;

bool NotificationCommands::run(Application& app, int& exit_code) {
  exit_code = 0;
  if (*o_->contacts_set) {
    set_contact(app, subject_of(o_->subject), o_->channel, o_->address);
    std::cout << "recapito impostato\n";
    return true;
  }
  if (*o_->contacts_import) {
    std::ifstream in(o_->file);
    json people = json::parse(in, nullptr, false);
    if (!people.is_array()) throw std::runtime_error(o_->file + ": atteso un elenco JSON");
    int n = 0;
    for (const auto& p : people) {
      if (!p.is_object()) continue;
      const std::string subject = subject_of(p.value("fiscal_number", p.value("subject", std::string())));
      for (const auto& [member, channel] : {std::pair{"email", "email"}, {"mobile", "sms"}, {"webhook", "webhook"}})
        if (p.contains(member) && p[member].is_string() && !p[member].get<std::string>().empty()) {
          set_contact(app, subject, channel, p[member].get<std::string>());
          ++n;
        }
    }
    std::cout << "recapiti importati: " << n << "\n";
    return true;
  }
  if (*o_->reminders_list) {
    for (const auto& r : store::reminder_settings(app.db())) std::cout << r.service_id << "\t" << r.days_json << "\n";
    return true;
  }
  if (*o_->reminders_set) {
    if (!app.catalog()->service_by_id(o_->service)) throw std::runtime_error("servizio sconosciuto: " + o_->service);
    auto days = domain::parse_reminder_days(o_->days);
    if (!days) throw std::runtime_error("giorni non validi: " + domain::reminder_days_problem(o_->days));
    json normalized = *days;
    store::set_reminder_setting(app.db(), o_->service, normalized.dump(), store::now_iso8601());
    std::cout << "promemoria di " << o_->service << ": " << normalized.dump() << " giorni prima\n";
    return true;
  }
  if (*o_->reminders_unset) {
    bool removed = store::delete_reminder_setting(app.db(), o_->service);
    std::cout << (removed ? "tornato ai giorni predefiniti\n" : "nessuna impostazione propria: nessuna modifica\n");
    return true;
  }
  return false;
}

}  // namespace au::app
