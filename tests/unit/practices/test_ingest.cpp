// The ingest and its store: group commit, idempotency by (source, id), out-of-order events,
// validation before any write, replayed jti, the hash chain and its head, concurrency.
// Runs on SQLite and, with AU_TEST_DATABASE_URL, on PostgreSQL.
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "../support/db_fixture.h"
#include "identity/hash_chain.h"
#include "practices/ingest.h"
#include "store/practice_repository.h"

namespace au::practices {
namespace {

using nlohmann::json;

std::shared_ptr<const domain::CatalogSnapshot> tiny_catalog() {
  domain::Ente perugia;
  perugia.id = "comune-054039";
  perugia.name = "Comune di Perugia";
  domain::Service s;
  s.id = "svc-passo-carrabile";
  s.slug = "passo-carrabile";
  s.title = "Passo carrabile";
  s.legal_term_days = 30;
  return std::make_shared<domain::CatalogSnapshot>(1, std::vector<domain::Ente>{perugia},
                                                   std::vector<domain::Service>{s},
                                                   std::vector<domain::ServiceVariant>{},
                                                   std::vector<domain::VocabularyTerm>{});
}

BackofficeClient client_of(const std::string& ente) {
  BackofficeClient c;
  c.modi.client_id = "vbg-" + ente;
  c.modi.ente_id = ente;
  c.system = "VBG";
  c.name = "VBG";
  std::vector<std::string> errors;
  c.mapping = *domain::StatusMapping::from_json(
      json{{"AT", {{"vbg_behaviour", 0}}}, {"SI", "sospeso-utente"}, {"CP", {{"vbg_behaviour", 1}}}}, errors);
  return c;
}

json opening(const std::string& ref) {
  return {{"service", "passo-carrabile"},
          {"reference", ref},
          {"applicant", {{"id", "RSSMRA85C52G478I"}, {"name", "Maria Rossi"}}},
          {"submitted_on", "2026-10-01"}};
}

json event(const std::string& id, const std::string& type, const std::string& subject, const std::string& time,
           json data = json::object()) {
  return {{"specversion", "1.0"}, {"id", id},        {"source", "urn:vbg:test"},
          {"type", "it.umbria.accessounico.pratica." + type}, {"subject", subject}, {"time", time},
          {"data", std::move(data)}};
}

class IngestTest : public testing_support::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    ingest_ = std::make_unique<IngestService>(*db_, [] { return tiny_catalog(); });
    ingest_->start();
  }
  void TearDown() override {
    ingest_.reset();
    DatabaseTest::TearDown();
  }
  std::string open(const std::string& ref) {
    auto a = ingest_->open_practice_sync(perugia_, opening(ref));
    EXPECT_EQ(a.status, 201) << a.body.dump();
    return a.body.value("id", "");
  }
  std::vector<store::StoredEvent> events(const std::string& id) { return store::events_of_practice(*db_, id); }

  std::unique_ptr<IngestService> ingest_;
  BackofficeClient perugia_ = client_of("comune-054039");
  BackofficeClient terni_ = client_of("comune-055032");
};

TEST_F(IngestTest, OpeningTwiceAnswersTheSamePracticeAndOtherContentIsAConflict) {
  std::string id = open("VBG-1");
  ASSERT_FALSE(id.empty());
  auto again = ingest_->open_practice_sync(perugia_, opening("VBG-1"));
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body["id"], id);
  json other = opening("VBG-1");
  other["applicant"]["id"] = "02876540549";
  auto conflict = ingest_->open_practice_sync(perugia_, other);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(events(id).size(), 1u);  // the "aperta" event only
}

TEST_F(IngestTest, TheSameEventTwiceIsStoredOnceAndAnsweredAlike) {
  std::string id = open("VBG-2");
  json e = event("e-1", "protocollata", "VBG-2", "2026-10-01T09:00:00+02:00",
                 {{"protocol_number", "PG/1"}, {"protocol_date", "2026-10-01"}});
  auto first = ingest_->append_events_sync(perugia_, e);
  auto second = ingest_->append_events_sync(perugia_, e);
  ASSERT_EQ(first.status, 200) << first.body.dump();
  EXPECT_EQ(first.status, second.status);
  EXPECT_EQ(first.body, second.body);
  EXPECT_EQ(events(id).size(), 2u);
  // Inside one batch too, and mixed with a new one.
  auto batch = ingest_->append_events_sync(
      perugia_, json::array({e, event("e-2", "stato", id, "2026-10-02T09:00:00Z", {{"status_code", "AT"}})}));
  ASSERT_EQ(batch.status, 200) << batch.body.dump();
  EXPECT_EQ(batch.body["results"][0]["sequence"], first.body["sequence"]);
  EXPECT_EQ(events(id).size(), 3u);
}

TEST_F(IngestTest, LateEventsTakeTheirPlaceAndTheLatestTimeSetsTheStatus) {
  std::string id = open("VBG-3");
  // The conclusion arrives first, the integration request (earlier in time) after it.
  ASSERT_EQ(ingest_->append_events_sync(perugia_, event("c", "conclusa", id, "2026-10-20T10:00:00Z",
                                                        {{"esito", "positivo"}, {"status_code", "CP"}}))
                .status,
            200);
  ASSERT_EQ(ingest_->append_events_sync(perugia_, event("r", "richiesta-integrazione", id, "2026-10-05T10:00:00Z",
                                                        {{"request_id", "I1"}, {"description", "Planimetria"},
                                                         {"status_code", "SI"}}))
                .status,
            200);
  auto p = store::find_practice(*db_, id);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, "concluso-positivo");
  EXPECT_EQ(p->backoffice_code, "CP");
  auto stored = events(id);
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[1].event_id, "r");  // ordered by event time, not arrival
  EXPECT_EQ(stored[2].event_id, "c");
}

