// The practices ingest: opening practices and appending their events, as sent by back-office
// systems (push API, status-feed poller, simulator).
//
// Contract:
//   - Validation happens first and completely, on the caller's thread: a request with any
//     problem is answered (4xx, every problem listed with its JSON path) and nothing of it is
//     written. Order of answers: 413 (more than max_batch_events), 422 (malformed CloudEvents,
//     unknown type, invalid data, a status code missing from the client's mapping — named),
//     404 (a subject that is no practice of the client's ente), 403 (a practice of another ente).
//   - A valid request goes to the writer thread, which commits the requests waiting at that
//     moment in ONE transaction (group commit: one fsync for many clients) through
//     store::append_batch; `done` is called only after the commit (2xx) or with 503 when the
//     commit failed (then nothing of that request is stored). A failing group is retried one
//     request at a time, so one request cannot fail another.
//   - Idempotent: an event whose (source, id) is stored is not stored again and gets the same
//     answer as the first time (practice, sequence). Opening a practice that exists (same ente,
//     system and reference) with the same content answers as the first time; with other content
//     it is 409.
//   - Events without `time` take the time of receipt; the timeline orders by event time, so
//     late events land where they belong (domain/practice_projection.h).
//   - Each new event is handed to the webhook outbox in the same transaction.
// Answers are JSON bodies (success) or problem documents; the HTTP layer only frames them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/catalog_snapshot.h"
#include "domain/cloud_event.h"
#include "practices/backoffice_registry.h"
#include "store/practice_repository.h"

namespace au::practices {

struct IngestAnswer {
  int status = 200;
  nlohmann::json body;  // success document, or a problem (title, detail, errors...)
  bool problem() const { return status >= 400; }
};
using IngestDone = std::function<void(IngestAnswer)>;

struct IngestSettings {
  std::size_t max_batch_events = 1000;   // per request (413 above)
  std::size_t max_group_events = 4000;   // per transaction of the writer
  // Benchmark baseline only (AU_INGEST_NAIVE=1): one transaction per event, no group commit.
  // A request that fails half-way may leave some of its events stored (a resend completes it).
  bool naive = false;
};

using CatalogProvider = std::function<std::shared_ptr<const domain::CatalogSnapshot>()>;

class IngestService {
 public:
  IngestService(store::Database& db, CatalogProvider catalog, IngestSettings settings = {});
  ~IngestService();
  IngestService(const IngestService&) = delete;
  IngestService& operator=(const IngestService&) = delete;

  // Extra work for each stored event inside the ingest transaction (the webhook outbox).
  void set_on_stored(std::function<void(soci::session&, const store::StoredEvent&, const store::PracticeRecord&)> f) {
    on_stored_ = std::move(f);
  }
  // Asked once per transaction before on_stored runs: false skips the outbox (no subscription).
  void set_outbox_wanted(std::function<bool(soci::session&)> f) { outbox_wanted_ = std::move(f); }
  // Called after each successful commit (wakes the webhook dispatcher).
  void set_after_commit(std::function<void()> f) { after_commit_ = std::move(f); }
  void start();
  // Commits what is queued, then stops the writer. Requests arriving afterwards get 503.
  void stop();

  // `body`: one CloudEvent or an array of them. `jtis`: the ModI jti values of the request,
  // recorded in the same transaction (a replay found there answers 401).
  void append_events(const BackofficeClient& client, const nlohmann::json& body,
                     std::vector<store::AppendRequest::Jti> jtis, IngestDone done);
  void open_practice(const BackofficeClient& client, const nlohmann::json& body,
                     std::vector<store::AppendRequest::Jti> jtis, IngestDone done);
  // Blocking forms (status-feed poller, CLI, tests).
  IngestAnswer append_events_sync(const BackofficeClient& client, const nlohmann::json& body);
  IngestAnswer open_practice_sync(const BackofficeClient& client, const nlohmann::json& body);

  // The projection columns of a practice from its events (also used by the readers).
  static void reproject(store::PracticeRecord& p, const std::vector<store::StoredEvent>& events, std::int64_t now_ms);

 private:
  struct Pending {
    store::AppendRequest request;
    std::function<void(const store::AppendOutcome*)> finish;  // nullptr outcome: commit failed
  };
  struct PracticeKey {
    std::string id, ente_id;
  };
  // The practice an event's subject names (our id, or the back office's reference).
  std::optional<PracticeKey> resolve(const BackofficeClient& client, const std::string& subject);
  void enqueue(Pending p);
  void writer_loop();
  void commit_group(std::vector<Pending>& group);
  void commit_naive(std::vector<Pending>& group);
  store::AppendHooks hooks();
  void purge_expired_jti();

  store::Database& db_;
  CatalogProvider catalog_;
  IngestSettings settings_;
  std::function<void(soci::session&, const store::StoredEvent&, const store::PracticeRecord&)> on_stored_;
  std::function<bool(soci::session&)> outbox_wanted_;
  std::function<void()> after_commit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  static constexpr std::size_t kPracticeCacheSize = 200000;
  std::mutex cache_mutex_;
  std::unordered_map<std::string, PracticeKey> practice_cache_;
  std::int64_t next_jti_purge_ = 0;  // writer thread only
  bool running_ = false;
  bool stopping_ = false;
  std::thread writer_;
};

// Problem document helper: {"status", "title", "detail"} (+ "errors" when given).
IngestAnswer ingest_problem(int status, const std::string& title, const std::string& detail,
                            const std::vector<domain::FieldError>& errors = {});

}  // namespace au::practices
