// Server-side sessions of people logged in through the OpenID provider.
//
// Contract: sessions live in the database (every node sees them); the browser holds only a
// random 43-character id in a cookie named "__Host-au_session" (Secure, HttpOnly,
// SameSite=Lax, Path=/), relaxed to "au_session" without Secure only when the portal runs on
// plain-HTTP localhost. The database keeps the id's SHA-256, never the id. A session ends
// after `idle_timeout` without requests or `absolute_timeout` after login, whichever first.
// start() always creates a new id (so an id planted before login is useless: no fixation).
// Each node caches a resumed session for at most `cache_ttl_ms` (logout on the same node takes
// effect at once, on other nodes within that time) and writes last-seen at most once a minute.
// The Principal of a session carries the person's roles and received delegations as stored
// when the session was loaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/access_policy.h"
#include "identity/oidc_client.h"
#include "store/database.h"
#include "store/identity_repository.h"
#include "web/http.h"

namespace au::identity {

struct SessionSettings {
  std::int64_t idle_timeout_seconds = 30 * 60;
  std::int64_t absolute_timeout_seconds = 12 * 60 * 60;
  bool secure_cookie = true;           // false only for plain-HTTP localhost
  std::int64_t cache_ttl_ms = 2000;
};

struct ActiveSession {
  store::SessionRecord record;         // record.id_hash identifies it; the clear id is never kept
  domain::Principal principal;
  std::string display_name() const;    // "Maria Rossi" (or the fiscal code when no name was given)
};

class SessionManager {
 public:
  SessionManager(store::Database& db, SessionSettings settings);

  const std::string& cookie_name() const { return cookie_name_; }
  const SessionSettings& settings() const { return settings_; }

  // Creates the session after a successful login; returns the Set-Cookie header value.
  std::string start(const Identity& who);
  // The session named by the request's cookie, if valid and not expired.
  std::shared_ptr<const ActiveSession> resume(const web::Request& req);
  // Ends it everywhere; returns the Set-Cookie value that clears the cookie.
  std::string end(const ActiveSession& s);
  std::string clearing_cookie() const;
  // Changes who the person acts for (empty: themselves) and reloads the cached copy.
  void act_for(const ActiveSession& s, const std::string& subject, const std::string& delegation_id);
  // Drops this node's cached copies of a person's sessions (after a role or delegation change).
  void forget_person(const std::string& fiscal_code);

  // Builds the principal of a person from the stored roles and delegations received.
  domain::Principal principal_for(const std::string& fiscal_code);

  // Reads a cookie value from the request's Cookie header ("" if absent or malformed).
  static std::string cookie_value(const web::Request& req, const std::string& name);

 private:
  struct Cached {
    std::shared_ptr<const ActiveSession> session;
    std::int64_t loaded_ms;
  };
  std::shared_ptr<const ActiveSession> load(const std::string& id_hash);
  void drop_cached(const std::string& id_hash);
  // Deletes expired sessions and login attempts, at most every ten minutes per node.
  void purge_now_and_then(std::int64_t now);

  store::Database& db_;
  SessionSettings settings_;
  std::string cookie_name_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;  // by the cookie's id (in memory only)
  std::int64_t last_purge_ = 0;  // guarded by mutex_
};

// A state-changing request of a logged-in person is genuine when it carries the session's
// CSRF token (form field or X-CSRF-Token header: `submitted`, else the header is read) and,
// when the browser sends Origin, comes from our own origin.
bool csrf_ok(const web::Request& req, const ActiveSession& s, const std::string& submitted, const std::string& base_url);

// May `who` act for `subject` (a client who delegated them, or a business they represent)?
// Never for themselves. The decision carries the delegation used, if any.
domain::Decision acting_for_allowed(const domain::Principal& who, const std::string& subject, const std::string& now);

// Anonymous principal.
domain::Principal anonymous();

}  // namespace au::identity
