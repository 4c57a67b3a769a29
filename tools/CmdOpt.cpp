// `brisk opt` and `brisk pgo`: the superblock compiler.
//
//   brisk opt --profile=FILE [options] [INPUT] > out.json
//       optimizes with a profile written by `brisk run --profile-out`
//       (several --profile options are merged);
//   brisk pgo [options] [ARGS...] < prog > out.json
//       profiles the program on ARGS (and on every --train="ARGS"), merges
//       the profiles and optimizes, in one step.
//
// The output is Bril JSON (or text with --format=text) that the reference
// interpreter runs unchanged. See docs/superblocks.md for the options.
#include "analysis/Verifier.h"
#include "backend/JsonWriter.h"
#include "backend/TextPrinter.h"
#include "interp/Interpreter.h"
#include "tools/DriverSupport.h"
#include "tools/Options.h"
#include "transforms/Pipeline.h"
#include "transforms/superblocks/Remarks.h"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace brisk {
namespace {

void declareCommon(Options &opts) {
  opts.flag("no-speculation", "build the same superblocks with branch side exits only");
  opts.flag("no-tail-recursion", "keep self tail calls as calls (no loops made of them)");
  opts.flag("no-recursive-constants", "keep the constants of recursive functions in them");
  opts.flag("no-inline", "do not inline hot calls first");
  opts.flag("no-scalar-opts", "skip the whole-function SSA passes (sccp, gvn, licm, ...)");
  opts.flag("no-gvn-loops", "do not reuse values across loop iterations (gvn-loops)");
  opts.flag("no-strength-reduce", "keep loop index arithmetic as it is (strength-reduce)");
  opts.flag("no-unroll", "do not unroll loops before superblocks (counted loops, copy-unroll)");
  opts.flag("best-form", "pick the cheaper of speculation and branch exits per region\n"
                         "                            (default: speculation whenever it saves)");
  opts.flag("force-speculation", "use the best speculative form of every region even\n"
                                 "                            when the cost model expects a loss (for inspection)");
  opts.value("remarks", "FILE", "write one JSON line per region: decision, reason, saving");
  opts.value("min-edge-prob", "P", "grow traces along edges at least this likely (0.6)");
  opts.value("min-seed-count", "N", "hottest blocks executed at least N times seed traces (16)");
  opts.value("max-guard-failure", "P", "off-trace edges rarer than this become guards (0.05)");
  opts.value("unroll", "LIST", "unroll factors tried for loop superblocks (1,2,4,8)");
  opts.value("growth", "X", "code growth limit per function, x its size (2.0)");
  opts.value("format", "FORMAT", "json (default) or text");
  opts.flag("verify", "run the verifier after every pass and the speculation-effects\n"
                      "                            check on the result");
  opts.value("dump-after", "PASS", "print the IR after PASS (or 'all') to stderr", true);
  opts.value("o", "FILE", "write to FILE instead of stdout");
}

bool parseDouble(const Options &opts, const std::string &name, double &dst) {
  auto v = opts.get(name);
  if (!v)
    return true;
  try {
    size_t used = 0;
    dst = std::stod(*v, &used);
    if (used == v->size())
      return true;
  } catch (...) {
  }
  std::cerr << "error: --" << name << " expects a number, got '" << *v << "'\n";
  return false;
}

bool readPipelineOptions(const Options &opts, SuperblockPipelineOptions &po) {
  SuperblockOptions &so = po.superblocks;
  so.speculation = !opts.has("no-speculation");
  so.preferSpeculation = !opts.has("best-form");
  so.forceSpeculation = opts.has("force-speculation");
  po.tailRecursion = !opts.has("no-tail-recursion");
  po.recursiveConstants = !opts.has("no-recursive-constants");
  po.inlining = !opts.has("no-inline");
  po.scalarOptimizations = !opts.has("no-scalar-opts");
  po.unrolling = !opts.has("no-unroll");
  po.scalar.loopCarriedGVN = !opts.has("no-gvn-loops");
  po.scalar.strengthReduction = !opts.has("no-strength-reduce");
  if (!parseDouble(opts, "min-edge-prob", so.trace.minEdgeProbability) ||
      !parseDouble(opts, "min-seed-count", so.trace.minSeedCount) ||
      !parseDouble(opts, "max-guard-failure", so.maxGuardFailure) ||
      !parseDouble(opts, "growth", so.growthLimit))
    return false;
  if (auto list = opts.get("unroll")) {
    so.unrollFactors.clear();
    std::istringstream in(*list);
    for (std::string item; std::getline(in, item, ',');) {
      try {
        int k = std::stoi(item);
        if (k < 1 || k > 64)
          throw 0;
        so.unrollFactors.push_back(unsigned(k));
      } catch (...) {
        std::cerr << "error: --unroll expects numbers from 1 to 64, got '" << item << "'\n";
        return false;
      }
    }
  }
  return true;
}

int optimizeAndWrite(Program &program, const Profile &profile, const Options &opts,
                     const std::string &inputName) {
  SuperblockPipelineOptions po;
  if (!readPipelineOptions(opts, po))
    return 1;
  std::string format = opts.get("format", "json");
  if (format != "json" && format != "text") {
    std::cerr << "error: --format must be json or text\n";
    return 1;
  }
  PassOptions passOpts;
  passOpts.validate = opts.has("verify");
  passOpts.dumpAfter = opts.getAll("dump-after");
  PassContext ctx(passOpts);
  if (passOpts.validate && !verifyInContext(program, ctx, inputName))
    return 2;
  std::vector<RegionRemark> remarks;
  runSuperblockPipeline(program, profile, ctx, po, &remarks);
  if (ctx.failed())
    return 2;
  if (passOpts.validate) {
    Diagnostics diags;
    VerifyOptions vo;
    vo.speculationEffects = true;
    if (!verifyProgram(program, diags, vo)) {
      std::cerr << "error: the optimized program breaks the speculation rules:\n";
      diags.print(std::cerr);
      return 2;
    }
  }
  if (auto path = opts.get("remarks"))
    if (!writeOutput(*path, remarksToJsonLines(remarks)))
      return 2;
  std::ostringstream out;
  if (format == "json")
    writeJson(program, out);
  else
    printText(program, out);
  return writeOutput(opts.get("o", "-"), out.str()) ? 0 : 2;
}

} // namespace

