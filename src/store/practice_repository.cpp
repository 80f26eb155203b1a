#include "store/practice_repository.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <set>

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "store/row_values.h"

// SQL notes as in identity_repository.cpp: every value bound, no placeholder name repeated in
// one statement, a transaction starts with a write (the chain head) so that on SQLite it takes
// the write lock at once and on PostgreSQL the head row is locked until commit.

namespace au::store {

namespace {

std::string text_of(const soci::row& r, std::size_t i) {
  return r.get_indicator(i) == soci::i_null ? std::string() : r.get<std::string>(i);
}

long long run_counting(soci::statement& st) {
  st.execute(true);
  return st.get_affected_rows();
}

const char* const kClientColumns =
    "client_id, ente_id, name, system, keys_json, status_mapping, created_at, updated_at, revoked_at";

BackofficeClientRecord client_from(const soci::row& r) {
  return {text_of(r, 0), text_of(r, 1), text_of(r, 2), text_of(r, 3), text_of(r, 4),
          text_of(r, 5), text_of(r, 6), text_of(r, 7), text_of(r, 8)};
}

const char* const kPracticeColumns =
    "id, ente_id, service_id, title, client_id, backoffice_system, backoffice_ref, backoffice_url, applicant, "
    "applicant_name, beneficiary, intermediary, delegation_id, submitted_on, legal_term_days, silenzio_assenso, "
    "opened_at, status, backoffice_code, backoffice_label, status_time_ms, status_sequence, protocol_number, "
    "protocol_date, due_date, updated_at, applicant_due_date";

PracticeRecord practice_from(const soci::row& r) {
  PracticeRecord p;
  p.id = text_of(r, 0);
  p.ente_id = text_of(r, 1);
  p.service_id = text_of(r, 2);
  p.title = text_of(r, 3);
  p.client_id = text_of(r, 4);
  p.backoffice_system = text_of(r, 5);
  p.backoffice_ref = text_of(r, 6);
  p.backoffice_url = text_of(r, 7);
  p.applicant = text_of(r, 8);
  p.applicant_name = text_of(r, 9);
  p.beneficiary = text_of(r, 10);
  p.intermediary = text_of(r, 11);
  p.delegation_id = text_of(r, 12);
  p.submitted_on = text_of(r, 13);
  p.legal_term_days = static_cast<int>(integer_at(r, 14));
  p.silenzio_assenso = integer_at(r, 15) != 0;
  p.opened_at = text_of(r, 16);
  p.status = text_of(r, 17);
  p.backoffice_code = text_of(r, 18);
  p.backoffice_label = text_of(r, 19);
  p.status_time_ms = integer_at(r, 20);
  p.status_sequence = integer_at(r, 21);
  p.protocol_number = text_of(r, 22);
  p.protocol_date = text_of(r, 23);
  p.due_date = text_of(r, 24);
  p.updated_at = text_of(r, 25);
  p.applicant_due_date = text_of(r, 26);
  return p;
}

const char* const kEventColumns =
    "sequence, practice_id, source, event_id, type, event_time, event_time_ms, status, backoffice_code, "
    "backoffice_label, client_id, received_at, document, previous_hash, hash";

StoredEvent event_from(const soci::row& r) {
  StoredEvent e;
  e.sequence = integer_at(r, 0);
  e.practice_id = text_of(r, 1);
  e.source = text_of(r, 2);
  e.event_id = text_of(r, 3);
  e.type = text_of(r, 4);
  e.event_time = text_of(r, 5);
  e.event_time_ms = integer_at(r, 6);
  e.status = text_of(r, 7);
  e.backoffice_code = text_of(r, 8);
  e.backoffice_label = text_of(r, 9);
  e.client_id = text_of(r, 10);
  e.received_at = text_of(r, 11);
  e.document = text_of(r, 12);
  e.previous_hash = text_of(r, 13);
  e.hash = text_of(r, 14);
  return e;
}

std::optional<PracticeRecord> practice_where(soci::session& s, const std::string& where, const std::string& a,
                                             const std::string& b = "", const std::string& c = "") {
  soci::row r;
  std::string sql = std::string("SELECT ") + kPracticeColumns + " FROM practices WHERE " + where;
  if (b.empty()) {
    s << sql, soci::into(r), soci::use(a, "a");
  } else {
    s << sql, soci::into(r), soci::use(a, "a"), soci::use(b, "b"), soci::use(c, "c");
  }
  if (!s.got_data()) return std::nullopt;
  return practice_from(r);
}

std::vector<StoredEvent> events_of(soci::session& s, const std::string& practice_id) {
  std::vector<StoredEvent> out;
  soci::rowset<soci::row> rows =
      (s.prepare << std::string("SELECT ") + kEventColumns +
                        " FROM practice_events WHERE practice_id = :p ORDER BY event_time_ms, sequence",
       soci::use(practice_id, "p"));
  for (const auto& r : rows) out.push_back(event_from(r));
  return out;
}

void insert_practice(soci::session& s, const PracticeRecord& p) {
  int term = p.legal_term_days, consent = p.silenzio_assenso ? 1 : 0;
  long long st_ms = p.status_time_ms, st_seq = p.status_sequence;
  s << "INSERT INTO practices (id, ente_id, service_id, title, client_id, backoffice_system, backoffice_ref, "
       "backoffice_url, applicant, applicant_name, beneficiary, intermediary, delegation_id, submitted_on, "
       "legal_term_days, silenzio_assenso, opened_at, status, backoffice_code, backoffice_label, status_time_ms, "
       "status_sequence, protocol_number, protocol_date, due_date, updated_at, applicant_due_date) VALUES (:id, "
       ":ente, :svc, :title, :cid, :sys, :ref, :url, :app, :appname, :ben, :inter, :del, :sub, :term, :consent, "
       ":opened, :status, :code, :label, :stms, :stseq, :pnum, :pdate, :due, :upd, :adue)",
      soci::use(p.id, "id"), soci::use(p.ente_id, "ente"), soci::use(p.service_id, "svc"),
      soci::use(p.title, "title"), soci::use(p.client_id, "cid"), soci::use(p.backoffice_system, "sys"),
      soci::use(p.backoffice_ref, "ref"), soci::use(p.backoffice_url, "url"), soci::use(p.applicant, "app"),
      soci::use(p.applicant_name, "appname"), soci::use(p.beneficiary, "ben"), soci::use(p.intermediary, "inter"),
      soci::use(p.delegation_id, "del"), soci::use(p.submitted_on, "sub"), soci::use(term, "term"),
      soci::use(consent, "consent"), soci::use(p.opened_at, "opened"), soci::use(p.status, "status"),
      soci::use(p.backoffice_code, "code"), soci::use(p.backoffice_label, "label"), soci::use(st_ms, "stms"),
      soci::use(st_seq, "stseq"), soci::use(p.protocol_number, "pnum"), soci::use(p.protocol_date, "pdate"),
      soci::use(p.due_date, "due"), soci::use(p.updated_at, "upd"), soci::use(p.applicant_due_date, "adue");
}

// Writes the projection columns of the practices a transaction touched: prepared once per
// transaction, like EventInserter (a group of 4,000 events may touch 1,000 practices).
class ProjectionUpdater {
 public:
  explicit ProjectionUpdater(soci::session& s)
      : st_((s.prepare << "UPDATE practices SET status = :status, backoffice_code = :code, backoffice_label = :label, "
                          "status_time_ms = :stms, status_sequence = :stseq, protocol_number = :pnum, "
                          "protocol_date = :pdate, due_date = :due, updated_at = :upd, applicant_due_date = :adue "
                          "WHERE id = :id",
             soci::use(row_.status, "status"), soci::use(row_.backoffice_code, "code"),
             soci::use(row_.backoffice_label, "label"), soci::use(ms_, "stms"), soci::use(seq_, "stseq"),
             soci::use(row_.protocol_number, "pnum"), soci::use(row_.protocol_date, "pdate"),
             soci::use(row_.due_date, "due"), soci::use(row_.updated_at, "upd"),
             soci::use(row_.applicant_due_date, "adue"), soci::use(row_.id, "id"))) {}

