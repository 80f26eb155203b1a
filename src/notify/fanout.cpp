#include "notify/fanout.h"

#include <cmark.h>
#include <kainjow/mustache.hpp>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "domain/calendar.h"
#include "domain/delivery_policy.h"
#include "domain/io_message.h"
#include "domain/practice_projection.h"
#include "domain/practice_status.h"
#include "identity/crypto.h"
#include "store/practice_repository.h"
#include "store/webhook_repository.h"

namespace au::notify {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

std::int64_t epoch_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Clock::time_point from_ms(std::int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

// "2026-12-11" -> "11/12/2026".
std::string italian_short_date(const std::string& iso) {
  auto d = domain::parse_civil_date(iso);
  if (!d) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d->d, d->m, d->y);
  return buf;
}

// The end of a Rome calendar day as an ISO 8601 UTC instant (App IO's due_date).
std::string end_of_rome_day_utc(const std::string& iso_date) {
  auto d = domain::parse_civil_date(iso_date);
  if (!d) return "";
  const std::int64_t local_end_ms = (domain::to_days(*d) * 86'400 + 86'399) * 1000;
  const std::int64_t offset_ms = std::int64_t(domain::rome_offset_minutes(local_end_ms)) * 60'000;
  auto t = store::webhook_time(from_ms(local_end_ms - offset_ms));
  return t;
}

bool is_fiscal_code(const std::string& s) { return s.size() == 16; }

const store::Contact* usable_contact(const store::RecipientProfile& who, const std::string& channel) {
  for (const auto& c : who.contacts)
    if (c.channel == channel) return c.invalid_at.empty() && !c.address.empty() ? &c : nullptr;
  return nullptr;
}

// The plain-text part of an email: the markdown as written, without the backslashes that
// escape personalised values (markdown is meant to read well as text).
std::string markdown_as_text(const std::string& md) {
  std::string out;
  out.reserve(md.size());
  for (std::size_t i = 0; i < md.size(); ++i) {
    if (md[i] == '\\' && i + 1 < md.size() && std::ispunct(static_cast<unsigned char>(md[i + 1]))) continue;
    out += md[i];
  }
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool channel_enabled(const std::vector<store::Preference>& prefs, const std::string& service_id,
                     const std::string& channel) {
  const store::Preference* general = nullptr;
  for (const auto& p : prefs) {
    if (p.channel != channel) continue;
    if (!service_id.empty() && p.service_id == service_id) return p.enabled;
    if (p.service_id.empty()) general = &p;
  }
  return general == nullptr || general->enabled;
}

FanOut::FanOut(store::Database& db, TemplateLibrary& templates, CatalogProvider catalog, FanOutSettings settings)
    : db_(db), templates_(templates), catalog_(std::move(catalog)), settings_(std::move(settings)) {
  if (!settings_.email_layout.empty()) layout_ = read_file(settings_.email_layout);
}

int FanOut::run_once(Clock::time_point now) {
  const std::string at = store::webhook_time(now);
  const std::string lease_until = store::webhook_time(now + settings_.lease);
  const auto claimed = store::claim_pending_messages(db_, at, lease_until, settings_.batch_size);
  if (claimed.empty()) return 0;
  std::vector<std::string> recipients;
  for (const auto& m : claimed) recipients.push_back(m.recipient);
  auto profiles = store::recipient_profiles(db_, recipients);
  std::vector<store::FannedOutMessage> batch;
  for (const auto& m : claimed) {
    try {
      batch.push_back(render(m, profiles[m.recipient], now));
    } catch (const std::exception& e) {
      // The lease expires and another run tries again; the message id is not personal data.
      spdlog::error("notifiche: messaggio {} non preparato: {}", m.id, e.what());
    }
  }
  int ready = 0;
  const auto stored = store::complete_fanouts(db_, batch, lease_until, at);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored[i])
      ++ready;
    else
      spdlog::warn("notifiche: messaggio {} già preso da un altro processo", batch[i].id);
  }
  return ready;
}

