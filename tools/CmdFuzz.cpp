// `brisk fuzz`: differential checking of the whole optimizer on generated
// programs (tools/fuzz/DifferentialCheck.h).
//
//   brisk fuzz --seed=S --count=N [--size=N] [--inputs=K] [--out=DIR]
//
// For each seed in [S, S+N): generate a program (tools/gen), profile it on
// argument vector 0, optimize it as `brisk pgo` would (verifier after every
// pass, E1 and the type checker on the result; the pipeline's knobs are drawn
// from the seed unless --no-vary), then run original and optimized on vector
// 0 and vectors 1..K and compare output, success, the kind of error and
// whether the run ends (DifferentialCheck.h has the criterion). The
// generator's hazard shapes are on (--no-SHAPE turns one off). Each check
// runs in a child process with a time limit, so a crash or a hang of the
// optimizer is a finding too. A finding is shrunk (tools/fuzz/Minimizer.h) and written to DIR as
// Bril text with the training and failing arguments and the commands that
// reproduce it. Exit status 0: no finding; 1: findings; 2: bad usage.
#include "backend/TextPrinter.h"
#include "tools/GeneratorFlags.h"
#include "tools/Options.h"
#include "tools/fuzz/ChildProcess.h"
#include "tools/fuzz/DifferentialCheck.h"
#include "tools/fuzz/Minimizer.h"
#include "tools/gen/ProgramGenerator.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>

namespace brisk {
namespace {

using namespace brisk::fuzz;

// splitmix64: per-seed knobs that do not disturb the generator's own stream.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

Args toArgs(const std::vector<int64_t> &values) {
  Args a;
  for (int64_t v : values)
    a.push_back(std::to_string(v));
  return a;
}

struct Campaign {
  GenOptions gen;          // seed and size are set per program
  uint64_t size = 200;
  bool varySize = true;
  bool vary = true;
  uint64_t inputs = 4;
  unsigned timeoutMs = 20000;
  bool minimize = true;
  bool forceSpeculation = false; // on top of the drawn knobs
  uint64_t maxChecks = 3000;
  std::string outDir = "fuzz-findings";

  GenOptions genFor(uint64_t seed) const {
    GenOptions g = gen;
    g.seed = seed;
    // Sizes from a quarter to 1.75x the requested one, mean about `size`.
    g.size = varySize ? std::max<uint64_t>(10, size / 4 + mix(seed ^ 0x5eed) % (size * 3 / 2 + 1))
                      : size;
    return g;
  }
  PipelineVariant variantFor(uint64_t seed) const {
    PipelineVariant v = vary ? variantFromBits(mix(seed)) : defaultVariant();
    if (forceSpeculation && !v.options.superblocks.forceSpeculation) {
      v.options.superblocks.forceSpeculation = true;
      v.options.superblocks.speculation = true;
      v.options.superblocks.preferSpeculation = true;
      std::erase_if(v.flags, [](const std::string &f) {
        return f == "--no-speculation" || f == "--best-form";
      });
      v.flags.push_back("--force-speculation");
    }
    return v;
  }
  // `stats` of the seed's program: its dynamic bound sets the instruction
  // limit of the original (DifferentialCheck.h: a generated program ends
  // within the bound or never).
  FuzzCase caseFor(uint64_t seed, const GenStats &stats) const {
    FuzzCase c;
    c.maxDyn = stats.dynBound + 1000;
    c.train = toArgs(generateArguments(seed, 0));
    for (uint64_t k = 1; k <= inputs; ++k)
      c.tests.push_back(toArgs(generateArguments(seed, k)));
    return c;
  }
};

// The `brisk gen` command line of the program (gen's shapes are off by
// default).
std::string genFlags(const Campaign &, const GenOptions &g) {
  std::string s = "--seed=" + std::to_string(g.seed) + " --size=" + std::to_string(g.size);
  s += generatorFlagsFor(g, /*shapesOnByDefault=*/false);
  if (g.maxDyn != GenOptions{}.maxDyn)
    s += " --max-dyn=" + std::to_string(g.maxDyn);
  return s;
}

// Which single switch makes the failure go away: names the pass family.
std::string bisect(const std::string &text, const FuzzCase &fc, const PipelineVariant &v,
                   FailureKind kind, unsigned timeoutMs) {
  struct Toggle {
    const char *flag;
    void (*apply)(SuperblockPipelineOptions &);
  };
  static const Toggle toggles[] = {
      {"--no-scalar-opts", [](SuperblockPipelineOptions &o) { o.scalarOptimizations = false; }},
      {"--no-inline", [](SuperblockPipelineOptions &o) { o.inlining = false; }},
      {"--no-speculation", [](SuperblockPipelineOptions &o) { o.superblocks.speculation = false; }},
  };
  std::string s;
  for (const Toggle &t : toggles) {
    PipelineVariant w = v;
    t.apply(w.options);
    w.flags.push_back(t.flag);
    CheckResult r = checkTextInChild(text, fc, w, timeoutMs);
    s += std::string(" ") + t.flag + (r.kind == kind ? ": still fails;" : ": passes;");
  }
  return s;
}

std::string commentLines(const std::string &text, size_t maxLines) {
  std::string s;
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line) && n < maxLines; ++n)
    s += "#   " + line + "\n";
  return s;
}

