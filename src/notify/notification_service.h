// Notifications, assembled: templates, fan-out, reminder scheduler, channels and the worker
// threads, built from one settings struct. The application and `accesso-unico worker` own one.
//
// Contract: prepare() seeds the bundled templates (idempotent) and must run after the
// migrations and before start(); start() runs the worker threads (delivery + scheduler) in this
// process; wake() tells them new messages are due (the ingest calls it after each commit that
// may have created some). The ingest hook itself is notify::enqueue_event_messages (outbox.h).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "channels/io_channel.h"
#include "channels/sms_channel.h"
#include "channels/smtp_channel.h"
#include "channels/webhook_channel.h"
#include "notify/fanout.h"
#include "notify/notification_worker.h"
#include "notify/reminder_scheduler.h"
#include "notify/template_library.h"

namespace au::notify {

struct NotificationSettings {
  std::string base_url;
  std::filesystem::path share_dir;  // templates/notifications, templates/email
  channels::SmtpSettings smtp;      // url empty: no email
  channels::IoSettings io;          // base_url empty: no App IO
  channels::SmsSettings sms;        // url empty: no SMS
  channels::WebhookChannelSettings webhook;
  std::vector<int> reminder_days{7, 1};
  WorkerSettings worker;
};

class NotificationService {
 public:
  NotificationService(store::Database& db, CatalogProvider catalog, NotificationSettings settings);
  ~NotificationService();

  void prepare();
  void start();
  void stop();
  void wake();

  TemplateLibrary& templates() { return *templates_; }
  FanOut& fanout() { return *fanout_; }
  NotificationWorker& worker() { return *worker_; }
  const NotificationSettings& settings() const { return settings_; }

 private:
  store::Database& db_;
  NotificationSettings settings_;
  std::unique_ptr<TemplateLibrary> templates_;
  std::unique_ptr<FanOut> fanout_;
  std::unique_ptr<ReminderScheduler> scheduler_;
  std::unique_ptr<NotificationWorker> worker_;
  bool prepared_ = false;
};

}  // namespace au::notify
