#include "practices/ingest.h"

#include <chrono>
#include <future>
#include <map>

#include <spdlog/spdlog.h>

#include "domain/fiscal_code.h"
#include "domain/practice_projection.h"
#include "identity/crypto.h"
#include "identity/hash_chain.h"
#include "practices/practice_view.h"

namespace au::practices {

using nlohmann::json;
using domain::FieldError;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// RFC 3339 UTC with milliseconds, the time given to events sent without one.
std::string rfc3339_now(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

std::string accepted_types_text() {
  std::string out;
  for (const auto& t : domain::accepted_event_types()) out += (out.empty() ? "" : ", ") + t;
  return out;
}

// A status code from `data` (when the event carries one) mapped with the client's table.
struct MappedStatus {
  std::string status, code, label;
};
std::optional<MappedStatus> map_status(const BackofficeClient& client, const json& data, const std::string& path,
                                       std::vector<FieldError>& errors) {
  MappedStatus m;
  if (!data.is_object() || !data.contains("status_code") || !data["status_code"].is_string()) return m;
  m.code = data["status_code"].get<std::string>();
  if (data.contains("status_label") && data["status_label"].is_string()) m.label = data["status_label"].get<std::string>();
  if (domain::has_control_characters(m.label)) {
    errors.push_back({path.substr(0, path.rfind('/')) + "/status_label", "contiene caratteri di controllo"});
    return std::nullopt;
  }
  auto mapped = client.mapping.map(m.code);
  if (!mapped) {
    errors.push_back({path, "il codice di stato '" + m.code + "' non è nella tabella di corrispondenza del sistema " +
                                client.system + " dell'ente: aggiungilo alla tabella prima di usarlo"});
    return std::nullopt;
  }
  m.status = domain::status_code(*mapped);
  return m;
}

// The answer when the writer could not store a request: the commit failed (nullptr, 503: safe to
// retry) or the request's jti was already used (401).
std::optional<IngestAnswer> not_stored(const store::AppendOutcome* out, const std::string& what) {
  if (!out)
    return ingest_problem(503, "Archiviazione non riuscita", what + " Riprova: l'invio ripetuto è sicuro.");
  if (out->kind != store::AppendOutcome::Kind::Replay) return std::nullopt;
  IngestAnswer a = ingest_problem(401, "Richiesta ripetuta", "Il jti del token è già stato usato: firma una nuova richiesta.");
  a.body["reason"] = "replayed-jti";
  return a;
}

// Events that can change a practice's status but nothing of its deadline, protocol or requests:
// for them the projection moves incrementally instead of re-reading every event of the practice.
bool only_status_changes(const std::vector<store::StoredEvent>& fresh) {
  for (const auto& e : fresh) {
    auto kind = domain::parse_event_type(e.type);
    if (!kind || (*kind != domain::PracticeEventKind::Stato && *kind != domain::PracticeEventKind::Documento &&
                  *kind != domain::PracticeEventKind::Messaggio))
      return false;
  }
  return true;
}

// The same rule as domain::project_practice: the status is the one of the latest event (by
// time, then sequence) that sets one.
void apply_status_changes(store::PracticeRecord& p, const std::vector<store::StoredEvent>& fresh) {
  for (const auto& e : fresh) {
    if (e.status.empty()) continue;
    if (std::pair(e.event_time_ms, e.sequence) < std::pair(p.status_time_ms, p.status_sequence)) continue;
    p.status = e.status;
    p.backoffice_code = e.backoffice_code;
    p.backoffice_label = e.backoffice_label;
    p.status_time_ms = e.event_time_ms;
    p.status_sequence = e.sequence;
    // A concluded practice has no open request left (practice_projection.h).
    if (p.status.rfind("concluso", 0) == 0) p.applicant_due_date.clear();
  }
}

json practice_brief(const store::PracticeRecord& p) {
  return {{"id", p.id},           {"ente", p.ente_id},   {"service", p.service_id},
          {"reference", p.backoffice_ref}, {"status", p.status}, {"due_date", p.due_date}};
}

std::string text_member(const json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The opening document: every problem reported with its JSON path.
void validate_opening(const json& body, const domain::CatalogSnapshot& catalog, std::vector<FieldError>& errors) {
  if (!body.is_object()) {
    errors.push_back({"", "serve un oggetto JSON con i dati della pratica"});
    return;
  }
  auto require_text = [&](const char* name, std::size_t max, bool required) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
      if (required) errors.push_back({std::string("/") + name, "obbligatorio"});
      return;
    }
    if (!it->is_string() || it->get<std::string>().empty() || it->get<std::string>().size() > max)
      errors.push_back({std::string("/") + name, "testo da 1 a " + std::to_string(max) + " caratteri"});
    else if (domain::has_control_characters(it->get<std::string>()))
      errors.push_back({std::string("/") + name, "contiene caratteri di controllo"});
  };
  require_text("service", 200, true);
  require_text("reference", 100, true);
  require_text("title", 300, false);
  require_text("backoffice_url", 2000, false);
  require_text("submitted_on", 10, false);
  std::string service = text_member(body, "service");
  if (!service.empty() && !catalog.service_by_slug(service) && !catalog.service_by_id(service))
    errors.push_back({"/service", "servizio sconosciuto al catalogo: '" + service + "'"});
  std::string url = text_member(body, "backoffice_url");
  if (!url.empty() && url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    errors.push_back({"/backoffice_url", "serve un indirizzo http:// o https://"});
  std::string submitted = text_member(body, "submitted_on");
  if (!submitted.empty() && !domain::parse_civil_date(submitted))
    errors.push_back({"/submitted_on", "data non valida: serve AAAA-MM-GG"});
  auto subject = [&](const char* name, bool required) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
      if (required) errors.push_back({std::string("/") + name + "/id", "obbligatorio"});
      return;
    }
    if (!it->is_object() || !it->contains("id") || !(*it)["id"].is_string()) {
      errors.push_back({std::string("/") + name + "/id", "serve il codice fiscale o la partita IVA"});
      return;
    }
    std::string id = domain::normalize_fiscal_code((*it)["id"].get<std::string>());
    if (!domain::valid_personal_fiscal_code(id) && !domain::valid_partita_iva(id))
      errors.push_back({std::string("/") + name + "/id", "codice fiscale o partita IVA non valido"});
    if (it->contains("name") && (!(*it)["name"].is_string() || (*it)["name"].get<std::string>().size() > 200 ||
                                 domain::has_control_characters((*it)["name"].get<std::string>())))
      errors.push_back({std::string("/") + name + "/name", "testo fino a 200 caratteri, senza caratteri di controllo"});
    if (it->contains("delegation") && (!(*it)["delegation"].is_string() ||
                                       (*it)["delegation"].get<std::string>().size() > 100 ||
                                       domain::has_control_characters((*it)["delegation"].get<std::string>())))
      errors.push_back({std::string("/") + name + "/delegation", "identificativo della delega fino a 100 caratteri"});
  };
  subject("applicant", true);
  subject("beneficiary", false);
  subject("intermediary", false);
  if (auto it = body.find("legal_term_days"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 3650)
      errors.push_back({"/legal_term_days", "numero intero di giorni da 1 a 3650"});
  }
  if (auto it = body.find("silenzio_assenso"); it != body.end() && !it->is_null() && !it->is_boolean())
    errors.push_back({"/silenzio_assenso", "vero o falso"});
}

