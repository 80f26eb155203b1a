#include "notify/notification_service.h"

#include "channels/webhook_channel.h"

namespace au::notify {

NotificationService::NotificationService(store::Database& db, CatalogProvider catalog, NotificationSettings settings)
    : db_(db), settings_(std::move(settings)) {
  templates_ = std::make_unique<TemplateLibrary>(db_, settings_.share_dir / "templates" / "notifications");
  FanOutSettings fs;
  fs.base_url = settings_.base_url;
  fs.email_layout = settings_.share_dir / "templates" / "email" / "layout.html";
  fs.lease = settings_.worker.lease;  // a fan-out killed mid-batch comes back as soon as a delivery would
  std::map<std::string, channels::ChannelFactory> factories;
  // A channel without its address (or key) is not configured: its deliveries are not created.
  if (!settings_.smtp.url.empty() && !settings_.smtp.from_address.empty()) {
    factories["email"] = channels::smtp_channel_factory(settings_.smtp);
    fs.channels.email = true;
  }
  if (!settings_.io.base_url.empty() && !settings_.io.api_key.empty()) {
    factories["io"] = channels::io_channel_factory(settings_.io);
    fs.channels.io = true;
  }
  if (!settings_.sms.url.empty() && !settings_.sms.token.empty()) {
    factories["sms"] = channels::sms_channel_factory(settings_.sms);
    fs.channels.sms = true;
  }
  factories["webhook"] = channels::webhook_channel_factory(settings_.webhook);
  fs.channels.webhook = true;
  fanout_ = std::make_unique<FanOut>(db_, *templates_, std::move(catalog), fs);
  scheduler_ = std::make_unique<ReminderScheduler>(db_, settings_.reminder_days);
  worker_ = std::make_unique<NotificationWorker>(db_, *fanout_, *scheduler_, std::move(factories), settings_.worker);
}

NotificationService::~NotificationService() { stop(); }

void NotificationService::prepare() {
  if (prepared_) return;
  templates_->seed(store::now_iso8601());
  prepared_ = true;
}

void NotificationService::start() {
  prepare();
  worker_->start();
}

void NotificationService::stop() {
  if (worker_) worker_->stop();
}

void NotificationService::wake() {
  if (worker_) worker_->wake();
}

}  // namespace au::notify
