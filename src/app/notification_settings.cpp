#include "app/notification_settings.h"

#include <stdexcept>

#include "domain/delivery_policy.h"

namespace au::app {

notify::NotificationSettings notification_settings(const Config& c, const std::string& worker_id) {
  const auto& n = c.notify;
  notify::NotificationSettings s;
  s.base_url = c.base_url;
  s.share_dir = c.share_dir;
  s.smtp.url = n.smtp_url;
  s.smtp.from_address = n.smtp_from;
  s.smtp.from_name = n.smtp_from_name;
  s.smtp.username = n.smtp_username;
  s.smtp.password = n.smtp_password;
  s.smtp.ca_file = n.smtp_ca_file;
  s.smtp.require_tls = n.smtp_require_tls;
  s.smtp.timeout_ms = n.channel_timeout_ms;
  s.io.base_url = n.io_base_url;
  s.io.api_key = n.io_api_key;
  s.io.timeout_ms = n.channel_timeout_ms;
  s.sms.url = n.sms_url;
  s.sms.token = n.sms_token;
  s.sms.sender = n.sms_sender;
  s.sms.timeout_ms = n.channel_timeout_ms;
  s.webhook.timeout_ms = n.channel_timeout_ms;
  s.webhook.allow_private_networks = n.webhook_private_networks;
  auto days = domain::parse_reminder_days(n.reminder_days);
  if (!days) throw std::invalid_argument("AU_REMINDER_DAYS non valido: " + domain::reminder_days_problem(n.reminder_days));
  s.reminder_days = *days;
  auto& w = s.worker;
  w.threads = n.threads;
  w.worker_id = worker_id;
  w.base_url = c.base_url;
  using ms = std::chrono::milliseconds;
  // The lease must outlast the slowest send: the channel timeout (IO makes two calls in it).
  w.lease = ms(n.lease_ms > 0 ? n.lease_ms : std::max<long>(60'000, 2 * n.channel_timeout_ms + 30'000));
  if (n.poll_ms > 0) w.poll_interval = ms(n.poll_ms);
  if (n.scheduler_ms > 0) w.scheduler_interval = ms(n.scheduler_ms);
  if (n.retry_base_ms > 0) w.retry.base_ms = n.retry_base_ms;
  if (n.retry_cap_ms > 0) w.retry.cap_ms = n.retry_cap_ms;
  if (n.give_up_after_ms > 0) w.retry.give_up_after_ms = n.give_up_after_ms;
  return s;
}

}  // namespace au::app
