#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "api/cpsv_export.h"
#include "app/application.h"
#include "app/link_checker.h"
#include "importer/catalog_importer.h"
#include "app/notification_commands.h"
#include "app/practice_commands.h"
#include "notify/notification_worker.h"
#include "web/server.h"
#include "domain/fiscal_code.h"
#include "identity/roles.h"
#include "store/identity_repository.h"
#include <fstream>

namespace au::app {

namespace {

// %* prints the message as a JSON string body, so every log line is one valid JSON object.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) dest.append(std::string_view("?"));
          else dest.push_back(c);
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("accesso-unico");
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessageFlag>('*').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

web::Headers security_headers() {
  return {{"Content-Security-Policy",
           "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self' https: http:; "
           "frame-ancestors 'none'"},
          {"X-Content-Type-Options", "nosniff"},
          {"Referrer-Policy", "strict-origin-when-cross-origin"},
          {"X-Frame-Options", "DENY"},
          {"Permissions-Policy", "geolocation=(), camera=(), microphone=()"},
          {"Cross-Origin-Opener-Policy", "same-origin"}};
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Before any thread exists (the Application starts the ingest writer): threads inherit the
// mask, so SIGTERM reaches only the thread that waits for it and the shutdown stays orderly.
void block_stop_signals() {
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int serve(Application& app) {
  int applied = app.migrate();
  if (applied) spdlog::info("migrazioni applicate: {}", applied);
  web::ServerOptions opt;
  split_listen(app.config().listen, opt.host, opt.port);
  opt.threads = app.config().threads;
  opt.default_headers = security_headers();
  web::Server server(opt, app.handler());
  // Signals are handled on a dedicated thread (blocked in every thread by block_stop_signals()).
  sigset_t set = stop_signals();
  server.start();
  spdlog::info("UmbriaSemplice in ascolto su http://{}:{}", opt.host, server.port());
  std::thread signals([&] {
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("segnale {} ricevuto: arresto ordinato", sig);
    server.stop();
  });
  app.start_background_workers();
  server.wait();
  signals.join();
  app.stop_background_workers();
  spdlog::info("arrestato");
  return 0;
}

// `worker`: the background work without the HTTP server (notifications: fan-out, deliveries,
// reminders; webhooks; status feeds). Any number may run against one database. With --once: one
// scheduler run and the deliveries due now, then exit (cron, tests).
int run_worker(Application& app, bool once) {
  int applied = app.migrate();
  if (applied) spdlog::info("migrazioni applicate: {}", applied);
  auto& n = app.notifications();
  n.prepare();
  if (once) {
    auto s = n.worker().run_scheduler(std::chrono::system_clock::now());
    notify::ChannelSet channels(n.worker().factories());
    notify::DeliveryRun total;
    for (;;) {
      auto r = n.worker().run_once(std::chrono::system_clock::now(), channels);
      total.fanned_out += r.fanned_out;
      total.delivered += r.delivered;
      total.retrying += r.retrying;
      total.failed += r.failed;
      if (r.fanned_out == 0 && r.claimed() == 0) break;
    }
    std::cout << "promemoria creati: " << s.reminders << ", avvisi di scadenza: " << s.alerts
              << "; messaggi preparati: " << total.fanned_out << ", consegnati: " << total.delivered
              << ", da ritentare: " << total.retrying << ", non consegnati: " << total.failed << "\n";
    return 0;
  }
  sigset_t set = stop_signals();
  app.start_background_workers();
  spdlog::info("worker avviato");
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("segnale {} ricevuto: arresto ordinato", sig);
  app.stop_background_workers();
  spdlog::info("arrestato");
  return 0;
}

}  // namespace

// `roles grant|revoke|list|import`: the way to bootstrap the first administrator and to load
// the demo people's roles; the administration page does the same once someone can log in.
int roles(Application& app, const std::string& action, store::RoleAssignment a, const std::string& people_file) {
  auto cat = app.catalog();
  if (action == "list") {
    for (const auto& r : store::all_role_assignments(app.db()))
      std::cout << r.fiscal_code << "\t" << r.role << "\t" << r.scope << "\t" << r.label << "\n";
    return 0;
  }
  if (action == "revoke") {
    a.fiscal_code = domain::normalize_fiscal_code(a.fiscal_code);
    bool removed = store::revoke_role(app.db(), a.fiscal_code, a.role, a.scope);
    std::cout << (removed ? "ruolo revocato\n" : "ruolo non assegnato: nessuna modifica\n");
    return removed ? 0 : 1;
  }
  std::vector<store::RoleAssignment> grants;
  if (action == "grant") {
    grants.push_back(a);
  } else {
    std::ifstream in(people_file);
    auto people = nlohmann::json::parse(in, nullptr, false);
    if (!people.is_array()) throw std::runtime_error(people_file + ": atteso un elenco JSON di persone");
    for (const auto& p : people) {
      std::string cf = p.value("fiscal_number", std::string());
      if (cf.rfind("TINIT-", 0) == 0) cf = cf.substr(6);
      if (!p.contains("roles") || !p["roles"].is_array()) continue;
      for (const auto& r : p["roles"])
        grants.push_back({cf, r.value("role", std::string()), r.value("scope", std::string()),
                          r.value("label", std::string()), a.granted_by, a.granted_at});
    }
  }
  for (auto& g : grants) {
    if (std::string err = identity::check_role_assignment(*cat, g); !err.empty())
      throw std::runtime_error(g.fiscal_code.substr(0, 16) + " " + g.role + ": " + err);
  }
  for (const auto& g : grants) store::grant_role(app.db(), g);
  std::cout << "ruoli assegnati: " << grants.size() << "\n";
  return 0;
}

int run_cli(int argc, char** argv) {
  CLI::App cli{"Accesso Unico - UmbriaSemplice: catalogo dei servizi pubblici dell'Umbria"};
  cli.require_subcommand(1);
  std::string config_path, database, listen, log_level;
  cli.add_option("--config", config_path, "File di configurazione TOML")->check(CLI::ExistingFile);
  cli.add_option("--database", database, "URL del database (sqlite:PERCORSO o postgresql://...)");
  cli.add_option("--listen", listen, "Indirizzo di ascolto HOST:PORTA");
  cli.add_option("--log-level", log_level, "Livello dei log (trace, debug, info, warn, error)");

  auto* serve_cmd = cli.add_subcommand("serve", "Avvia il portale e le API (applica le migrazioni)");
  auto* worker_cmd = cli.add_subcommand(
      "worker", "Consegna le notifiche, crea i promemoria, invia i webhook e legge i flussi (senza server HTTP)");
  bool worker_once = false;
  worker_cmd->add_flag("--once", worker_once, "Un solo giro (promemoria e consegne dovute ora), poi esce");
  auto* migrate_cmd = cli.add_subcommand("migrate", "Applica le migrazioni dello schema");
  auto* import_cmd = cli.add_subcommand("import", "Importa i dati del catalogo da una cartella");
  std::string import_dir;
  import_cmd->add_option("DIR", import_dir, "Cartella dei dati (es. data/)")->required()->check(CLI::ExistingDirectory);
  auto* export_cmd = cli.add_subcommand("export", "Esporta il catalogo (CPSV-AP JSON-LD o CSV) sullo standard output");
  std::string format = "jsonld";
  export_cmd->add_option("--format", format, "jsonld, ttl oppure csv")->check(CLI::IsMember({"jsonld", "ttl", "csv"}));
  auto* reindex_cmd = cli.add_subcommand("reindex", "Ricostruisce l'indice di ricerca");
  auto* links_cmd = cli.add_subcommand("links", "Controlli sui collegamenti");
  auto* check_cmd = links_cmd->add_subcommand("check", "Verifica ogni URL esterno del catalogo");
  links_cmd->require_subcommand(1);
  int timeout = 10, concurrency = 8;
  check_cmd->add_option("--timeout", timeout, "Timeout per URL in secondi")->check(CLI::Range(1, 120));
  check_cmd->add_option("--concurrency", concurrency, "Richieste contemporanee")->check(CLI::Range(1, 64));

  auto* roles_cmd = cli.add_subcommand("roles", "Ruoli delle persone (operatori, redattori, amministratori...)");
  roles_cmd->require_subcommand(1);
  auto* roles_grant = roles_cmd->add_subcommand("grant", "Assegna un ruolo a un codice fiscale");
  auto* roles_revoke = roles_cmd->add_subcommand("revoke", "Revoca un ruolo");
  auto* roles_list = roles_cmd->add_subcommand("list", "Elenca i ruoli assegnati");
  auto* roles_import = roles_cmd->add_subcommand("import", "Assegna i ruoli elencati in un file di persone (es. data/demo/people.json)");
  std::string role_cf, role_code, role_scope, role_label, people_file;
  for (auto* c : {roles_grant, roles_revoke}) {
    c->add_option("FISCAL_CODE", role_cf, "Codice fiscale")->required();
    c->add_option("ROLE", role_code, "intermediario, operatore-ente, redattore, rappresentante-impresa, amministratore")->required();
    c->add_option("--scope", role_scope, "Ente (operatore), categoria (redattore), partita IVA (rappresentante)");
  }
  roles_grant->add_option("--label", role_label, "Ragione sociale (rappresentante d'impresa)");
  roles_import->add_option("FILE", people_file, "File JSON di persone con i loro ruoli")->required()->check(CLI::ExistingFile);

  PracticeCommands practice_commands(cli);
  NotificationCommands notification_commands(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  try {
    Config config = load_config(config_path);
    if (!database.empty()) config.database_url = database;
    if (!listen.empty()) config.listen = listen;
    if (!log_level.empty()) config.log_level = log_level;
    setup_logging(config.log_level);
    if (*worker_cmd) config.background_workers = true;  // that is what a worker is for
    if (*serve_cmd || (*worker_cmd && !worker_once)) block_stop_signals();
    Application app(config);

    if (*serve_cmd) return serve(app);
    if (*worker_cmd) return run_worker(app, worker_once);
    if (*migrate_cmd) {
      int n = app.migrate();
      std::cout << (n ? "migrazioni applicate: " + std::to_string(n) : "schema già aggiornato") << "\n";
      return 0;
    }
    app.migrate();
    if (int code = 0; practice_commands.run(app, code)) return code;
    if (int code = 0; notification_commands.run(app, code)) return code;
    if (*import_cmd) {
      auto report = importer::import_directory(app.db(), import_dir, [](const std::string& line) { std::cout << line << "\n"; });
      int inserted = 0, updated = 0, unchanged = 0;
      for (const auto& u : report.units) {
        inserted += u.counts.inserted;
        updated += u.counts.updated;
        unchanged += u.counts.unchanged;
      }
      std::cout << "totale: " << inserted << " nuovi, " << updated << " aggiornati, " << unchanged << " invariati\n";
      if (report.changed() == 0 && report.ok()) std::cout << "nessuna modifica: il catalogo era già aggiornato\n";
      if (!report.ok()) {
        std::cerr << "importazione incompleta: alcuni file sono stati rifiutati (vedi sopra)\n";
        return 2;
      }
      if (report.changed() > 0) {
        try {
          app.reindex();
          std::cout << "indice di ricerca aggiornato\n";
        } catch (const std::exception& e) {
          // A running server holds the index: it rebuilds it itself when it sees the change.
          std::cout << "indice di ricerca non aggiornato qui (" << e.what()
                    << "): un server in esecuzione lo ricostruirà entro un secondo\n";
        }
      }
      return 0;
    }
    if (*export_cmd) {
      auto cat = app.catalog();
      std::string base = config.base_url.empty() ? "http://" + config.listen : config.base_url;
      if (format == "csv") std::cout << api::catalog_csv(*cat, base);
      else if (format == "ttl") std::cout << api::cpsv_turtle(*cat, base);
      else std::cout << api::cpsv_jsonld(*cat, base).dump(2) << "\n";
      return 0;
    }
    if (*roles_cmd) return roles(app, *roles_grant ? "grant" : *roles_revoke ? "revoke" : *roles_list ? "list" : "import",
                                 {role_cf, role_code, role_scope, role_label, "cli", store::now_iso8601()}, people_file);
    if (*reindex_cmd) {
      app.reindex([](std::size_t done, std::size_t total) { std::cout << "indicizzati " << done << "/" << total << "\n"; });
      std::cout << "indice ricostruito\n";
      return 0;
    }
    if (*check_cmd) {
      auto results = check_links(*app.catalog(), LinkCheckOptions{timeout, concurrency},
                                 [](const std::string& line) { std::cout << line << "\n"; });
      std::size_t broken = 0;
      for (const auto& r : results)
        if (!r.ok) ++broken;
      std::cout << results.size() << " collegamenti controllati, " << broken << " non funzionanti\n";
      return broken ? 1 : 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "errore: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace au::app