std::string subject_id(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_object()) return {};
  return domain::normalize_fiscal_code(text_member(*it, "id"));
}

}  // namespace

IngestAnswer ingest_problem(int status, const std::string& title, const std::string& detail,
                            const std::vector<FieldError>& errors) {
  IngestAnswer a;
  a.status = status;
  a.body = {{"status", status}, {"title", title}, {"detail", detail}};
  if (!errors.empty()) {
    json list = json::array();
    for (const auto& e : errors) list.push_back({{"path", e.path}, {"message", e.message}});
    a.body["errors"] = std::move(list);
  }
  return a;
}

IngestService::IngestService(store::Database& db, CatalogProvider catalog, IngestSettings settings)
    : db_(db), catalog_(std::move(catalog)), settings_(settings) {}

IngestService::~IngestService() { stop(); }

void IngestService::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  writer_ = std::thread([this] { writer_loop(); });
}

void IngestService::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  std::lock_guard lock(mutex_);
  running_ = false;
}

void IngestService::enqueue(Pending p) {
  {
    std::lock_guard lock(mutex_);
    if (running_ && !stopping_) {
      queue_.push_back(std::move(p));
      wake_.notify_one();
      return;
    }
  }
  p.finish(nullptr);
}

void IngestService::writer_loop() {
  for (;;) {
    std::vector<Pending> group;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;
      // Whatever waits now goes into one transaction: under load the queue fills while the
      // previous commit's fsync runs, which is what makes group commit pay.
      std::size_t events = 0;
      while (!queue_.empty() && (group.empty() || events + queue_.front().request.events.size() <= settings_.max_group_events)) {
        events += queue_.front().request.events.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_group(group);
  }
}

// The used jti values are needed only while their tokens could still be accepted: a sweep a
// minute keeps the table at a few minutes of traffic.
void IngestService::purge_expired_jti() {
  const std::int64_t now = now_ms() / 1000;
  if (now < next_jti_purge_) return;
  next_jti_purge_ = now + 60;
  try {
    store::purge_used_jti(db_, now);
  } catch (const std::exception& e) {
    spdlog::warn("ingest: pulizia dei jti usati non riuscita: {}", e.what());
  }
}

store::AppendHooks IngestService::hooks() {
  store::AppendHooks h;
  h.chain_hash = [](std::int64_t seq, const std::string& prev, const std::string& payload) {
    return identity::chain_hash(seq, prev, payload);
  };
  h.on_stored = on_stored_;
  const std::int64_t now = now_ms();
  h.outbox_wanted = outbox_wanted_;
  h.reproject = [now](store::PracticeRecord& p, const std::vector<store::StoredEvent>& fresh,
                      const std::function<std::vector<store::StoredEvent>()>& all_events) {
    if (only_status_changes(fresh) && p.status_sequence != 0) {
      apply_status_changes(p, fresh);
    } else {
      reproject(p, all_events(), now);
    }
  };
  return h;
}

void IngestService::commit_naive(std::vector<Pending>& group) {
  for (auto& p : group) {
    store::AppendOutcome merged;
    try {
      for (std::size_t k = 0; k < p.request.events.size(); ++k) {
        store::AppendRequest one;
        one.events.push_back(p.request.events[k]);
        if (k == 0) {  // the jti and the opening go with the first event
          one.jtis = p.request.jtis;
          one.open = p.request.open;
        }
        auto out = store::append_batch(db_, {one}, hooks());
        if (k == 0) merged = std::move(out[0]);
        else merged.events.push_back(out[0].events.at(0));
        if (merged.kind != store::AppendOutcome::Kind::Stored) break;
      }
    } catch (const std::exception& e) {
      spdlog::error("ingest: richiesta non archiviata: {}", e.what());
      p.finish(nullptr);
      continue;
    }
    p.finish(&merged);
  }
  if (after_commit_) after_commit_();
}

void IngestService::commit_group(std::vector<Pending>& group) {
  if (settings_.naive) return commit_naive(group);
  std::vector<store::AppendRequest> requests;
  requests.reserve(group.size());
  for (auto& p : group) requests.push_back(p.request);
  try {
    auto outcomes = store::append_batch(db_, requests, hooks());
    for (std::size_t i = 0; i < group.size(); ++i) group[i].finish(&outcomes[i]);
    if (after_commit_) after_commit_();
    purge_expired_jti();
    return;
  } catch (const std::exception& e) {
    spdlog::error("ingest: commit di {} richieste non riuscito: {}", group.size(), e.what());
  }
  // One at a time: a request that cannot be stored must not take the others down with it.
  for (std::size_t i = 0; i < group.size(); ++i) {
    try {
      auto outcomes = store::append_batch(db_, {requests[i]}, hooks());
      group[i].finish(&outcomes[0]);
      if (after_commit_) after_commit_();
    } catch (const std::exception& e) {
      spdlog::error("ingest: richiesta non archiviata: {}", e.what());
      group[i].finish(nullptr);
    }
  }
}

void IngestService::reproject(store::PracticeRecord& p, const std::vector<store::StoredEvent>& events,
                              std::int64_t at_ms) {
  auto proj = domain::project_practice(facts_of(p), timeline_of(events), domain::rome_date(at_ms));
  p.status = domain::status_code(proj.status);
  p.backoffice_code = proj.backoffice_code;
  p.backoffice_label = proj.backoffice_label;
  p.status_time_ms = proj.status_time_ms;
  p.status_sequence = proj.status_sequence;
  p.protocol_number = proj.protocol_number;
  p.protocol_date = proj.protocol_date ? domain::format_date(*proj.protocol_date) : "";
  p.due_date = proj.deadline ? domain::format_date(proj.deadline->due) : "";
  // open_requests is ordered by due date: the first is the next date the applicant must meet.
  p.applicant_due_date = proj.open_requests.empty() ? "" : domain::format_date(proj.open_requests.front().due);
}

std::optional<IngestService::PracticeKey> IngestService::resolve(const BackofficeClient& client,
                                                                  const std::string& subject) {
  // Practices never change id or ente and are never deleted, so what was found stays true: the
  // cache spares a query per subject (a batch of 100 events names up to 100 practices).
  const std::string key = client.modi.ente_id + '\n' + client.system + '\n' + subject;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = practice_cache_.find(key); it != practice_cache_.end()) return it->second;
  }
  auto p = store::find_practice(db_, subject);
  if (!p) p = store::find_practice_by_ref(db_, client.modi.ente_id, client.system, subject);
  if (!p) return std::nullopt;  // not cached: it may be opened in a moment
  PracticeKey found{p->id, p->ente_id};
  std::lock_guard lock(cache_mutex_);
  if (practice_cache_.size() >= kPracticeCacheSize) practice_cache_.clear();
  practice_cache_.emplace(key, found);
  return found;
}

