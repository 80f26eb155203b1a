#include "store/catalog_repository.h"

#include <soci/soci.h>

#include "domain/catalog_json.h"
#include "store/row_values.h"

namespace au::store {

using nlohmann::json;

void WriteCounts::add(WriteOutcome o) {
  switch (o) {
    case WriteOutcome::Inserted: ++inserted; break;
    case WriteOutcome::Updated: ++updated; break;
    case WriteOutcome::Unchanged: ++unchanged; break;
  }
}

namespace {

// Hash of the content only: version and modification time are bookkeeping, not content.
std::string hash_without_bookkeeping(json j) {
  j.erase("version");
  j.erase("modified_at");
  return domain::content_hash(j);
}

// Looks up the stored hash and version of a row; returns false when the row is absent.
bool stored_hash(soci::session& sql, const std::string& query, const std::string& key1,
                 const std::string* key2, std::string& hash, int& version) {
  soci::indicator ind = soci::i_ok;
  hash.clear();
  if (key2)
    sql << query, soci::into(hash, ind), soci::into(version), soci::use(key1, "k1"), soci::use(*key2, "k2");
  else
    sql << query, soci::into(hash, ind), soci::into(version), soci::use(key1, "k1");
  return sql.got_data();
}

}  // namespace

std::shared_ptr<const domain::CatalogSnapshot> load_snapshot(Database& db) {
  auto s = db.acquire();
  long long generation = 0;
  *s << "SELECT generation FROM catalog_generation WHERE singleton = 1", soci::into(generation);

  std::vector<domain::Ente> enti;
  {
    soci::rowset<std::string> rows = (s->prepare << "SELECT content_json FROM enti");
    for (const auto& r : rows) enti.push_back(json::parse(r).get<domain::Ente>());
  }
  std::vector<domain::Service> services;
  {
    soci::rowset<std::string> rows = (s->prepare << "SELECT content_json FROM services");
    for (const auto& r : rows) services.push_back(json::parse(r).get<domain::Service>());
  }
  {
    // Documents stored on their own (the 42 unified regional forms) join their service's list.
    std::map<std::string, domain::Service*> by_id;
    for (auto& svc : services) by_id[svc.id] = &svc;
    soci::rowset<soci::row> rows = (s->prepare << "SELECT service_id, title, url, kind, act, grouping FROM documents "
                                                  "WHERE service_id IS NOT NULL ORDER BY grouping, title");
    for (const auto& r : rows) {
      auto it = by_id.find(r.get<std::string>(0));
      if (it == by_id.end()) continue;
      std::string grouping = r.get<std::string>(5);
      it->second->documents.push_back({(grouping.empty() ? "" : grouping + ": ") + r.get<std::string>(1),
                                       r.get<std::string>(2), r.get<std::string>(3), r.get<std::string>(4)});
    }
  }
  std::vector<domain::ServiceVariant> variants;
  {
    soci::rowset<std::string> rows = (s->prepare << "SELECT content_json FROM service_variants");
    for (const auto& r : rows) variants.push_back(json::parse(r).get<domain::ServiceVariant>());
  }
  std::vector<domain::VocabularyTerm> terms;
  {
    soci::rowset<soci::row> rows = (s->prepare
        << "SELECT vocabulary, code, label, parent, slug FROM vocabulary_terms ORDER BY vocabulary, position");
    for (const auto& r : rows)
      terms.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<std::string>(2),
                       r.get<std::string>(3), r.get<std::string>(4)});
  }
  return std::make_shared<const domain::CatalogSnapshot>(static_cast<std::uint64_t>(generation), std::move(enti),
                                                         std::move(services), std::move(variants),
                                                         std::move(terms));
}

std::uint64_t current_generation(Database& db) {
  auto s = db.acquire();
  long long generation = 0;
  *s << "SELECT generation FROM catalog_generation WHERE singleton = 1", soci::into(generation);
  return static_cast<std::uint64_t>(generation);
}

void bump_generation(soci::session& sql) {
  std::string now = now_iso8601();
  sql << "UPDATE catalog_generation SET generation = generation + 1, changed_at = :t WHERE singleton = 1",
      soci::use(now);
}

