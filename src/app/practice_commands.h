// Commands of the practices hub: `backoffice register|list` (the enti's back-office clients and
// their keys), `audit verify` (the hash chain of practice events), `feeds add|list|poll` (pull
// adapter) and `webhooks add|list|redeliver`.
#pragma once

#include <memory>
#include <string>

#include "practices/status_feed.h"

namespace CLI { class App; }

namespace au::app {

class Application;

// The poller's submit function: events go through the same ingest as pushed ones.
practices::SubmitFn make_feed_submitter(Application& app);

class PracticeCommands {
 public:
  // Declares the subcommands on `cli`.
  explicit PracticeCommands(CLI::App& cli);
  ~PracticeCommands();
  // True when one of these commands was chosen; `exit_code` is then its result.
  bool run(Application& app, int& exit_code);

 private:
  struct Options;
  std::unique_ptr<Options> o_;
};

}  // namespace au::app