void IngestService::append_events(const BackofficeClient& client, const json& body,
                                  std::vector<store::AppendRequest::Jti> jtis, IngestDone done) {
  const bool batch = body.is_array();
  if (batch && body.size() > settings_.max_batch_events) {
    done(ingest_problem(413, "Lotto troppo grande",
                        "Un lotto contiene al massimo " + std::to_string(settings_.max_batch_events) +
                            " eventi; questo ne contiene " + std::to_string(body.size()) + ": dividilo."));
    return;
  }
  std::vector<FieldError> errors;
  if (batch && body.empty()) errors.push_back({"", "il lotto è vuoto"});
  struct Item {
    domain::CloudEvent event;
    std::string prefix;
    const json* raw;
    MappedStatus status;
  };
  std::vector<Item> items;
  const std::int64_t received = now_ms();
  const std::size_t n = batch ? body.size() : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const json& raw = batch ? body[i] : body;
    std::string prefix = batch ? "/" + std::to_string(i) : "";
    auto ev = domain::parse_cloud_event(raw, prefix, errors);
    if (!ev) continue;
    auto kind = domain::parse_event_type(ev->type);
    if (!kind || *kind == domain::PracticeEventKind::Aperta) {
      errors.push_back({prefix + "/type", "tipo di evento sconosciuto: '" + ev->type + "'. Tipi accettati: " +
                                              accepted_types_text()});
      continue;
    }
    if (!ev->data_base64.empty())
      errors.push_back({prefix + "/data_base64", "i dati dell'evento vanno inviati come JSON in \"data\""});
    if (ev->subject.empty())
      errors.push_back({prefix + "/subject",
                        "obbligatorio: l'identificativo della pratica (restituito all'apertura) o il suo "
                        "riferimento nel back office"});
    std::size_t before = errors.size();
    domain::validate_event_data(*kind, ev->data, prefix, errors);
    if (errors.size() != before) continue;
    auto mapped = map_status(client, ev->data, prefix + "/data/status_code", errors);
    if (!mapped) continue;
    if (!mapped->code.empty() || *kind != domain::PracticeEventKind::Stato) {
      items.push_back({std::move(*ev), prefix, &raw, std::move(*mapped)});
    } else {
      errors.push_back({prefix + "/data/status_code", "obbligatorio per un evento di cambio di stato"});
    }
  }
  if (!errors.empty()) {
    done(ingest_problem(422, "Eventi non validi",
                        "La richiesta non è stata registrata: correggi gli errori indicati e inviala di nuovo.",
                        errors));
    return;
  }
  // Resolve each subject once: our practice id, or the back office's own reference.
  std::map<std::string, std::optional<PracticeKey>> practices;
  std::vector<FieldError> missing, foreign;
  for (const auto& item : items) {
    auto it = practices.find(item.event.subject);
    if (it == practices.end()) it = practices.emplace(item.event.subject, resolve(client, item.event.subject)).first;
    if (!it->second) {
      missing.push_back({item.prefix + "/subject", "pratica sconosciuta: '" + item.event.subject + "'"});
    } else if (it->second->ente_id != client.modi.ente_id) {
      foreign.push_back({item.prefix + "/subject", "la pratica appartiene a un altro ente"});
    }
  }
  if (!missing.empty()) {
    done(ingest_problem(404, "Pratica sconosciuta",
                        "Apri la pratica con POST /api/v1/interop/practices prima di inviarne gli eventi.", missing));
    return;
  }
  if (!foreign.empty()) {
    done(ingest_problem(403, "Pratica di un altro ente",
                        "Questo client scrive solo le pratiche dell'ente " + client.modi.ente_id + ".", foreign));
    return;
  }
  Pending pending;
  pending.request.jtis = std::move(jtis);
  for (const auto& item : items) {
    store::NewEvent e;
    e.practice_id = practices.at(item.event.subject)->id;
    e.source = item.event.source;
    e.event_id = item.event.id;
    e.type = item.event.type;
    e.event_time = item.event.time.empty() ? rfc3339_now(received) : item.event.time;
    e.event_time_ms = item.event.time.empty() ? received : *domain::rfc3339_to_epoch_millis(item.event.time);
    e.status = item.status.status;
    e.backoffice_code = item.status.code;
    e.backoffice_label = item.status.label;
    e.client_id = client.modi.client_id;
    e.document = item.raw->dump();
    pending.request.events.push_back(std::move(e));
  }
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& item : items) ids.emplace_back(item.event.id, item.event.source);
  pending.finish = [done = std::move(done), ids = std::move(ids), batch](const store::AppendOutcome* out) {
    if (auto failed = not_stored(out, "Gli eventi non sono stati registrati.")) {
      done(std::move(*failed));
      return;
    }
    json results = json::array();
    for (std::size_t i = 0; i < out->events.size(); ++i)
      results.push_back({{"id", ids[i].first},
                         {"source", ids[i].second},
                         {"practice_id", out->events[i].practice_id},
                         {"sequence", out->events[i].sequence}});
    IngestAnswer a;
    a.status = 200;
    a.body = batch ? json{{"accepted", results.size()}, {"results", std::move(results)}} : results[0];
    done(std::move(a));
  };
  enqueue(std::move(pending));
}