json FanOut::fields_of(const store::MessageRecord& m, const store::RecipientProfile& who, Clock::time_point now) const {
  json f = json::object();
  const std::string base = settings_.base_url;
  f["portale_url"] = base + "/";
  f["nome"] = who.given_name;
  auto cat = catalog_ ? catalog_() : nullptr;
  if (cat) {
    // "Comune di Perugia": the catalogue names a comune by its name alone.
    if (const auto* e = cat->ente_by_id(m.ente_id))
      f["ente"] = e->kind == domain::EnteKind::Comune ? "Comune di " + e->name : e->name;
    if (const auto* s = cat->service_by_id(m.service_id)) f["servizio"] = s->title;
  }
  if (!m.practice_id.empty()) {
    if (auto p = store::find_practice(db_, m.practice_id)) {
      f["pratica_titolo"] = p->title;
      f["pratica_id"] = p->backoffice_ref.empty() ? p->id : p->backoffice_ref;
      f["protocollo"] = p->protocol_number;
      if (auto s = domain::parse_status_code(p->status)) f["stato"] = domain::status_label(*s);
      f["stato_ente"] = p->backoffice_label;
    }
    f["pratica_url"] = base + "/area-personale/pratiche/" + m.practice_id;
  }
  // What the cause knew (the status the event set, the reason, ...) wins over today's projection.
  json own = json::parse(m.fields, nullptr, false);
  if (own.is_object())
    for (auto it = own.begin(); it != own.end(); ++it)
      if (it->is_string()) f[it.key()] = *it;
  if (!m.due_date.empty()) {
    f["scadenza"] = italian_short_date(m.due_date);
    if (!f.contains("giorni")) {
      if (auto due = domain::parse_civil_date(m.due_date)) {
        const auto today = domain::rome_date(epoch_ms(now));
        // Days left; for an overdue alert, days late.
        const auto left = domain::days_between(today, *due);
        f["giorni"] = std::to_string(m.kind == "scadenza-superata" ? std::max<std::int64_t>(0, -left)
                                                                   : std::max<std::int64_t>(0, left));
      }
    }
  }
  return f;
}

std::string FanOut::email_html(const std::string& subject, const std::string& markdown,
                               const std::string& unsubscribe_url) const {
  // cmark's default (safe) mode drops raw HTML and javascript: links from the markdown.
  char* html = cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT);
  std::string content = html ? html : "";
  std::free(html);
  if (layout_.empty()) return content;
  // Parsed once per thread (a kainjow template is not safe to render from two threads at once).
  thread_local std::string parsed_source;
  thread_local std::unique_ptr<kainjow::mustache::mustache> parsed;
  if (!parsed || parsed_source != layout_) {
    parsed = std::make_unique<kainjow::mustache::mustache>(layout_);
    parsed_source = layout_;
  }
  kainjow::mustache::mustache& tmpl = *parsed;
  kainjow::mustache::data d;
  d.set("subject", subject);
  d.set("content", content);
  d.set("preferences_url", settings_.base_url + "/area-personale/notifiche");
  if (!unsubscribe_url.empty()) d.set("unsubscribe_url", unsubscribe_url);
  return tmpl.render(d);
}