int runOptCommand(const std::vector<std::string> &args) {
  Options opts("opt", "--profile=FILE [options] [INPUT]",
               "Forms superblocks from a profile (written by `brisk run --profile-out`) and\n"
               "writes the program back as Bril that runs its hot paths under speculation.");
  opts.value("profile", "FILE", "profile of this program; repeat to merge several", true);
  declareCommon(opts);
  if (!opts.parse(args))
    return opts.helpRequested() ? 0 : 1;
  std::vector<std::string> profiles = opts.getAll("profile");
  if (profiles.empty()) {
    std::cerr << "error: brisk opt: --profile=FILE is required (see brisk pgo to profile and "
                 "optimize in one step)\n";
    return 1;
  }
  if (opts.positionals().size() > 1) {
    std::cerr << "error: brisk opt: expected at most one input file\n";
    return 1;
  }
  std::string input = opts.positionals().empty() ? "-" : opts.positionals()[0];
  std::optional<Program> program = loadInputProgram(input, /*typeCheck=*/true);
  if (!program)
    return 2;
  std::optional<Profile> merged;
  for (const std::string &path : profiles) {
    std::optional<InputText> text = readInput(path);
    if (!text)
      return 2;
    std::string error;
    std::optional<Profile> p = Profile::fromJson(text->text, error);
    if (!p) {
      std::cerr << "error: " << path << ": " << error << "\n";
      return 2;
    }
    if (!p->matches(*program, error)) {
      std::cerr << "error: " << path << ": " << error << "\n";
      return 2;
    }
    if (!merged)
      merged = std::move(*p);
    else if (!merged->merge(*p, error)) {
      std::cerr << "error: " << path << ": " << error << "\n";
      return 2;
    }
  }
  return optimizeAndWrite(*program, *merged, opts, input == "-" ? "<stdin>" : input);
}

int runPgoCommand(const std::vector<std::string> &args) {
  Options opts("pgo", "[options] [ARGS...] < PROGRAM",
               "Profiles the program on ARGS (and on every --train=\"ARGS\"), then optimizes\n"
               "it like `brisk opt` with the merged profile. The program's own output during\n"
               "training is discarded.");
  opts.value("train", "ARGS", "another training run, arguments separated by spaces", true);
  opts.value("program", "FILE", "read the program from FILE instead of stdin");
  declareCommon(opts);
  opts.stopAtFirstPositional();
  if (!opts.parse(args))
    return opts.helpRequested() ? 0 : 1;
  std::string input = opts.get("program", "-");
  std::optional<Program> program = loadInputProgram(input, /*typeCheck=*/true);
  if (!program)
    return 2;
  std::vector<std::vector<std::string>> runs;
  std::vector<std::string> train = opts.getAll("train");
  if (!opts.positionals().empty() || train.empty())
    runs.push_back(opts.positionals());
  for (const std::string &t : train) {
    std::istringstream in(t);
    std::vector<std::string> a;
    for (std::string w; in >> w;)
      a.push_back(w);
    runs.push_back(std::move(a));
  }
  std::string failure;
  std::optional<Profile> merged = interp::profileRuns(*program, runs, &failure);
  if (!merged) {
    std::cerr << "error: brisk pgo: the training run failed: " << failure << "\n";
    return 2;
  }
  return optimizeAndWrite(*program, *merged, opts, input == "-" ? "<stdin>" : input);
}

} // namespace brisk
