// The fan-out: turns a due message into its deliveries. For each message whose send time has
// come it reads the recipient's profile (name, contacts, preferences, quiet hours), fills the
// personalisation (practice, ente, service, deadline), renders the inbox text and, for every
// channel the recipient can be reached on and has not switched off, the channel's template,
// and stores a whole batch of messages in one transaction (store::complete_fanouts: one commit
// per batch, the cost that limits throughput on SQLite). The inbox always works: a
// person with no channel at all still gets the message there.
//
// Channel rules (why): App IO only for a person's fiscal code, and never for a `comunicazione`
// (IO forbids mass communications); `scadenza-superata` (operators) goes to the inbox and email
// only; a flagged address (permanent failure) is skipped until changed; quiet hours delay email,
// SMS and IO (not the inbox, not webhooks, which machines read). Content that breaks App IO's
// limits with the real values becomes a technical failure with the reason, visible to the person
// and the operators, instead of a call bound to fail. With the daily digest on, emails are not
// sent one by one: the morning `riepilogo-giornaliero` (email only) lists them.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/catalog_snapshot.h"
#include "notify/template_library.h"
#include "store/database.h"
#include "store/notification_repository.h"
#include "store/notification_settings_repository.h"

namespace au::notify {

struct ChannelAvailability {
  bool email = false, io = false, sms = false, webhook = true;  // configured on this deployment
};

struct FanOutSettings {
  std::string base_url;  // for links in messages
  ChannelAvailability channels;
  std::chrono::milliseconds lease{60'000};
  std::size_t batch_size = 50;
  std::filesystem::path email_layout;  // templates/email/layout.html
};

using CatalogProvider = std::function<std::shared_ptr<const domain::CatalogSnapshot>()>;

// Most specific preference wins (the service's, then the one for every service); default on.
bool channel_enabled(const std::vector<store::Preference>& prefs, const std::string& service_id,
                     const std::string& channel);

class FanOut {
 public:
  FanOut(store::Database& db, TemplateLibrary& templates, CatalogProvider catalog, FanOutSettings settings);

  // Claims and fans out one batch of messages due at `now`; returns how many became ready.
  int run_once(std::chrono::system_clock::time_point now);

  // The personalisation of a message for its recipient (also used by previews and tests).
  nlohmann::json fields_of(const store::MessageRecord& m, const store::RecipientProfile& who,
                           std::chrono::system_clock::time_point now) const;

 private:
  // The message rendered for every channel its recipient `who` gets it on (nothing is written
  // but the login email as a default contact).
  store::FannedOutMessage render(const store::MessageRecord& m, store::RecipientProfile who,
                                 std::chrono::system_clock::time_point now);
  std::string email_html(const std::string& subject, const std::string& markdown, const std::string& unsubscribe_url) const;

  store::Database& db_;
  TemplateLibrary& templates_;
  CatalogProvider catalog_;
  FanOutSettings settings_;
  std::string layout_;
};

}  // namespace au::notify