store::FannedOutMessage FanOut::render(const store::MessageRecord& m, store::RecipientProfile who,
                                       Clock::time_point now) {
  const std::string at = store::webhook_time(now);
  // The email address given at login is the default contact; as a contact row it can be flagged
  // by a bounce like any other.
  if (settings_.channels.email && !who.login_email.empty() &&
      std::none_of(who.contacts.begin(), who.contacts.end(), [](const auto& c) { return c.channel == "email"; })) {
    store::Contact c{m.recipient, "email", who.login_email, "", "", "", store::now_iso8601()};
    store::upsert_contact(db_, c);
    who.contacts.push_back(c);
  }
  const json fields = fields_of(m, who, now);

  domain::TemplateText inbox{m.kind, ""};
  int inbox_version = 0;
  if (auto t = templates_.current(m.kind, "inbox")) {
    inbox = domain::render_template({t->subject, t->body}, fields, domain::TemplateSyntax::Markdown);
    inbox_version = t->version;
  }

  const auto quiet = domain::parse_quiet_hours(who.quiet.quiet_start, who.quiet.quiet_end);
  const std::int64_t now_ms = epoch_ms(now);
  const std::string polite_at = quiet ? store::webhook_time(from_ms(domain::not_in_quiet_hours(now_ms, *quiet))) : at;

  std::vector<store::NewDelivery> out;
  auto base_delivery = [&](const std::string& channel, const std::string& address) {
    store::NewDelivery d;
    d.channel = channel;
    d.address = address;
    d.idempotency_key = "au-" + std::to_string(m.id) + "-" + channel + "-" + identity::random_token(8);
    d.next_attempt_at = channel == "webhook" ? at : polite_at;
    return d;
  };
  auto wanted = [&](const std::string& channel) { return channel_enabled(who.preferences, m.service_id, channel); };
  const bool operators_only = m.kind == "scadenza-superata";

  // With the daily digest on, emails wait for the morning summary (which is itself an email).
  const bool email_now = !who.quiet.daily_digest || m.kind == store::kDigestKind;
  const bool digest_only = m.kind == store::kDigestKind;
  if (settings_.channels.email && email_now && wanted("email")) {
    if (const auto* c = usable_contact(who, "email")) {
      if (auto t = templates_.current(m.kind, "email")) {
        auto text = domain::render_template({t->subject, t->body}, fields, domain::TemplateSyntax::Markdown);
        auto d = base_delivery("email", c->address);
        d.template_version = t->version;
        d.subject = text.subject;
        d.body = markdown_as_text(text.body);
        std::string unsubscribe_url;
        if (!operators_only) {
          d.unsubscribe_token = identity::random_token(32);
          unsubscribe_url = settings_.base_url + "/disiscrizione/" + d.unsubscribe_token;
        }
        d.html = email_html(text.subject, text.body, unsubscribe_url);
        out.push_back(std::move(d));
      }
    }
  }
  if (settings_.channels.io && !operators_only && !digest_only && m.kind != "comunicazione" && is_fiscal_code(m.recipient) &&
      wanted("io")) {
    if (auto t = templates_.current(m.kind, "io")) {
      auto text = domain::render_template({t->subject, t->body}, fields, domain::TemplateSyntax::Markdown);
      auto d = base_delivery("io", m.recipient);
      d.template_version = t->version;
      d.subject = text.subject;
      d.body = text.body;
      d.due_date = m.due_date.empty() ? "" : end_of_rome_day_utc(m.due_date);
      if (auto problem = domain::io_content_problem(d.subject, d.body); !problem.empty()) {
        d.status = "technical-failure";
        d.reason = problem;
        d.next_attempt_at.clear();
      }
      out.push_back(std::move(d));
    }
  }
  if (settings_.channels.sms && !operators_only && !digest_only && wanted("sms")) {
    if (const auto* c = usable_contact(who, "sms")) {
      if (auto t = templates_.current(m.kind, "sms")) {
        auto text = domain::render_template({"", t->body}, fields, domain::TemplateSyntax::Plain);
        auto d = base_delivery("sms", c->address);
        d.template_version = t->version;
        d.body = text.body;
        out.push_back(std::move(d));
      }
    }
  }
  if (settings_.channels.webhook && !operators_only && !digest_only && wanted("webhook")) {
    if (const auto* c = usable_contact(who, "webhook")) {
      auto d = base_delivery("webhook", c->address);
      d.template_version = inbox_version;
      json body = {{"type", "it.umbria.accessounico.messaggio." + m.kind},
                   {"message_id", m.id},
                   {"subject", inbox.subject},
                   {"text", inbox.body},
                   {"practice_id", m.practice_id},
                   {"service_id", m.service_id},
                   {"ente_id", m.ente_id},
                   {"due_date", m.due_date},
                   {"created_at", m.created_at}};
      d.body = body.dump();
      out.push_back(std::move(d));
    }
  }
  return store::FannedOutMessage{m.id, inbox.subject, inbox.body, inbox_version, std::move(out)};
}

}  // namespace au::notify
