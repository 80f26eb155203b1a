// Shared pieces of the notify tests: a migrated database (SQLite, or PostgreSQL when
// AU_TEST_DATABASE_URL is set) with the bundled templates seeded, practices and messages
// written the way the product writes them, and a scripted channel that records what it was
// asked to send (the channels themselves are tested against real servers in tests/unit/channels).
#pragma once

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <deque>
#include <mutex>

#include "../support/db_fixture.h"
#include "channels/channel.h"
#include "notify/fanout.h"
#include "notify/template_library.h"
#include "store/notification_repository.h"
#include "store/notification_settings_repository.h"
#include "store/webhook_repository.h"

namespace au::notify::testing {

using Clock = std::chrono::system_clock;

inline const std::string kEnte = "comune-054039";
inline const std::string kService = "passo-carrabile";
inline const std::string kMaria = "RSSMRA85C52G478I";
inline const std::string kLuca = "VRDLCU78S23L117P";

// A channel that answers from a script (Delivered when the script is empty) and records every
// notification it was given, from any thread.
class ScriptedChannel : public channels::Channel {
 public:
  struct Shared {
    std::mutex mutex;
    std::deque<channels::SendResult> script;
    std::vector<channels::OutgoingNotification> sent;
    std::atomic<int> calls{0};
    void push(channels::SendOutcome o, std::string reason = "", int retry_after = 0) {
      std::lock_guard lock(mutex);
      channels::SendResult r;
      r.outcome = o;
      r.reason = std::move(reason);
      r.retry_after_seconds = retry_after;
      script.push_back(r);
    }
    std::vector<channels::OutgoingNotification> all() {
      std::lock_guard lock(mutex);
      return sent;
    }
  };
  explicit ScriptedChannel(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  channels::SendResult send(const channels::OutgoingNotification& n) override {
    ++shared_->calls;
    std::lock_guard lock(shared_->mutex);
    shared_->sent.push_back(n);
    if (shared_->script.empty()) {
      channels::SendResult ok;
      ok.outcome = channels::SendOutcome::Delivered;
      ok.provider_ref = "ref-" + std::to_string(n.id);
      return ok;
    }
    auto r = shared_->script.front();
    shared_->script.pop_front();
    return r;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

inline channels::ChannelFactory scripted(std::shared_ptr<ScriptedChannel::Shared> shared) {
  return [shared] { return std::make_unique<ScriptedChannel>(shared); };
}

class NotifyTest : public testing_support::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    templates_ = std::make_unique<TemplateLibrary>(*db_, std::filesystem::path(AU_SOURCE_DIR) / "templates" / "notifications");
    templates_->seed(store::now_iso8601());
  }
  void TearDown() override {
    templates_.reset();
    DatabaseTest::TearDown();
  }

  FanOutSettings fanout_settings(bool email = true, bool io = true, bool sms = true) const {
    FanOutSettings s;
    s.base_url = "https://umbriasemplice.example";
    s.channels = {email, io, sms, true};
    s.email_layout = std::filesystem::path(AU_SOURCE_DIR) / "templates" / "email" / "layout.html";
    return s;
  }

  // A practice as the ingest would leave it (projection columns included).
  void add_practice(const std::string& id, const std::string& applicant, const std::string& applicant_due,
                    const std::string& due, const std::string& status = "in-corso",
                    const std::string& service = kService, const std::string& intermediary = "") {
    auto s = db_->acquire();
    *s << "INSERT INTO practices (id, ente_id, service_id, title, client_id, backoffice_system, backoffice_ref, "
          "applicant, intermediary, legal_term_days, opened_at, status, due_date, updated_at, applicant_due_date) "
          "VALUES (:id, :e, :s, 'Passo carrabile in via dei Priori', 'c1', 'VBG', :ref, :a, :i, 30, "
          "'2026-11-01T10:00:00Z', :st, :d, '2026-11-01T10:00:00Z', :ad)",
        soci::use(id, "id"), soci::use(kEnte, "e"), soci::use(service, "s"), soci::use(id, "ref"),
        soci::use(applicant, "a"), soci::use(intermediary, "i"), soci::use(status, "st"), soci::use(due, "d"),
        soci::use(applicant_due, "ad");
  }

  long long add_message(const std::string& recipient, const std::string& kind, const std::string& practice = "",
                        const std::string& due_date = "", Clock::time_point send_at = Clock::now(),
                        const std::string& fields = "{}") {
    auto s = db_->acquire();
    soci::transaction tx(*s);
    store::MessageInserter ins(*s);
    store::NewMessage m;
    m.dedup_key = "test:" + std::to_string(++message_seq_);
    m.recipient = recipient;
    m.kind = kind;
    m.practice_id = practice;
    m.service_id = practice.empty() ? "" : kService;
    m.ente_id = kEnte;
    m.fields = fields;
    m.due_date = due_date;
    m.send_at = store::webhook_time(send_at);
    m.created_at = store::now_iso8601();
    EXPECT_TRUE(ins.insert(m));
    tx.commit();
    long long id = 0;
    *s << "SELECT id FROM messages WHERE dedup_key = :k", soci::into(id), soci::use(m.dedup_key, "k");
    return id;
  }

  void set_contact(const std::string& subject, const std::string& channel, const std::string& address,
                   const std::string& secret = "") {
    store::upsert_contact(*db_, {subject, channel, address, secret, "", "", store::now_iso8601()});
  }

  long long count(const std::string& sql) {
    auto s = db_->acquire();
    long long n = 0;
    *s << sql, soci::into(n);
    return n;
  }

  std::unique_ptr<TemplateLibrary> templates_;
  int message_seq_ = 0;
};

}  // namespace au::notify::testing
