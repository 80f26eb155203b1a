// The notification service's settings from the configuration (channels, worker timing, the
// default reminder offsets), shared by `serve` and `accesso-unico worker`.
#pragma once

#include <string>

#include "app/config.h"
#include "notify/notification_service.h"

namespace au::app {

// `worker_id` is recorded with each delivery attempt (e.g. "serve:<pid>", "worker:<pid>").
// Throws std::invalid_argument with an Italian message for malformed reminder offsets.
notify::NotificationSettings notification_settings(const Config& c, const std::string& worker_id);

}  // namespace au::app
