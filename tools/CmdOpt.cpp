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
#include "tools/DumpAfter.h"
#include "tools/Options.h"
#include "tools/Subcommand.h"
#include "transforms/Pipeline.h"
#include "transforms/superblocks/Remarks.h"

#include <charconv>
#include <cstdio>
#include <iostream>
#include <limits>
#include <sstream>

namespace brisk {
namespace {

void declareCommon(Options &opts) {
  opts.flag("no-speculation", "no speculate/guard/commit: branch side exits and branch-form\n"
                              "                            loop chunks only (the fewest instructions by brili's count;\n"
                              "                            the default runs hot traces under speculation)");
  opts.flag("no-tail-recursion", "keep self tail calls as calls (no loops made of them)");
  opts.flag("no-recursive-constants", "keep the constants of recursive functions in them");
  opts.flag("no-inline", "do not inline hot calls first");
  opts.flag("no-scalar-opts", "skip the whole-function SSA passes (sccp, gvn, licm, ...)");
  opts.flag("no-gvn-loops", "do not reuse values across loop iterations (gvn-loops)");
  opts.flag("no-strength-reduce", "keep loop index arithmetic as it is (strength-reduce)");
  opts.flag("no-scalar-replacement", "keep small local allocations in memory (scalar-replacement)");
  opts.flag("no-load-elim", "keep loads whose cell an earlier load or store left known (load-elim)");
  opts.flag("no-hoist-loads", "keep loads of cells a loop never writes in the loop (hoist-loads)");
  opts.flag("no-promote-cells", "keep loads and stores of a cell a loop updates at one address\n"
                                "                            in the loop (promote-cells)");
  opts.flag("no-ptr-offsets", "keep `ptradd base k` for constant k instead of stepping from a\n"
                              "                            neighbouring pointer of the same base (ptr-offsets)");
  opts.flag("no-lftr", "keep exit tests on their counters (lftr)");
  opts.flag("no-full-unroll", "keep loops of a few constant trips as loops (full-unroll)");
  opts.flag("no-inline-sole", "inline a call that ran once only by the profile's rules, even\n"
                              "                            when it is its callee's only call site");
  opts.flag("no-inline-folding", "inline a call that ran once only by the profile's rules, even\n"
                                 "                            when the callee would fold on its known arguments");
  opts.flag("no-dead-functions", "keep functions that main no longer calls (dead-functions)");
  opts.flag("no-unroll-offsets", "unrolled copies keep their own counter updates for\n"
                                 "                            `ptradd base i` (no pointer advanced per copy)");
  opts.flag("no-unroll", "do not unroll loops before superblocks (counted loops, copy-unroll)");
  opts.flag("best-form", "speculate a trace only where that costs nothing more than its\n"
                         "                            branch form (the same as --speculation-price=0)");
  opts.flag("force-speculation", "speculate every trace that has a speculative form, whatever\n"
                                 "                            its price (for inspection and goldens)");
  opts.value("remarks", "FILE", "write one JSON line per region: decision, reason, saving");
  opts.value("min-edge-prob", "P", "grow traces along edges at least this likely (0.6)");
  opts.value("min-seed-count", "N", "hottest blocks executed at least N times seed traces (16)");
  opts.value("max-guard-failure", "P", "off-trace edges rarer than this become guards (0.05)");
  opts.value("unroll", "LIST", "unroll factors tried for loop superblocks (1,2,4,8)");
  opts.value("growth", "X", "code growth limit per function, x its size (2.0)");
  opts.value("program-growth", "X", "code growth limit of the whole program, x its size (2.5)");
  opts.value("speculative-growth", "N", "instructions a function may grow beyond --growth for\n"
                                        "                            its speculative loop chunks (160)");
  opts.value("speculation-price", "P", "speculate a trace when that costs at most this share\n"
                                       "                            of its work more than its branch form (0.03)");
  opts.value("format", "FORMAT", "json (default) or text");
  opts.flag("verify", "run the verifier after every pass and the speculation-effects\n"
                      "                            check on the result");
  opts.value("dump-after", "PASS", "print the IR after PASS (or 'all') to stderr", true);
  opts.flag("time-passes", "print the CPU time of each pass and pipeline step to stderr");
  opts.value("o", "FILE", "write to FILE instead of stdout");
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
  po.scalar.scalarReplacement = !opts.has("no-scalar-replacement");
  po.scalar.redundantLoads = !opts.has("no-load-elim");
  po.scalar.loadHoisting = !opts.has("no-hoist-loads");
  po.scalar.cellPromotion = !opts.has("no-promote-cells");
  po.scalar.pointerOffsets = !opts.has("no-ptr-offsets");
  po.scalar.linearTestReplacement = !opts.has("no-lftr");
  po.scalar.fullUnroll = !opts.has("no-full-unroll");
  po.soleSites = !opts.has("no-inline-sole");
  po.foldingSites = !opts.has("no-inline-folding");
  po.deadFunctions = !opts.has("no-dead-functions");
  po.unroll.pointerOffsets = !opts.has("no-unroll-offsets");
  constexpr double kUnbounded = std::numeric_limits<double>::infinity();
  if (!opts.getNumber("min-edge-prob", so.trace.minEdgeProbability, 0.0, 1.0) ||
      !opts.getNumber("min-seed-count", so.trace.minSeedCount, 0.0, kUnbounded) ||
      !opts.getNumber("max-guard-failure", so.maxGuardFailure, 0.0, 1.0) ||
      // Below 1 the limit would forbid the function as it already is.
      !opts.getNumber("growth", so.growthLimit, 1.0, 1000.0) ||
      !opts.getNumber("program-growth", po.programGrowthLimit, 1.0, 1000.0) ||
      !opts.getNumber("speculative-growth", so.speculativeGrowth, 0.0, kUnbounded) ||
      !opts.getNumber("speculation-price", so.maxSpeculationPrice, 0.0, kUnbounded))
    return false;
  if (auto list = opts.get("unroll")) {
    so.unrollFactors.clear();
    so.speculativeUnrollFactors.clear(); // the list given is the whole list
    std::istringstream in(*list);
    for (std::string item; std::getline(in, item, ',');) {
      unsigned k = 0;
      auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), k);
      if (ec != std::errc() || end != item.data() + item.size() || k < 1 || k > 64)
        return opts.fail("--unroll expects numbers from 1 to 64, got '" + item + "'");
      so.unrollFactors.push_back(k);
    }
    if (so.unrollFactors.empty())
      return opts.fail("--unroll expects a list of numbers from 1 to 64");
  }
  return true;
}