WriteOutcome upsert_ente(soci::session& sql, const domain::Ente& e) {
  json j = e;
  std::string hash = domain::content_hash(j), old;
  int version = 0;
  bool exists = stored_hash(sql, "SELECT content_hash, 0 FROM enti WHERE id = :k1", e.id, nullptr, old, version);
  if (exists && old == hash) return WriteOutcome::Unchanged;
  std::string body = j.dump(), kind = domain::to_string(e.kind), now = now_iso8601();
  soci::indicator istat_ind = e.istat_code.empty() ? soci::i_null : soci::i_ok;
  sql << "INSERT INTO enti (id, slug, kind, name, istat_code, content_json, content_hash, modified_at) "
         "VALUES (:id, :slug, :kind, :name, :istat, :body, :hash, :now) "
         "ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, kind = excluded.kind, name = excluded.name, "
         "istat_code = excluded.istat_code, content_json = excluded.content_json, "
         "content_hash = excluded.content_hash, modified_at = excluded.modified_at",
      soci::use(e.id, "id"), soci::use(e.slug, "slug"), soci::use(kind, "kind"), soci::use(e.name, "name"),
      soci::use(e.istat_code, istat_ind, "istat"), soci::use(body, "body"), soci::use(hash, "hash"),
      soci::use(now, "now");
  return exists ? WriteOutcome::Updated : WriteOutcome::Inserted;
}

WriteOutcome upsert_term(soci::session& sql, const domain::VocabularyTerm& t, int position) {
  std::string label, parent, slug;
  int pos = 0;
  soci::indicator ind = soci::i_ok;
  sql << "SELECT label, parent, slug, position FROM vocabulary_terms WHERE vocabulary = :v AND code = :c",
      soci::into(label, ind), soci::into(parent), soci::into(slug), soci::into(pos), soci::use(t.vocabulary, "v"),
      soci::use(t.code, "c");
  bool exists = sql.got_data();
  if (exists && label == t.label && parent == t.parent && slug == t.slug && pos == position)
    return WriteOutcome::Unchanged;
  sql << "INSERT INTO vocabulary_terms (vocabulary, code, label, parent, slug, position) "
         "VALUES (:v, :c, :l, :p, :s, :pos) ON CONFLICT (vocabulary, code) DO UPDATE SET "
         "label = excluded.label, parent = excluded.parent, slug = excluded.slug, position = excluded.position",
      soci::use(t.vocabulary, "v"), soci::use(t.code, "c"), soci::use(t.label, "l"), soci::use(t.parent, "p"),
      soci::use(t.slug, "s"), soci::use(position, "pos");
  return exists ? WriteOutcome::Updated : WriteOutcome::Inserted;
}

WriteOutcome upsert_service(soci::session& sql, domain::Service s) {
  std::string hash = hash_without_bookkeeping(json(s)), old;
  int version = 0;
  bool exists = stored_hash(sql, "SELECT content_hash, version FROM services WHERE id = :k1", s.id, nullptr, old,
                            version);
  if (exists && old == hash) return WriteOutcome::Unchanged;
  s.version = exists ? version + 1 : 1;
  s.modified_at = now_iso8601();
  std::string body = json(s).dump(), status = domain::to_string(s.status),
              authority = s.authority == domain::AuthorityKind::EachComune ? "each-comune" : "single-ente";
  soci::indicator ente_ind = s.competent_ente_id.empty() ? soci::i_null : soci::i_ok;
  sql << "INSERT INTO services (id, slug, title, status, category, authority, competent_ente_id, content_json, "
         "content_hash, version, modified_at, source) VALUES (:id, :slug, :title, :status, :category, :authority, "
         ":ente, :body, :hash, :version, :now, :source) ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, "
         "title = excluded.title, status = excluded.status, category = excluded.category, "
         "authority = excluded.authority, competent_ente_id = excluded.competent_ente_id, "
         "content_json = excluded.content_json, content_hash = excluded.content_hash, "
         "version = excluded.version, modified_at = excluded.modified_at, source = excluded.source",
      soci::use(s.id, "id"), soci::use(s.slug, "slug"), soci::use(s.title, "title"), soci::use(status, "status"),
      soci::use(s.category, "category"), soci::use(authority, "authority"),
      soci::use(s.competent_ente_id, ente_ind, "ente"), soci::use(body, "body"), soci::use(hash, "hash"),
      soci::use(s.version, "version"), soci::use(s.modified_at, "now"), soci::use(s.source, "source");
  return exists ? WriteOutcome::Updated : WriteOutcome::Inserted;
}

WriteOutcome upsert_variant(soci::session& sql, domain::ServiceVariant v) {
  std::string hash = hash_without_bookkeeping(json(v)), old;
  int version = 0;
  bool exists = stored_hash(sql,
                            "SELECT content_hash, version FROM service_variants WHERE service_id = :k1 AND "
                            "ente_id = :k2",
                            v.service_id, &v.ente_id, old, version);
  if (exists && old == hash) return WriteOutcome::Unchanged;
  v.version = exists ? version + 1 : 1;
  v.modified_at = now_iso8601();
  std::string body = json(v).dump();
  sql << "INSERT INTO service_variants (service_id, ente_id, content_json, content_hash, version, modified_at) "
         "VALUES (:s, :e, :body, :hash, :version, :now) ON CONFLICT (service_id, ente_id) DO UPDATE SET "
         "content_json = excluded.content_json, content_hash = excluded.content_hash, "
         "version = excluded.version, modified_at = excluded.modified_at",
      soci::use(v.service_id, "s"), soci::use(v.ente_id, "e"), soci::use(body, "body"), soci::use(hash, "hash"),
      soci::use(v.version, "version"), soci::use(v.modified_at, "now");
  return exists ? WriteOutcome::Updated : WriteOutcome::Inserted;
}

