#include "app/practice_commands.h"

#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/application.h"
#include "identity/hash_chain.h"
#include "practices/status_feed.h"
#include "store/practice_repository.h"
#include "store/status_feed_repository.h"

namespace au::app {

using nlohmann::json;

struct PracticeCommands::Options {
  CLI::App* backoffice = nullptr;
  CLI::App* backoffice_register = nullptr;
  CLI::App* backoffice_list = nullptr;
  CLI::App* audit = nullptr;
  CLI::App* audit_verify = nullptr;
  CLI::App* feeds = nullptr;
  CLI::App* feeds_add = nullptr;
  CLI::App* feeds_list = nullptr;
  CLI::App* feeds_poll = nullptr;
  std::string client_id, ente, system, name, keys_file, mapping_file, url;
  int interval = 60;
};

namespace {

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(path + ": JSON non valido");
  return j;
}

int backoffice_register(Application& app, const std::string& client_id,
                        const std::string& ente, const std::string& system, const std::string& name,
                        const std::string& keys_file, const std::string& mapping_file) {
  auto cat = app.catalog();
  if (!cat->ente_by_id(ente)) {
    std::cerr << "ente sconosciuto al catalogo: " << ente << "\n";
    return 2;
  }
  json mapping = mapping_file.empty() ? json::object() : read_json_file(mapping_file);
  auto problems = app.backoffice().register_client(client_id, ente, name, system, read_json_file(keys_file), mapping);
  for (const auto& p : problems) std::cerr << "errore: " << p << "\n";
  if (!problems.empty()) return 2;
  std::cout << "client di back office registrato: " << client_id << " (" << ente << ", " << system << ")\n";
  return 0;
}

// Walks the whole chain in storage order against the head anchored in practice_chain_head.
int audit_verify(Application& app) {
  auto head = store::chain_head(app.db());
  identity::ChainVerifier verifier(identity::ChainHead{head.sequence, head.hash});
  std::int64_t count = 0;
  store::for_each_event(app.db(), [&](const store::StoredEvent& e) {
    verifier.feed({e.sequence, store::event_chain_payload(e), e.previous_hash, e.hash});
    ++count;
  });
  auto problems = verifier.finish();
  if (problems.empty()) {
    std::cout << "storico integro: " << count << " eventi, testa della catena " << head.sequence << " "
              << head.hash.substr(0, 16) << "…\n";
    return 0;
  }
  for (const auto& p : problems)
    std::cout << "record " << p.sequence << ": " << p.kind << " - " << p.detail << "\n";
  std::cout << "storico ALTERATO: " << problems.size() << " problemi su " << count << " eventi\n";
  return 3;
}

// The status-feed poller hands events to the ingest as a back office would push them.
practices::SubmitFn submit_to_ingest(Application& app) {
  return [&app](const std::string& client_id, const std::vector<domain::CloudEvent>& events) {
    auto client = app.backoffice().find(client_id);
    if (!client) return practices::SubmitOutcome{403, "client revocato o sconosciuto"};
    json batch = json::array();
    for (const auto& e : events) {
      json j = {{"specversion", e.specversion}, {"id", e.id}, {"source", e.source}, {"type", e.type}};
      if (!e.subject.empty()) j["subject"] = e.subject;
      if (!e.time.empty()) j["time"] = e.time;
      if (!e.datacontenttype.empty()) j["datacontenttype"] = e.datacontenttype;
      if (!e.data.is_null()) j["data"] = e.data;
      batch.push_back(std::move(j));
    }
    auto answer = app.ingest().append_events_sync(*client, batch);
    // A practice of another ente can never become acceptable: skip it like an invalid item
    // instead of stalling the feed.
    int status = answer.status == 403 || answer.status == 409 ? 422 : answer.status;
    return practices::SubmitOutcome{status, answer.body.value("detail", std::string())};
  };
}

}  // namespace

practices::SubmitFn make_feed_submitter(Application& app) { return submit_to_ingest(app); }

