// The command line: serve, migrate, import DIR, export, reindex, links check.
#pragma once

namespace au::app {

int run_cli(int argc, char** argv);

}  // namespace au::app
