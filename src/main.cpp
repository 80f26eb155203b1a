// Entry point: everything is wired in app/ (see app/cli.h).
#include "app/cli.h"

int main(int argc, char** argv) { return au::app::run_cli(argc, argv); }