void IngestService::open_practice(const BackofficeClient& client, const json& body,
                                  std::vector<store::AppendRequest::Jti> jtis, IngestDone done) {
  auto catalog = catalog_();
  std::vector<FieldError> errors;
  validate_opening(body, *catalog, errors);
  MappedStatus status;
  if (errors.empty()) {
    auto mapped = map_status(client, body, "/status_code", errors);
    if (mapped) status = *mapped;
  }
  if (!errors.empty()) {
    done(ingest_problem(422, "Pratica non valida",
                        "La pratica non è stata aperta: correggi gli errori indicati e inviala di nuovo.", errors));
    return;
  }
  std::string service_key = text_member(body, "service");
  const domain::Service* service = catalog->service_by_slug(service_key);
  if (!service) service = catalog->service_by_id(service_key);
  const std::int64_t received = now_ms();
  store::PracticeRecord p;
  p.id = "pr-" + identity::random_token(20);
  p.ente_id = client.modi.ente_id;
  p.service_id = service->id;
  p.title = text_member(body, "title").empty() ? service->title : text_member(body, "title");
  p.client_id = client.modi.client_id;
  p.backoffice_system = client.system;
  p.backoffice_ref = text_member(body, "reference");
  p.backoffice_url = text_member(body, "backoffice_url");
  p.applicant = subject_id(body, "applicant");
  p.applicant_name = text_member(body["applicant"], "name");
  p.beneficiary = subject_id(body, "beneficiary");
  p.intermediary = subject_id(body, "intermediary");
  if (body.contains("intermediary") && body["intermediary"].is_object())
    p.delegation_id = text_member(body["intermediary"], "delegation");
  p.submitted_on = text_member(body, "submitted_on");
  p.legal_term_days = body.contains("legal_term_days") && body["legal_term_days"].is_number_integer()
                          ? body["legal_term_days"].get<int>()
                          : service->legal_term_days;
  p.silenzio_assenso = body.contains("silenzio_assenso") && body["silenzio_assenso"].is_boolean()
                           ? body["silenzio_assenso"].get<bool>()
                           : service->silenzio_assenso;
  p.opened_at = store::now_iso8601();
  p.status = "in-corso";
  p.updated_at = p.opened_at;
  store::NewEvent opened;
  opened.source = "urn:accesso-unico:pratiche:" + p.ente_id + ":" + p.backoffice_system;
  opened.event_id = "aperta:" + p.backoffice_ref;
  opened.type = domain::event_type_name(domain::PracticeEventKind::Aperta);
  // The opening sits at the start of the practice's timeline: on the day it was submitted when
  // the back office says so (it may open it late, after events it sends with their own times).
  opened.event_time = rfc3339_now(received);
  opened.event_time_ms = received;
  if (auto day = domain::parse_civil_date(p.submitted_on)) {
    opened.event_time = p.submitted_on + "T00:00:00Z";
    opened.event_time_ms = domain::to_days(*day) * 86400000LL;
  }
  opened.status = status.status;
  opened.backoffice_code = status.code;
  opened.backoffice_label = status.label;
  opened.client_id = client.modi.client_id;
  opened.document = json{{"specversion", "1.0"},
                         {"id", opened.event_id},
                         {"source", opened.source},
                         {"type", opened.type},
                         {"time", opened.event_time},
                         {"subject", p.backoffice_ref},
                         {"data", body}}
                        .dump();
  Pending pending;
  pending.request.jtis = std::move(jtis);
  pending.request.open = p;
  pending.request.events.push_back(std::move(opened));
  pending.finish = [done = std::move(done)](const store::AppendOutcome* out) {
    if (auto failed = not_stored(out, "La pratica non è stata aperta.")) {
      done(std::move(*failed));
      return;
    }
    if (out->kind == store::AppendOutcome::Kind::OpenConflict) {
      IngestAnswer a = ingest_problem(409, "Pratica già aperta con altri dati",
                                      "Esiste già una pratica con questo riferimento e dati diversi: per "
                                      "aggiornarla invia eventi.");
      a.body["practice_id"] = out->practice->id;
      done(std::move(a));
      return;
    }
    IngestAnswer a;
    a.status = 201;
    a.body = practice_brief(*out->practice);
    done(std::move(a));
  };
  enqueue(std::move(pending));
}

IngestAnswer IngestService::append_events_sync(const BackofficeClient& client, const json& body) {
  std::promise<IngestAnswer> promise;
  auto answer = promise.get_future();
  append_events(client, body, {}, [&promise](IngestAnswer a) { promise.set_value(std::move(a)); });
  return answer.get();
}

IngestAnswer IngestService::open_practice_sync(const BackofficeClient& client, const json& body) {
  std::promise<IngestAnswer> promise;
  auto answer = promise.get_future();
  open_practice(client, body, {}, [&promise](IngestAnswer a) { promise.set_value(std::move(a)); });
  return answer.get();
}

}  // namespace au::practices