// CPU seconds of the steps before the pipeline, for --time-passes: each a
// row, in order.
using InputTimes = std::vector<std::pair<const char *, double>>;

int optimizeAndWrite(Program &program, const Profile &profile, const Options &opts,
                     const std::string &inputName, const InputTimes &inputTimes) {
  SuperblockPipelineOptions po;
  if (!readPipelineOptions(opts, po))
    return kExitError;
  std::string format = opts.get("format", "json");
  if (format != "json" && format != "text") {
    opts.fail("--format must be json or text, got '" + format + "'");
    return kExitError;
  }
  if (!checkDumpAfterNames(opts))
    return kExitError;
  PassOptions passOpts;
  passOpts.validate = opts.has("verify");
  passOpts.dumpAfter = opts.getAll("dump-after");
  passOpts.timePasses = opts.has("time-passes");
  PassContext ctx(passOpts);
  if (ctx.timing())
    for (const auto &[step, seconds] : inputTimes)
      ctx.addTime(step, seconds);
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
  // The program first: remarks that cannot be written must not cost the
  // user the optimized program.
  bool programWritten = false;
  {
    PassTimer timer(ctx, "write output");
    auto writeChunks = format == "json" ? writeJsonChunks : writeTextChunks;
    programWritten = writeOutputInChunks(opts.get("o", "-"), [&](const OutputSink &sink) {
      return writeChunks(program, sink);
    });
  }
  bool remarksWritten = true;
  if (auto path = opts.get("remarks")) {
    remarksWritten = writeOutput(*path, remarksToJsonLines(remarks));
    if (!remarksWritten && programWritten)
      std::cerr << "error: the optimized program was written; only the remarks are missing\n";
  }
  if (ctx.timing())
    printPassTimes(ctx, cpuSeconds(), std::cerr);
  return programWritten && remarksWritten ? 0 : 2;
}

} // namespace

int runOptCommand(const std::vector<std::string> &args) {
  Options opts("opt", "--profile=FILE [options] [INPUT]",
               "Forms superblocks from a profile (written by `brisk run --profile-out`) and\n"
               "writes the program back as Bril that runs its hot paths under speculation.");
  opts.value("profile", "FILE", "profile of this program; repeat to merge several", true);
  declareCommon(opts);
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  std::vector<std::string> profiles = opts.getAll("profile");
  if (profiles.empty()) {
    std::cerr << "error: brisk opt: --profile=FILE is required (see brisk pgo to profile and "
                 "optimize in one step)\n";
    return kExitError;
  }
  if (opts.positionals().size() > 1) {
    std::cerr << "error: brisk opt: expected at most one input file\n";
    return kExitError;
  }
  std::string input = opts.positionals().empty() ? "-" : opts.positionals()[0];
  std::optional<Program> program = loadInputProgram(input, /*typeCheck=*/true);
  if (!program)
    return 2;
  double loaded = cpuSeconds();
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
  InputTimes times = {{"read and check the input", loaded},
                      {"read the profile", cpuSeconds() - loaded}};
  int status =
      optimizeAndWrite(*program, *merged, opts, input == "-" ? "<stdin>" : input, times);
  keepUntilExit(program);
  return status;
}

int runPgoCommand(const std::vector<std::string> &args) {
  Options opts("pgo", "[options] [ARGS...] < PROGRAM",
               "Profiles the program on ARGS (and on every --train=\"ARGS\"), then optimizes\n"
               "it like `brisk opt` with the merged profile. The program's own output during\n"
               "training is discarded.");
  opts.value("train", "ARGS", "another training run, arguments separated by spaces", true);
  opts.value("program", "FILE", "read the program from FILE instead of stdin");
  declareCommon(opts);
  if (!opts.parse(args))
    return opts.helpRequested() ? kExitOk : kExitError;
  std::string input = opts.get("program", "-");
  std::optional<Program> program = loadInputProgram(input, /*typeCheck=*/true);
  if (!program)
    return 2;
  double loaded = cpuSeconds();
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
  InputTimes times = {{"read and check the input", loaded},
                      {"profile the input (runs on ARGS and --train)", cpuSeconds() - loaded}};
  int status =
      optimizeAndWrite(*program, *merged, opts, input == "-" ? "<stdin>" : input, times);
  keepUntilExit(program);
  return status;
}

} // namespace brisk
