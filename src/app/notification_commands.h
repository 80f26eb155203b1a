// Commands of notifications: `contacts import FILE` (contacts from a registry export or the demo
// people: email, mobile, webhook per fiscal code / P.IVA), `contacts set SUBJECT CHANNEL ADDRESS`,
// and `reminders list|set|unset` (reminder offsets per catalogue service, default [7, 1]).
#pragma once

#include <memory>

namespace CLI { class App; }

namespace au::app {

class Application;

class NotificationCommands {
 public:
  explicit NotificationCommands(CLI::App& cli);
  ~NotificationCommands();
  // True when one of these commands was chosen; `exit_code` is then its result.
  bool run(Application& app, int& exit_code);

 private:
  struct Options;
  std::unique_ptr<Options> o_;
};

}  // namespace au::app