TEST_F(IngestTest, AnyInvalidEventRejectsTheWholeBatchAndWritesNothing) {
  std::string id = open("VBG-4");
  json good = event("g", "stato", id, "2026-10-02T09:00:00Z", {{"status_code", "AT"}});
  json unmapped = event("u", "stato", id, "2026-10-03T09:00:00Z", {{"status_code", "ZZ"}});
  auto a = ingest_->append_events_sync(perugia_, json::array({good, unmapped}));
  EXPECT_EQ(a.status, 422);
  ASSERT_TRUE(a.body.contains("errors"));
  EXPECT_EQ(a.body["errors"][0]["path"], "/1/data/status_code");
  EXPECT_NE(a.body["errors"][0]["message"].get<std::string>().find("'ZZ'"), std::string::npos);
  json bad_data = event("b", "richiesta-integrazione", id, "2026-10-03T09:00:00Z", {{"description", "x"}});
  bad_data["specversion"] = "0.3";
  a = ingest_->append_events_sync(perugia_, json::array({good, bad_data}));
  EXPECT_EQ(a.status, 422);
  a = ingest_->append_events_sync(perugia_, json::array({good, event("x", "sconosciuto", id, "2026-10-03T09:00:00Z")}));
  EXPECT_EQ(a.status, 422);
  a = ingest_->append_events_sync(perugia_, json::array({good, event("y", "stato", "VBG-NONE", "2026-10-03T09:00:00Z",
                                                                      {{"status_code", "AT"}})}));
  EXPECT_EQ(a.status, 404);
  a = ingest_->append_events_sync(terni_, good);
  EXPECT_EQ(a.status, 403);  // a Perugia practice named by id, written by Terni's client
  a = ingest_->append_events_sync(perugia_, json::array());
  EXPECT_EQ(a.status, 422);
  json big = json::array();
  for (int i = 0; i < 1001; ++i) big.push_back(good);
  EXPECT_EQ(ingest_->append_events_sync(perugia_, big).status, 413);
  EXPECT_EQ(events(id).size(), 1u);
  EXPECT_EQ(store::chain_head(*db_).sequence, 1);
}

TEST_F(IngestTest, AReplayedJtiIsRefusedInsideTheTransaction) {
  std::string id = open("VBG-5");
  std::promise<IngestAnswer> first, second;
  store::AppendRequest::Jti jti{perugia_.modi.client_id, "jti-1", 9999999999};
  ingest_->append_events(perugia_, event("j1", "stato", id, "2026-10-02T09:00:00Z", {{"status_code", "AT"}}), {jti},
                         [&](IngestAnswer a) { first.set_value(a); });
  EXPECT_EQ(first.get_future().get().status, 200);
  ingest_->append_events(perugia_, event("j2", "stato", id, "2026-10-03T09:00:00Z", {{"status_code", "AT"}}), {jti},
                         [&](IngestAnswer a) { second.set_value(a); });
  EXPECT_EQ(second.get_future().get().status, 401);
  EXPECT_EQ(events(id).size(), 2u);
}

TEST_F(IngestTest, ConcurrentClientsBuildOneUnbrokenChainWithEveryEventOnce) {
  std::string id = open("VBG-6");
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        json e = event("t" + std::to_string(t) + "-" + std::to_string(i), "stato", id,
                       "2026-10-02T09:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ":00Z",
                       {{"status_code", "AT"}});
        if (ingest_->append_events_sync(perugia_, e).status == 200) ++acknowledged;
        if (i % 10 == 0 && ingest_->append_events_sync(perugia_, e).status != 200) --acknowledged;  // re-send
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(acknowledged.load(), kThreads * kEach);
  EXPECT_EQ(events(id).size(), static_cast<std::size_t>(kThreads * kEach + 1));
  std::vector<identity::ChainRecord> chain;
  store::for_each_event(*db_, [&](const store::StoredEvent& e) {
    chain.push_back({e.sequence, store::event_chain_payload(e), e.previous_hash, e.hash});
  });
  auto head = store::chain_head(*db_);
  EXPECT_EQ(head.sequence, kThreads * kEach + 1);
  EXPECT_TRUE(identity::verify_chain(chain, {head.sequence, head.hash}).empty());
}

TEST_F(IngestTest, TamperingIsDetectedAndNamesTheRecord) {
  std::string id = open("VBG-7");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(ingest_->append_events_sync(perugia_, event("m" + std::to_string(i), "messaggio", id,
                                                          "2026-10-0" + std::to_string(i + 2) + "T09:00:00Z",
                                                          {{"text", "nota " + std::to_string(i)}}))
                  .status,
              200);
  {
    auto s = db_->acquire();
    *s << "UPDATE practice_events SET document = REPLACE(document, 'nota 1', 'nota X') WHERE sequence = 3";
  }
  std::vector<identity::ChainRecord> chain;
  store::for_each_event(*db_, [&](const store::StoredEvent& e) {
    chain.push_back({e.sequence, store::event_chain_payload(e), e.previous_hash, e.hash});
  });
  auto problems = identity::verify_chain(chain, {store::chain_head(*db_).sequence, store::chain_head(*db_).hash});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].sequence, 3);
  EXPECT_EQ(problems[0].kind, "altered");
}

TEST_F(IngestTest, AStoppedServiceAnswers503AndWritesNothing) {
  std::string id = open("VBG-8");
  ingest_->stop();
  auto a = ingest_->append_events_sync(perugia_, event("s", "stato", id, "2026-10-02T09:00:00Z", {{"status_code", "AT"}}));
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(events(id).size(), 1u);
}

}  // namespace
}  // namespace au::practices