WriteOutcome upsert_document(soci::session& sql, const StoredDocument& d) {
  json j = {{"title", d.title}, {"kind", d.kind}, {"grouping", d.grouping},
            {"url", d.url},     {"act", d.act},   {"service_id", d.service_id}};
  std::string hash = domain::content_hash(j), old;
  int version = 0;
  bool exists = stored_hash(sql, "SELECT content_hash, 0 FROM documents WHERE id = :k1", d.id, nullptr, old, version);
  if (exists && old == hash) return WriteOutcome::Unchanged;
  soci::indicator svc_ind = d.service_id.empty() ? soci::i_null : soci::i_ok;
  sql << "INSERT INTO documents (id, title, kind, grouping, url, act, service_id, content_hash) "
         "VALUES (:id, :title, :kind, :grouping, :url, :act, :svc, :hash) ON CONFLICT (id) DO UPDATE SET "
         "title = excluded.title, kind = excluded.kind, grouping = excluded.grouping, url = excluded.url, "
         "act = excluded.act, service_id = excluded.service_id, content_hash = excluded.content_hash",
      soci::use(d.id, "id"), soci::use(d.title, "title"), soci::use(d.kind, "kind"),
      soci::use(d.grouping, "grouping"), soci::use(d.url, "url"), soci::use(d.act, "act"),
      soci::use(d.service_id, svc_ind, "svc"), soci::use(hash, "hash");
  return exists ? WriteOutcome::Updated : WriteOutcome::Inserted;
}

std::vector<StoredDocument> list_documents(Database& db) {
  auto s = db.acquire();
  std::vector<StoredDocument> out;
  soci::rowset<soci::row> rows = (s->prepare
      << "SELECT id, title, kind, grouping, url, act, COALESCE(service_id, '') FROM documents ORDER BY grouping, title");
  for (const auto& r : rows)
    out.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<std::string>(2), r.get<std::string>(3),
                   r.get<std::string>(4), r.get<std::string>(5), r.get<std::string>(6)});
  return out;
}

void record_feedback(Database& db, const FeedbackEntry& f) {
  auto s = db.acquire();
  std::string now = now_iso8601();
  soci::indicator svc_ind = f.service_id.empty() ? soci::i_null : soci::i_ok;
  *s << "INSERT INTO feedback (service_id, page, rating, answer, detail, created_at) "
        "VALUES (:s, :p, :r, :a, :d, :t)",
      soci::use(f.service_id, svc_ind, "s"), soci::use(f.page, "p"), soci::use(f.rating, "r"), soci::use(f.answer, "a"),
      soci::use(f.detail, "d"), soci::use(now, "t");
}

FeedbackStats feedback_stats(Database& db, const std::string& service_id) {
  auto s = db.acquire();
  FeedbackStats out;
  soci::rowset<soci::row> rows = (s->prepare << "SELECT rating, COUNT(*) FROM feedback WHERE service_id = :s "
                                                "GROUP BY rating",
                                  soci::use(service_id, "s"));
  long long sum = 0;
  for (const auto& r : rows) {
    int rating = static_cast<int>(integer_at(r, 0));
    long long n = integer_at(r, 1);
    out.by_rating[rating] = n;
    out.count += n;
    sum += n * rating;
  }
  out.average = out.count ? static_cast<double>(sum) / static_cast<double>(out.count) : 0;
  return out;
}

void record_click(Database& db, const std::string& service_id, const std::string& ente_id) {
  auto s = db.acquire();
  std::string now = now_iso8601();
  *s << "INSERT INTO link_clicks (service_id, ente_id, clicks, last_click_at) VALUES (:s, :e, 1, :t) "
        "ON CONFLICT (service_id, ente_id) DO UPDATE SET clicks = link_clicks.clicks + 1, "
        "last_click_at = excluded.last_click_at",
      soci::use(service_id, "s"), soci::use(ente_id, "e"), soci::use(now, "t");
}

std::int64_t click_count(Database& db, const std::string& service_id, const std::string& ente_id) {
  auto s = db.acquire();
  long long n = 0;
  *s << "SELECT clicks FROM link_clicks WHERE service_id = :s AND ente_id = :e", soci::into(n),
      soci::use(service_id, "s"), soci::use(ente_id, "e");
  return s->got_data() ? n : 0;
}

}  // namespace au::store