  void update(const PracticeRecord& p) {
    row_ = p;
    ms_ = p.status_time_ms;
    seq_ = p.status_sequence;
    st_.execute(true);
  }

 private:
  PracticeRecord row_;
  long long ms_ = 0, seq_ = 0;
  soci::statement st_;
};

// Inserts events unless (source, event_id) is stored. Prepared once per transaction: SOCI
// would otherwise parse the statement again for every row (41 % of the writer's CPU in the
// ingest benchmark's profile). The bound variables are members, assigned before each execute.
class EventInserter {
 public:
  explicit EventInserter(soci::session& s)
      : st_((s.prepare << "INSERT INTO practice_events (sequence, practice_id, source, event_id, type, event_time, "
                          "event_time_ms, status, backoffice_code, backoffice_label, client_id, received_at, "
                          "document, previous_hash, hash) VALUES (:seq, :pid, :src, :eid, :type, :time, :ms, "
                          ":status, :code, :label, :cid, :recv, :doc, :prev, :hash) "
                          "ON CONFLICT (source, event_id) DO NOTHING",
             soci::use(seq_, "seq"), soci::use(row_.practice_id, "pid"), soci::use(row_.source, "src"),
             soci::use(row_.event_id, "eid"), soci::use(row_.type, "type"), soci::use(row_.event_time, "time"),
             soci::use(ms_, "ms"), soci::use(row_.status, "status"), soci::use(row_.backoffice_code, "code"),
             soci::use(row_.backoffice_label, "label"), soci::use(row_.client_id, "cid"),
             soci::use(row_.received_at, "recv"), soci::use(row_.document, "doc"),
             soci::use(row_.previous_hash, "prev"), soci::use(row_.hash, "hash"))) {}