PracticeCommands::PracticeCommands(CLI::App& cli) : o_(std::make_unique<Options>()) {
  auto& o = *o_;
  o.backoffice = cli.add_subcommand("backoffice", "Client di back office degli enti (chiavi ModI, tabella degli stati)");
  o.backoffice->require_subcommand(1);
  o.backoffice_register = o.backoffice->add_subcommand("register", "Registra o aggiorna un client di back office");
  o.backoffice_register->add_option("--client-id", o.client_id, "Identificativo del client (iss dei token)")->required();
  o.backoffice_register->add_option("--ente", o.ente, "Ente (es. comune-054039)")->required();
  o.backoffice_register->add_option("--system", o.system, "Sistema (es. VBG)")->required();
  o.backoffice_register->add_option("--name", o.name, "Nome leggibile");
  o.backoffice_register->add_option("--keys", o.keys_file, "JWKS con una o due chiavi pubbliche")
      ->required()->check(CLI::ExistingFile);
  o.backoffice_register->add_option("--mapping", o.mapping_file, "Tabella dei codici di stato (JSON)")
      ->check(CLI::ExistingFile);
  o.backoffice_list = o.backoffice->add_subcommand("list", "Elenca i client di back office");
  o.audit = cli.add_subcommand("audit", "Verifiche sullo storico delle pratiche");
  o.audit->require_subcommand(1);
  o.audit_verify = o.audit->add_subcommand("verify", "Verifica la catena di hash degli eventi (esce con 3 se alterata)");
  o.feeds = cli.add_subcommand("feeds", "Feed di stato interrogati per i back office che non inviano eventi");
  o.feeds->require_subcommand(1);
  o.feeds_add = o.feeds->add_subcommand("add", "Registra il feed di un client di back office");
  o.feeds_add->add_option("--client-id", o.client_id, "Client di back office")->required();
  o.feeds_add->add_option("--url", o.url, "URL del feed JSON")->required();
  o.feeds_add->add_option("--interval", o.interval, "Secondi tra due interrogazioni")->check(CLI::Range(10, 86400));
  o.feeds_list = o.feeds->add_subcommand("list", "Elenca i feed e il loro stato");
  o.feeds_poll = o.feeds->add_subcommand("poll", "Interroga ora i feed in scadenza");
}

PracticeCommands::~PracticeCommands() = default;

bool PracticeCommands::run(Application& app, int& exit_code) {
  auto& o = *o_;
  if (*o.backoffice_register) {
    exit_code = backoffice_register(app, o.client_id, o.ente, o.system, o.name, o.keys_file, o.mapping_file);
    return true;
  }
  if (*o.backoffice_list) {
    for (const auto& c : store::list_backoffice_clients(app.db()))
      std::cout << c.client_id << "\t" << c.ente_id << "\t" << c.system << "\t" << c.name
                << (c.revoked_at.empty() ? "" : "\trevocato") << "\n";
    exit_code = 0;
    return true;
  }
  if (*o.audit_verify) {
    exit_code = audit_verify(app);
    return true;
  }
  if (*o.feeds_add) {
    store::register_status_feed(app.db(), o.client_id, o.url, o.interval);
    std::cout << "feed registrato per " << o.client_id << "\n";
    exit_code = 0;
    return true;
  }
  if (*o.feeds_list) {
    for (const auto& f : store::list_status_feeds(app.db()))
      std::cout << f.client_id << "\t" << f.url << "\togni " << f.interval_seconds << " s\tcursore '" << f.cursor
                << "'\tultimo successo " << (f.last_success_at.empty() ? "mai" : f.last_success_at)
                << "\terrori consecutivi " << f.consecutive_failures << "\n";
    exit_code = 0;
    return true;
  }
  if (*o.feeds_poll) {
    practices::StatusFeedPoller poller(app.db(), submit_to_ingest(app));
    int failed = 0;
    for (const auto& r : poller.poll_due(std::chrono::system_clock::now())) {
      std::cout << r.client_id << ": " << (r.ok ? "ok" : "errore") << ", pagine " << r.pages << ", eventi "
                << r.submitted << ", scartati " << (r.malformed + r.rejected)
                << (r.error.empty() ? "" : ", " + r.error) << "\n";
      if (!r.ok) ++failed;
    }
    exit_code = failed ? 1 : 0;
    return true;
  }
  return false;
}

}  // namespace au::app
