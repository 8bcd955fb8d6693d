// patron: one binary, many subcommands. The only place that knows every
// concrete adapter; today that is the CLI.
#include "cli/cli.h"

int main(int argc, char** argv) {
  return patron::cli::run(argc, argv);
}
