// The `tidal` binary.
#include "cli/commands.h"

int main(int argc, char** argv) {
  return tidal::cli::runCli(argc, argv);
}