  // True when inserted.
  bool insert(const StoredEvent& e) {
    row_ = e;
    seq_ = e.sequence;
    ms_ = e.event_time_ms;
    return run_counting(st_) == 1;
  }

 private:
  StoredEvent row_;
  long long seq_ = 0, ms_ = 0;
  soci::statement st_;  // after the bound members: constructed once they exist
};

std::optional<std::pair<std::int64_t, std::string>> stored_event_ref(soci::session& s, const std::string& source,
                                                                     const std::string& event_id) {
  soci::row r;
  s << "SELECT sequence, practice_id FROM practice_events WHERE source = :src AND event_id = :eid", soci::into(r),
      soci::use(source, "src"), soci::use(event_id, "eid");
  if (!s.got_data()) return std::nullopt;
  return std::make_pair(static_cast<std::int64_t>(integer_at(r, 0)), text_of(r, 1));
}

bool insert_jti(soci::session& s, const AppendRequest::Jti& j) {
  long long exp = j.expires_at;
  soci::statement st = (s.prepare << "INSERT INTO modi_used_jti (client_id, jti, expires_at) VALUES (:c, :j, :e) "
                                     "ON CONFLICT (client_id, jti) DO NOTHING",
                        soci::use(j.client_id, "c"), soci::use(j.jti, "j"), soci::use(exp, "e"));
  return run_counting(st) == 1;
}

// The fields that identify an opening: the same practice opened again must match them.
bool same_opening(const PracticeRecord& a, const PracticeRecord& b) {
  return a.service_id == b.service_id && a.applicant == b.applicant && a.beneficiary == b.beneficiary &&
         a.intermediary == b.intermediary && a.title == b.title && a.submitted_on == b.submitted_on;
}

}  // namespace

std::string event_chain_payload(const StoredEvent& e) {
  nlohmann::json j = nlohmann::json::array({e.practice_id, e.source, e.event_id, e.type, e.event_time,
                                            e.event_time_ms, e.status, e.backoffice_code, e.backoffice_label,
                                            e.client_id, e.received_at, e.document});
  return j.dump();
}

// --- back-office clients -------------------------------------------------------------------------

void upsert_backoffice_client(Database& db, const BackofficeClientRecord& c) {
  auto s = db.acquire();
  std::string now = c.updated_at.empty() ? now_iso8601() : c.updated_at;
  std::string created = c.created_at.empty() ? now : c.created_at;
  *s << "INSERT INTO backoffice_clients (client_id, ente_id, name, system, keys_json, status_mapping, created_at, "
        "updated_at, revoked_at) VALUES (:id, :ente, :name, :sys, :keys, :map, :created, :upd, :rev) "
        "ON CONFLICT (client_id) DO UPDATE SET ente_id = excluded.ente_id, name = excluded.name, "
        "system = excluded.system, keys_json = excluded.keys_json, status_mapping = excluded.status_mapping, "
        "updated_at = excluded.updated_at, revoked_at = excluded.revoked_at",
      soci::use(c.client_id, "id"), soci::use(c.ente_id, "ente"), soci::use(c.name, "name"),
      soci::use(c.system, "sys"), soci::use(c.keys_json, "keys"), soci::use(c.status_mapping, "map"),
      soci::use(created, "created"), soci::use(now, "upd"), soci::use(c.revoked_at, "rev");
}

std::optional<BackofficeClientRecord> find_backoffice_client(Database& db, const std::string& client_id) {
  auto s = db.acquire();
  soci::row r;
  *s << std::string("SELECT ") + kClientColumns + " FROM backoffice_clients WHERE client_id = :id", soci::into(r),
      soci::use(client_id, "id");
  if (!s->got_data()) return std::nullopt;
  return client_from(r);
}

std::vector<BackofficeClientRecord> list_backoffice_clients(Database& db) {
  auto s = db.acquire();
  std::vector<BackofficeClientRecord> out;
  soci::rowset<soci::row> rows =
      (s->prepare << std::string("SELECT ") + kClientColumns + " FROM backoffice_clients ORDER BY ente_id, client_id");
  for (const auto& r : rows) out.push_back(client_from(r));
  return out;
}

// --- the append path ---------------------------------------------------------------------------

std::vector<AppendOutcome> append_batch(Database& db, const std::vector<AppendRequest>& requests,
                                        const AppendHooks& hooks) {
  if (!hooks.chain_hash) throw std::logic_error("append_batch senza funzione di hash");
  auto s = db.acquire();
  std::vector<AppendOutcome> outcomes(requests.size());
  soci::transaction tx(*s);
  const std::string now = now_iso8601();
  *s << "UPDATE practice_chain_head SET updated_at = :now WHERE id = 1", soci::use(now, "now");
  ChainHeadRecord head;
  {
    soci::row r;
    *s << "SELECT sequence, hash FROM practice_chain_head WHERE id = 1", soci::into(r);
    head.sequence = integer_at(r, 0);
    head.hash = text_of(r, 1);
  }
  std::map<std::string, PracticeRecord> practices;  // touched in this batch, by id
  std::map<std::string, std::vector<StoredEvent>> fresh;  // the new events of each touched practice
  EventInserter inserter(*s);
  std::optional<bool> outbox;  // does any subscriber want events? asked once per transaction
  auto practice = [&](const std::string& id) -> PracticeRecord& {
    auto it = practices.find(id);
    if (it == practices.end()) {
      auto p = practice_where(*s, "id = :a", id);
      if (!p) throw std::runtime_error("pratica inesistente nel lotto");  // the caller resolved it: a bug
      it = practices.emplace(id, std::move(*p)).first;
    }
    return it->second;
  };
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const AppendRequest& req = requests[i];
    AppendOutcome& out = outcomes[i];
    bool replay = false;
    for (const auto& j : req.jtis)
      if (!insert_jti(*s, j)) replay = true;
    if (replay) {
      out.kind = AppendOutcome::Kind::Replay;
      continue;
    }
    if (req.open) {
      const PracticeRecord& want = *req.open;
      auto existing = practice_where(*s, "ente_id = :a AND backoffice_system = :b AND backoffice_ref = :c",
                                     want.ente_id, want.backoffice_system, want.backoffice_ref);
      if (existing && !same_opening(*existing, want)) {
        out.kind = AppendOutcome::Kind::OpenConflict;
        out.practice = existing;
        continue;
      }
      if (!existing) {
        insert_practice(*s, want);
        practices[want.id] = want;
      }
      out.practice_existed = existing.has_value();
      out.practice = existing ? *existing : want;
    }
    for (const NewEvent& n : req.events) {
      std::string practice_id = n.practice_id;
      if (req.open && practice_id.empty()) practice_id = out.practice->id;
      StoredEvent e;
      e.sequence = head.sequence + 1;
      e.practice_id = practice_id;
      e.source = n.source;
      e.event_id = n.event_id;
      e.type = n.type;
      e.event_time = n.event_time;
      e.event_time_ms = n.event_time_ms;
      e.status = n.status;
      e.backoffice_code = n.backoffice_code;
      e.backoffice_label = n.backoffice_label;
      e.client_id = n.client_id;
      e.received_at = now;
      e.document = n.document;
      e.previous_hash = head.hash;
      e.hash = hooks.chain_hash(e.sequence, e.previous_hash, event_chain_payload(e));
      if (!inserter.insert(e)) {
        auto stored = stored_event_ref(*s, n.source, n.event_id);
        if (!stored) throw std::runtime_error("evento duplicato non ritrovato");
        out.events.push_back({stored->first, true, stored->second});
        continue;
      }
      head.sequence = e.sequence;
      head.hash = e.hash;
      out.events.push_back({e.sequence, false, practice_id});
      PracticeRecord& p = practice(practice_id);
      if (hooks.on_stored) {
        if (!outbox) outbox = !hooks.outbox_wanted || hooks.outbox_wanted(*s);
        if (*outbox) hooks.on_stored(*s, e, p);
      }
      fresh[practice_id].push_back(std::move(e));
    }
  }
  if (!fresh.empty()) {
    ProjectionUpdater updater(*s);
    for (const auto& [id, events] : fresh) {
      PracticeRecord& p = practices.at(id);
      if (hooks.reproject) hooks.reproject(p, events, [&, practice_id = id] { return events_of(*s, practice_id); });
      p.updated_at = now;
      updater.update(p);
    }
  }
  long long seq = head.sequence;
  *s << "UPDATE practice_chain_head SET sequence = :seq, hash = :hash WHERE id = 1", soci::use(seq, "seq"),
      soci::use(head.hash, "hash");
  tx.commit();
  for (auto& out : outcomes)
    if (out.practice) {
      auto it = practices.find(out.practice->id);
      if (it != practices.end()) out.practice = it->second;
    }
  return outcomes;
}

