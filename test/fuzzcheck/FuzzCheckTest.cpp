// Tests of the machinery behind `brisk fuzz`: the child process that isolates
// a check, the differential check itself, and the reproducer minimizer.
#include "backend/TextPrinter.h"
#include "frontend/Loader.h"
#include "tools/fuzz/ChildProcess.h"
#include "tools/fuzz/DifferentialCheck.h"
#include "tools/fuzz/Minimizer.h"
#include "tools/gen/ProgramGenerator.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <thread>

using namespace brisk;
using namespace brisk::fuzz;

namespace {

Program parse(const std::string &text) {
  Diagnostics diags;
  std::optional<Program> p = loadProgram(text, diags);
  EXPECT_TRUE(p.has_value()) << text;
  return p ? std::move(*p) : Program{};
}

Args toArgs(const std::vector<int64_t> &values) {
  Args a;
  for (int64_t v : values)
    a.push_back(std::to_string(v));
  return a;
}

} // namespace

TEST(ChildProcess, ReturnsThePayloadAndTheChildsStderr) {
  ChildResult r = runInChild(
      [] {
        std::fputs("to stderr\n", stderr);
        std::fflush(stderr);
        return std::string(100000, 'x');
      },
      10000);
  EXPECT_EQ(r.status, ChildResult::Status::Finished);
  EXPECT_EQ(r.payload, std::string(100000, 'x'));
  EXPECT_EQ(r.stderrText, "to stderr\n");
}

TEST(ChildProcess, ACrashEndsTheChildOnly) {
  ChildResult r = runInChild([]() -> std::string { std::abort(); }, 10000);
  EXPECT_EQ(r.status, ChildResult::Status::Crashed);
  EXPECT_EQ(r.signal, SIGABRT);
}

TEST(ChildProcess, AHangIsKilledAtTheTimeLimit) {
  ChildResult r = runInChild(
      []() -> std::string {
        for (;;)
          std::this_thread::sleep_for(std::chrono::seconds(1));
      },
      200);
  EXPECT_EQ(r.status, ChildResult::Status::TimedOut);
}

TEST(DifferentialCheck, ResultSurvivesSerialization) {
  CheckResult r;
  r.kind = FailureKind::Mismatch;
  r.failingArgs = {"3", "-7"};
  r.originalDyn = 120;
  r.optimizedDyn = 99;
  r.detail = "line one\nline two\n";
  CheckResult back = CheckResult::deserialize(r.serialize());
  EXPECT_EQ(back.kind, FailureKind::Mismatch);
  EXPECT_EQ(back.failingArgs, r.failingArgs);
  EXPECT_EQ(back.originalDyn, 120u);
  EXPECT_EQ(back.optimizedDyn, 99u);
  EXPECT_EQ(back.detail, r.detail);
}

TEST(DifferentialCheck, GeneratedProgramsPassUnderSeveralVariants) {
  for (uint64_t seed = 0; seed < 12; ++seed) {
    GenOptions g;
    g.seed = seed;
    g.size = 150;
    FuzzCase c;
    c.train = toArgs(generateArguments(seed, 0));
    c.tests = {toArgs(generateArguments(seed, 1)), toArgs(generateArguments(seed, 2))};
    CheckResult r = checkOptimizer(generateProgram(g), c, variantFromBits(seed * 0x9e3779b97f4a7c15ull));
    EXPECT_EQ(r.kind, FailureKind::None) << "seed " << seed << ": " << r.detail;
    EXPECT_GT(r.originalDyn, 0u);
    EXPECT_GT(r.optimizedDyn, 0u);
  }
}

TEST(DifferentialCheck, AProgramThatFailsIsInvalidNotAFinding) {
  Program p = parse("@main(x: int) {\n  z: int = const 0;\n  y: int = div x z;\n  print y;\n}\n");
  FuzzCase c;
  c.train = {"1"};
  CheckResult r = checkOptimizer(p, c, defaultVariant());
  EXPECT_EQ(r.kind, FailureKind::Invalid);
  EXPECT_NE(r.detail.find("division by zero"), std::string::npos) << r.detail;
}

TEST(DifferentialCheck, VariantFlagsMatchTheirOptions) {
  bool sawForce = false, sawNoInline = false;
  for (uint64_t bits = 0; bits < 256; ++bits) {
    PipelineVariant v = variantFromBits(bits);
    bool forceFlag = std::count(v.flags.begin(), v.flags.end(), "--force-speculation") > 0;
    bool noInlineFlag = std::count(v.flags.begin(), v.flags.end(), "--no-inline") > 0;
    EXPECT_EQ(forceFlag, v.options.superblocks.forceSpeculation);
    EXPECT_EQ(noInlineFlag, !v.options.inlining);
    sawForce |= forceFlag;
    sawNoInline |= noInlineFlag;
  }
  EXPECT_TRUE(sawForce);
  EXPECT_TRUE(sawNoInline);
  EXPECT_TRUE(defaultVariant().flags.empty());
}

TEST(Minimizer, KeepsOnlyWhatTheFailureNeeds) {
  // The "failure" is printing 42; everything else, helper included, goes.
  std::string text = "@helper(a: int): int {\n  b: int = add a a;\n  ret b;\n}\n"
                     "@main {\n  x: int = const 42;\n  y: int = const 7;\n  z: int = add x y;\n"
                     "  print z;\n  print x;\n  w: bool = const true;\n  br w .a .b;\n"
                     ".a:\n  print y;\n.b:\n  print x;\n}\n";
  auto printsX = [](const std::string &candidate) {
    Diagnostics diags;
    std::optional<Program> p = loadProgram(candidate, diags);
    if (!p)
      return false;
    return candidate.find("print x;") != std::string::npos &&
           candidate.find("x: int = const 42;") != std::string::npos;
  };
  MinimizeStats stats;
  std::string small = minimizeProgramText(text, printsX, 1000, &stats);
  EXPECT_EQ(small, "@main {\n  x: int = const 42;\n  print x;\n}\n");
  EXPECT_EQ(stats.linesAfter, 4u);
  EXPECT_GT(stats.linesBefore, stats.linesAfter);
}

TEST(Minimizer, SimplifiesComputationsToConstantsAndBranchesToJumps) {
  std::string text = "@main {\n  a: int = const 1;\n  c: bool = const true;\n"
                     "  br c .l .r;\n.l:\n  x: int = add a a;\n  print x;\n.r:\n}\n";
  // Keeps every line (dropping any fails) but accepts rewrites of x and br.
  auto needsShape = [](const std::string &candidate) {
    return candidate.find("print x;") != std::string::npos &&
           candidate.find(".l:") != std::string::npos &&
           candidate.find(".r:") != std::string::npos &&
           (candidate.find("br c") != std::string::npos ||
            candidate.find("jmp") != std::string::npos) &&
           candidate.find("x: int =") != std::string::npos;
  };
  std::string small = minimizeProgramText(text, needsShape, 1000);
  EXPECT_NE(small.find("x: int = const 0;"), std::string::npos) << small;
  EXPECT_NE(small.find("jmp .l;"), std::string::npos) << small;
}
