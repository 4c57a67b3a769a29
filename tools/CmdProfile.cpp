// `brisk profile`: work with profiles written by `brisk run --profile-out`.
//
//   brisk profile merge A B... [-o OUT]   add the counts of several runs of
//                                          the same program (refused if the
//                                          profiles' program hashes differ)
//   brisk profile check PROFILE [PROGRAM]  exit 0 if PROFILE was taken of
//                                          PROGRAM (default stdin), else 2
//   brisk profile ops PROFILE [PROGRAM]    dynamic instructions per opcode:
//                                          every block's count times its
//                                          instructions (a block left by a
//                                          failed guard counts whole)
#include "interp/Profile.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>

namespace brisk {
namespace {

std::optional<Profile> readProfile(const std::string &path) {
  auto in = readInput(path);
  if (!in)
    return std::nullopt;
  std::string error;
  std::optional<Profile> p = Profile::fromJson(in->text, error);
  if (!p)
    std::cerr << "error: " << in->name << ": " << error << "\n";
  return p;
}

// PROFILE [PROGRAM] (default stdin): both read, and the profile checked to be
// one of the program; nullopt after reporting the error.
std::optional<std::pair<Profile, Program>> readMatchingPair(const std::vector<std::string> &pos) {
  std::optional<Profile> p = readProfile(pos[0]);
  if (!p)
    return std::nullopt;
  std::optional<Program> program = loadInputProgram(pos.size() > 1 ? pos[1] : "-", false);
  if (!program)
    return std::nullopt;
  std::string error;
  if (!p->matches(*program, error)) {
    std::cerr << "error: " << pos[0] << ": " << error << "\n";
    return std::nullopt;
  }
  return std::make_pair(std::move(*p), std::move(*program));
}

int merge(const std::vector<std::string> &args) {
  Options opts("profile merge", "[-o OUT] PROFILE...",
               "Adds the counts of profiles of the same program and writes the sum.");
  opts.value("o", "FILE", "write to FILE instead of stdout");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  if (opts.positionals().empty()) {
    std::cerr << "error: brisk profile merge: expected at least one profile\n";
    return kExitError;
  }
  std::optional<Profile> sum;
  for (const std::string &path : opts.positionals()) {
    std::optional<Profile> p = readProfile(path);
    if (!p)
      return 2;
    std::string error;
    if (!sum)
      sum = std::move(p);
    else if (!sum->merge(*p, error)) {
      std::cerr << "error: " << path << ": " << error << "\n";
      return 2;
    }
  }
  return writeOutput(opts.get("o", "-"), sum->toJson()) ? 0 : 2;
}

int check(const std::vector<std::string> &args) {
  Options opts("profile check", "PROFILE [PROGRAM]",
               "Exits 0 when PROFILE is a profile of PROGRAM (default: stdin), else 2.");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  const auto &pos = opts.positionals();
  if (pos.empty() || pos.size() > 2) {
    std::cerr << "error: brisk profile check: expected PROFILE [PROGRAM]\n";
    return kExitError;
  }
  return readMatchingPair(pos) ? 0 : 2;
}

int ops(const std::vector<std::string> &args) {
  Options opts("profile ops", "PROFILE [PROGRAM]",
               "Prints the dynamic instruction count per opcode of PROGRAM (default: stdin)\n"
               "under PROFILE: each block's count times its instructions, hottest first.");
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  const auto &pos = opts.positionals();
  if (pos.empty() || pos.size() > 2) {
    std::cerr << "error: brisk profile ops: expected PROFILE [PROGRAM]\n";
    return kExitError;
  }
  std::optional<std::pair<Profile, Program>> pair = readMatchingPair(pos);
  if (!pair)
    return 2;
  const auto &[profile, program] = *pair;
  std::map<std::string_view, uint64_t> perOp;
  uint64_t total = 0;
  for (const Function &fn : program.functions) {
    const FunctionProfile *fp = profile.function(fn.name);
    if (!fp)
      continue;
    for (BlockId b : fn.layout)
      for (const Instr &instr : fn.block(b).instrs) {
        perOp[instr.info().spelling] += fp->blockCount(b);
        total += fp->blockCount(b);
      }
  }
  std::vector<std::pair<std::string_view, uint64_t>> rows(perOp.begin(), perOp.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto &a, const auto &b) { return a.second > b.second; });
  for (const auto &[op, n] : rows)
    if (n > 0)
      std::cout << std::left << std::setw(10) << op << std::right << std::setw(14) << n << "\n";
  std::cout << std::left << std::setw(10) << "total" << std::right << std::setw(14) << total << "\n";
  return 0;
}

} // namespace

int runProfileCommand(const std::vector<std::string> &args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout)
        << "usage: brisk profile merge [-o OUT] PROFILE...\n"
           "       brisk profile check PROFILE [PROGRAM]\n"
           "       brisk profile ops PROFILE [PROGRAM]\n\n"
           "Profiles come from `brisk run --profile-out=FILE` (docs/profile-format.md).\n";
    return args.empty() ? kExitError : kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "merge")
    return merge(rest);
  if (args[0] == "check")
    return check(rest);
  if (args[0] == "ops")
    return ops(rest);
  std::cerr << "error: brisk profile: unknown action '" << args[0] << "' (merge, check, ops)\n";
  return kExitError;
}

} // namespace brisk