// --- reads ---------------------------------------------------------------------------------------

std::optional<PracticeRecord> find_practice(Database& db, const std::string& id) {
  auto s = db.acquire();
  return practice_where(*s, "id = :a", id);
}

std::optional<PracticeRecord> find_practice_by_ref(Database& db, const std::string& ente_id, const std::string& system,
                                                   const std::string& ref) {
  auto s = db.acquire();
  return practice_where(*s, "ente_id = :a AND backoffice_system = :b AND backoffice_ref = :c", ente_id, system, ref);
}

std::vector<PracticeRecord> practices_of_subjects(Database& db, const std::vector<std::string>& subjects,
                                                  std::size_t limit) {
  auto s = db.acquire();
  std::map<std::string, PracticeRecord> found;
  long long n = static_cast<long long>(limit);
  for (const auto& subject : subjects) {
    for (const char* column : {"applicant", "beneficiary", "intermediary"}) {
      soci::rowset<soci::row> rows =
          (s->prepare << std::string("SELECT ") + kPracticeColumns + " FROM practices WHERE " + column +
                             " = :s ORDER BY opened_at DESC LIMIT :n",
           soci::use(subject, "s"), soci::use(n, "n"));
      for (const auto& r : rows) {
        auto p = practice_from(r);
        found.emplace(p.id, std::move(p));
      }
    }
  }
  std::vector<PracticeRecord> out;
  for (auto& [id, p] : found) out.push_back(std::move(p));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.opened_at != b.opened_at ? a.opened_at > b.opened_at : a.id < b.id;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<PracticeRecord> practices_of_ente(Database& db, const std::string& ente_id, const std::string& today,
                                              std::size_t limit) {
  auto s = db.acquire();
  long long n = static_cast<long long>(limit);
  std::vector<PracticeRecord> out;
  // Overdue (due before today, not concluded) first, then open ones by due date, concluded last.
  soci::rowset<soci::row> rows =
      (s->prepare << std::string("SELECT ") + kPracticeColumns +
                         " FROM practices WHERE ente_id = :e ORDER BY CASE WHEN status LIKE 'concluso%' THEN 2 "
                         "WHEN due_date <> '' AND due_date < :t THEN 0 ELSE 1 END, due_date, opened_at DESC "
                         "LIMIT :n",
       soci::use(ente_id, "e"), soci::use(today, "t"), soci::use(n, "n"));
  for (const auto& r : rows) out.push_back(practice_from(r));
  return out;
}

std::vector<StoredEvent> events_of_practice(Database& db, const std::string& practice_id) {
  auto s = db.acquire();
  return events_of(*s, practice_id);
}

ChainHeadRecord chain_head(Database& db) {
  auto s = db.acquire();
  soci::row r;
  *s << "SELECT sequence, hash FROM practice_chain_head WHERE id = 1", soci::into(r);
  if (!s->got_data()) return {};
  return {integer_at(r, 0), text_of(r, 1)};
}

void for_each_event(Database& db, const std::function<void(const StoredEvent&)>& visit) {
  auto s = db.acquire();
  // Keyset pages: a rowset over millions of rows would hold one statement open for the whole
  // walk; pages of 2,000 keep memory flat on both engines.
  long long after = -1;
  const long long page = 2000;
  for (;;) {
    std::size_t seen = 0;
    soci::rowset<soci::row> rows =
        (s->prepare << std::string("SELECT ") + kEventColumns +
                           " FROM practice_events WHERE sequence > :after ORDER BY sequence LIMIT :n",
         soci::use(after, "after"), soci::use(page, "n"));
    for (const auto& r : rows) {
      StoredEvent e = event_from(r);
      after = e.sequence;
      ++seen;
      visit(e);
    }
    if (seen < static_cast<std::size_t>(page)) break;
  }
}

std::int64_t count_events(Database& db) {
  auto s = db.acquire();
  soci::row r;
  *s << "SELECT COUNT(*) FROM practice_events", soci::into(r);
  return integer_at(r, 0);
}

void purge_used_jti(Database& db, std::int64_t now) {
  auto s = db.acquire();
  long long cutoff = now;
  *s << "DELETE FROM modi_used_jti WHERE expires_at < :now", soci::use(cutoff, "now");
}

bool remember_jti(Database& db, const std::string& client_id, const std::string& jti, std::int64_t expires_at) {
  // Expired rows are swept by the ingest writer (purge_used_jti), once a minute.
  auto s = db.acquire();
  return insert_jti(*s, {client_id, jti, expires_at});
}

void log_practice_access(Database& db, const AccessLogEntry& e) {
  auto s = db.acquire();
  *s << "INSERT INTO practice_access_log (practice_id, subject, actor, actor_kind, actor_label, reason, at) "
        "VALUES (:p, :s, :a, :k, :l, :r, :at)",
      soci::use(e.practice_id, "p"), soci::use(e.subject, "s"), soci::use(e.actor, "a"),
      soci::use(e.actor_kind, "k"), soci::use(e.actor_label, "l"), soci::use(e.reason, "r"), soci::use(e.at, "at");
}

void log_practice_access_once(Database& db, const AccessLogEntry& e, const std::string& since) {
  auto s = db.acquire();
  *s << "INSERT INTO practice_access_log (practice_id, subject, actor, actor_kind, actor_label, reason, at) "
        "SELECT :p, :s, :a, :k, :l, :r, :at WHERE NOT EXISTS (SELECT 1 FROM practice_access_log WHERE "
        "subject = :s2 AND practice_id = :p2 AND actor = :a2 AND at >= :since)",
      soci::use(e.practice_id, "p"), soci::use(e.subject, "s"), soci::use(e.actor, "a"),
      soci::use(e.actor_kind, "k"), soci::use(e.actor_label, "l"), soci::use(e.reason, "r"), soci::use(e.at, "at"),
      soci::use(e.subject, "s2"), soci::use(e.practice_id, "p2"), soci::use(e.actor, "a2"),
      soci::use(since, "since");
}

std::vector<AccessLogEntry> access_log_of(Database& db, const std::string& subject, std::size_t limit) {
  auto s = db.acquire();
  long long n = static_cast<long long>(limit);
  std::vector<AccessLogEntry> out;
  soci::rowset<soci::row> rows =
      (s->prepare << "SELECT practice_id, subject, actor, actor_kind, actor_label, reason, at FROM "
                     "practice_access_log WHERE subject = :s ORDER BY at DESC, id DESC LIMIT :n",
       soci::use(subject, "s"), soci::use(n, "n"));
  for (const auto& r : rows)
    out.push_back({text_of(r, 0), text_of(r, 1), text_of(r, 2), text_of(r, 3), text_of(r, 4), text_of(r, 5),
                   text_of(r, 6)});
  return out;
}

}  // namespace au::store
