// What a person (or a represented business) chooses about notifications: contacts (email, SMS
// number, own webhook), channels on/off for every service or for one, quiet hours, the one-click
// unsubscribe of each email (RFC 8058) and the private calendar feed's secret address.
//
// Contract:
// - Every value is validated before anything is stored (parse_preferences_update: every problem
//   with its JSON path, in Italian); apply_preferences then writes it.
// - Switching a channel off is effective at once: deliveries on that channel that have not left
//   yet are cancelled (store::cancel_pending_deliveries). The inbox cannot be switched off.
// - A webhook contact gets a fresh signing secret, returned once by apply_preferences.
// - The calendar token is 32 random alphanumerics shown once; only its SHA-256 is stored, and a
//   new one revokes the previous address.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/catalog_snapshot.h"
#include "domain/cloud_event.h"
#include "store/database.h"
#include "store/notification_repository.h"
#include "store/notification_settings_repository.h"

namespace au::notify {

struct PreferencesView {
  std::string login_email;  // from the identity provider: the default email contact
  std::vector<store::Contact> contacts;  // secrets blanked
  std::vector<store::Preference> preferences;
  store::QuietSettings quiet;
  std::string calendar_since;  // creation time of the live calendar feed, '' when none
};
PreferencesView load_preferences(store::Database& db, const std::string& subject);
nlohmann::json preferences_json(const PreferencesView& v);

struct PreferencesUpdate {
  // A contact: nullopt = unchanged, "" = removed, otherwise the new address.
  std::optional<std::string> email, sms, webhook;
  std::vector<store::Preference> switches;  // service '' = every service
  std::optional<store::QuietSettings> quiet;  // hours only (daily_digest below)
  std::optional<bool> daily_digest;
};
// Reads the JSON body of PUT /api/v1/notification-preferences (any subset of contacts,
// channels, services, quiet_hours, daily_digest). `catalog` checks service ids (null: not checked).
std::vector<domain::FieldError> parse_preferences_update(const nlohmann::json& body,
                                                         const domain::CatalogSnapshot* catalog,
                                                         PreferencesUpdate& out);
// Returns the new webhook secret when a webhook address was set ('' otherwise).
std::string apply_preferences(store::Database& db, const std::string& subject, const PreferencesUpdate& u,
                              const std::string& now);

// One-click unsubscribe: the email link's token -> that recipient's emails for that service
// switched off (every service when the message had none) and what was pending cancelled.
std::optional<store::UnsubscribeTarget> unsubscribe_target(store::Database& db, const std::string& token);
bool unsubscribe(store::Database& db, const std::string& token, const std::string& now);

// A new secret calendar address for `subject` (the token, shown once).
std::string new_calendar_token(store::Database& db, const std::string& subject, const std::string& now);
// The subject of a live token, nullopt when the token is malformed, unknown or revoked.
std::optional<std::string> calendar_token_subject(store::Database& db, const std::string& token);

}  // namespace au::notify