// Shrinks and writes the reproducer of one finding; returns its path.
std::string writeReproducer(const Campaign &c, uint64_t seed, const CheckResult &found,
                            int signal) {
  GenOptions g = c.genFor(seed);
  GenStats genStats;
  Program program = generateProgram(g, &genStats);
  std::string text = toText(program);
  PipelineVariant variant = c.variantFor(seed);
  FuzzCase full = c.caseFor(seed, genStats);
  if (!found.trainedOn.empty())
    full.train = found.trainedOn; // the first input that ran cleanly
  FuzzCase focused = full;
  if (found.kind == FailureKind::Mismatch)
    focused.tests = {found.failingArgs};

  std::string kindName = failureKindName(found.kind);
  std::filesystem::create_directories(c.outDir);
  std::string base = c.outDir + "/seed" + std::to_string(seed) + "-" + kindName;
  { std::ofstream(base + ".orig.bril") << text; }

  // A candidate may loop forever (a removed loop increment): it gets 20x
  // what the unshrunk program needed, at least 100 ms, then counts as not
  // failing the same way.
  auto t0 = std::chrono::steady_clock::now();
  CheckResult asText = checkTextInChild(text, focused, variant, c.timeoutMs);
  bool textFails = asText.kind == found.kind && asText.signature == found.signature;
  double baseMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  unsigned timeoutMs = unsigned(std::clamp(baseMs * 20, 100.0, double(c.timeoutMs)));
  auto stillFails =
      failurePredicate(focused, variant, found.kind, signal, timeoutMs, found.signature);
  std::string minimized = text;
  MinimizeStats stats;
  std::string note;
  if (!c.minimize || found.kind == FailureKind::TimedOut)
    note = "not minimized";
  else if (!textFails)
    note = "not minimized: the printed text does not fail the same way (see the JSON from "
           "`brisk gen`)";
  else {
    minimized = minimizeProgramText(text, stillFails, c.maxChecks, &stats);
    note = "minimized from " + std::to_string(stats.linesBefore) + " to " +
           std::to_string(stats.linesAfter) + " lines in " + std::to_string(stats.checks) +
           " checks";
  }
  std::string bisection = bisect(minimized, focused, variant, found.kind, timeoutMs);
  CheckResult now = checkTextInChild(minimized, focused, variant, timeoutMs);

  std::string flags;
  for (const std::string &f : variant.flags)
    flags += f + " ";
  std::string file = base + ".bril";
  std::ofstream out(file);
  out << "# brisk fuzz finding: " << kindName << "\n"
      << "# generated by: brisk gen " << genFlags(c, g) << "\n"
      << "# optimizer flags: " << (flags.empty() ? "(defaults)" : flags) << "\n"
      << "# training args: " << joinArgs(full.train) << "\n";
  if (found.kind == FailureKind::Mismatch)
    out << "# failing args: " << joinArgs(found.failingArgs) << "\n";
  else
    out << "# test args: ";
  if (found.kind != FailureKind::Mismatch) {
    for (size_t i = 0; i < full.tests.size(); ++i)
      out << (i ? " | " : "") << joinArgs(full.tests[i]);
    out << "\n";
  }
  out << "# " << note << "\n"
      << "# bisect:" << bisection << "\n"
      << "# reproduce:\n"
      << "#   brisk pgo " << flags << "--verify " << joinArgs(full.train) << " < " << file
      << " > opt.json\n";
  if (found.kind == FailureKind::Mismatch) // timeout: one of them may never end
    out << "#   diff <(timeout 10 brisk run " << joinArgs(found.failingArgs) << " < " << file
        << " 2>&1) <(timeout 10 brisk run " << joinArgs(found.failingArgs)
        << " < opt.json 2>&1)\n";
  out << "# what the check says now:\n" << commentLines(now.detail, 40) << minimized;
  return file;
}

} // namespace

