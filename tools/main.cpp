// brisk: the driver. `brisk SUBCOMMAND [options] [args]`; every subcommand is
// a Unix filter (stdin to stdout unless given files).
#include "tools/DriverSupport.h"
#include "tools/Subcommand.h"

#include <cstring>
#include <iostream>

#ifndef BRISK_VERSION
#define BRISK_VERSION "unknown"
#endif

namespace {

void printUsage(std::ostream &os) {
  os << "usage: brisk SUBCOMMAND [options] [args]\n\n"
        "brisk is a profile-guided superblock compiler for Bril.\n\nsubcommands:\n";
  for (const brisk::Subcommand &c : brisk::subcommands()) {
    std::string name = c.name;
    os << "  " << name << std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') << c.summary
       << "\n";
  }
  os << "\n`brisk SUBCOMMAND --help` describes one subcommand. Programs are read as\n"
        "Bril text or JSON (detected from the content), from stdin or a file.\n";
}

} // namespace

int main(int argc, char **argv) {
  std::ios::sync_with_stdio(false);
  if (argc < 2) {
    printUsage(std::cerr);
    return brisk::kExitError;
  }
  std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    printUsage(std::cout);
    return 0;
  }
  if (first == "--version") {
    std::cout << "brisk " << BRISK_VERSION << "\n";
    return 0;
  }
  for (const brisk::Subcommand &c : brisk::subcommands()) {
    if (first == c.name) {
      int status = c.run(std::vector<std::string>(argv + 2, argv + argc));
      // Output that never arrived is a failure, whatever the subcommand
      // thought of its work.
      if (!brisk::flushStdout() && status == 0)
        status = 2;
      return status;
    }
  }
  std::cerr << "error: unknown subcommand '" << first << "' (see brisk --help)\n";
  return brisk::kExitError;
}
