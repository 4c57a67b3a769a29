// brisk: the driver. `brisk SUBCOMMAND [options] [args]`; every subcommand is
// a Unix filter (stdin to stdout unless given files).
#include "tools/DriverSupport.h"
#include "tools/Subcommand.h"

#include <cstring>
#include <iostream>
#include <malloc.h>

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

// glibc's allocator is tuned for long-running servers that give memory back;
// brisk is a batch job whose passes allocate and free millions of small
// vectors and then ask for large buffers. With the defaults, a large request
// after many small frees merges the fast bins first (malloc_consolidate:
// 4% of the samples optimizing a 1M-instruction function), frees at the top
// of the heap hand pages back to the kernel that the next pass faults in
// again, and buffers above the dynamic mmap threshold are mapped and zeroed
// afresh each time. So: no fast bins (tcache still serves the small sizes),
// keep freed memory, and take every buffer from the heap, however large: a
// mapped buffer is given back to the kernel when freed, and the next one of
// its size (a side table of a pass over a 1M-instruction function is tens of
// megabytes; passes build one per run) is faulted in and zeroed page by page
// again. On bench/big_function.py's 1M program the first three settings given
// through GLIBC_TUNABLES took 14.4 to 12.6 s CPU (single runs, idle machine);
// interleaved runs under load gained 2-7% at 100k and 1M. No mapped buffers
// (where there had been none above 32 MiB) then took the same 1M program from
// 304k to 246k minor faults and 0.74 to 0.61 s system time (3 interleaved
// runs each; user time unchanged within the noise). Fast bins back on, for
// comparison, cost 17% more peak memory and no time.
void tuneAllocator() {
  mallopt(M_MXFAST, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_MAX, 0);
}

} // namespace

int main(int argc, char **argv) {
  std::ios::sync_with_stdio(false);
  tuneAllocator();
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