int runFuzzCommand(const std::vector<std::string> &args) {
  Options opts("fuzz", "--seed=S --count=N [options]",
               "Differential checking of the optimizer: for each generated program, profile\n"
               "on one input, optimize (verifier after every pass), run original and\n"
               "optimized on several other inputs and compare output, the kind of error\n"
               "and whether the run ends (under instruction limits). The generator's\n"
               "hazard shapes are on: undefined reads, traps in printing loops, endless\n"
               "loops, the program's own speculation, hot loops. Findings are minimized\n"
               "and written to --out as Bril text with their arguments.");
  opts.value("seed", "S", "first seed (default 0)");
  opts.value("count", "N", "number of programs (default 100)");
  opts.value("size", "N", "mean program size in instructions (default 200)");
  opts.flag("fixed-size", "every program has --size instructions (default: a quarter to 1.75x)");
  opts.value("inputs", "K", "test inputs besides the training one (default 4)");
  opts.value("out", "DIR", "folder for reproducers (default fuzz-findings)");
  opts.value("timeout", "MS", "time limit of one check in milliseconds (default 20000)");
  opts.value("max-checks", "N", "evaluations the minimizer may spend per finding (default 3000)");
  opts.value("max-findings", "N", "stop after N findings (default 20)");
  opts.value("progress", "N", "print progress every N programs to stderr (default 1000)");
  opts.flag("no-vary", "optimize with the defaults of brisk pgo (default: knobs drawn per seed)");
  opts.flag("no-minimize", "write findings as generated");
  opts.flag("force-speculation", "optimize every program with --force-speculation");
  declareGeneratorFlags(opts, "generator: ", /*shapesOnByDefault=*/true);
  opts.value("max-dyn", "N", "generator: dynamic instruction bound of one run (200000)");
  if (!opts.parse(args))
    return opts.helpRequested() ? 0 : 2;
  if (!opts.positionals().empty()) {
    std::cerr << "error: brisk fuzz: unexpected argument '" << opts.positionals()[0] << "'\n";
    return 2;
  }
  Campaign c;
  uint64_t first = 0, count = 100, timeout = c.timeoutMs, maxFindings = 20, progress = 1000;
  if (!opts.getCount("seed", first) || !opts.getCount("count", count) ||
      !opts.getCount("size", c.size) || !opts.getCount("inputs", c.inputs) ||
      !opts.getCount("timeout", timeout) || !opts.getCount("max-checks", c.maxChecks) ||
      !opts.getCount("max-findings", maxFindings) ||
      !opts.getCount("progress", progress) || !opts.getCount("max-dyn", c.gen.maxDyn))
    return 2;
  c.timeoutMs = unsigned(std::max<uint64_t>(timeout, 100));
  c.varySize = !opts.has("fixed-size");
  c.vary = !opts.has("no-vary");
  c.minimize = !opts.has("no-minimize");
  c.forceSpeculation = opts.has("force-speculation");
  c.outDir = opts.get("out", c.outDir);
  if (!readGeneratorFlags(opts, c.gen, /*shapesOnByDefault=*/true))
    return 2;

  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  uint64_t checked = 0, findings = 0, skipped = 0;
  uint64_t originalDyn = 0, optimizedDyn = 0;
  // Per generator shape: programs holding one, and how many of those were
  // skipped (docs/generator.md's distribution table comes from this).
  std::map<std::string, std::pair<uint64_t, uint64_t>> shapes;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    GenOptions g = c.genFor(seed);
    PipelineVariant variant = c.variantFor(seed);
    GenStats genStats;
    Program program = generateProgram(g, &genStats);
    FuzzCase fc = c.caseFor(seed, genStats);
    ChildResult child =
        runInChild([&] { return checkOptimizer(program, fc, variant).serialize(); }, c.timeoutMs);
    CheckResult r;
    if (child.status == ChildResult::Status::Finished)
      r = CheckResult::deserialize(child.payload);
    else if (child.status == ChildResult::Status::TimedOut) {
      r.kind = FailureKind::TimedOut;
      r.detail = "no result after " + std::to_string(c.timeoutMs) + " ms\n";
    } else {
      r.kind = FailureKind::Crashed;
      r.detail = "signal " + std::to_string(child.signal) + "\n" + child.stderrText;
    }
    ++checked;
    originalDyn += r.originalDyn;
    optimizedDyn += r.optimizedDyn;
    for (const auto &[name, placed] : genStats.shapes) {
      ++shapes[name].first;
      shapes[name].second += r.kind == FailureKind::Invalid;
    }
    if (r.kind == FailureKind::Invalid) {
      // Fails or never ends on every input: nothing to profile, no finding.
      ++skipped;
    } else if (r.kind != FailureKind::None) {
      std::string firstLine = r.detail.substr(0, r.detail.find('\n'));
      std::cout << "seed " << seed << ": " << failureKindName(r.kind) << ": " << firstLine
                << std::endl;
      ++findings;
      std::string file = writeReproducer(c, seed, r, child.signal);
      std::cout << "  reproducer: " << file << std::endl;
      if (findings >= maxFindings && maxFindings) {
        std::cout << "stopping after " << maxFindings << " findings" << std::endl;
        break;
      }
    }
    if (progress && checked % progress == 0)
      std::cerr << "brisk fuzz: " << checked << "/" << count << " programs, " << findings
                << " findings, " << std::fixed << std::setprecision(1) << elapsed() << " s"
                << std::endl;
  }
  std::cout << "brisk fuzz: " << checked << " programs (seeds " << first << " to "
            << first + checked - (checked ? 1 : 0) << "), " << findings << " findings, "
            << skipped << " skipped (no input runs cleanly), " << std::fixed << std::setprecision(1)
            << elapsed() << " s";
  if (originalDyn)
    std::cout << "; dynamic instructions optimized/original " << std::setprecision(3)
              << double(optimizedDyn) / double(originalDyn);
  std::cout << std::endl;
  if (!shapes.empty()) {
    std::cout << "brisk fuzz: programs with each shape (skipped among them):";
    for (const auto &[name, counts] : shapes)
      std::cout << " " << name << " " << counts.first << " (" << counts.second << ")";
    std::cout << std::endl;
  }
  return findings ? 1 : 0;
}

} // namespace brisk
