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
  r.trainedOn = {"5"};
  r.signature = "original: division by zero; optimized: ok";
  CheckResult back = CheckResult::deserialize(r.serialize());
  EXPECT_EQ(back.trainedOn, r.trainedOn);
  EXPECT_EQ(back.signature, r.signature);
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

TEST(DifferentialCheck, AProgramThatFailsOnEveryInputIsInvalidNotAFinding) {
  Program p = parse("@main(x: int) {\n  z: int = const 0;\n  y: int = div x z;\n  print y;\n}\n");
  FuzzCase c;
  c.train = {"1"};
  c.tests = {{"2"}};
  CheckResult r = checkOptimizer(p, c, defaultVariant());
  EXPECT_EQ(r.kind, FailureKind::Invalid);
  EXPECT_NE(r.detail.find("division by zero"), std::string::npos) << r.detail;
}

// The training input fails; the profile comes from the first input that
// runs cleanly, and the failing input is still compared.
TEST(DifferentialCheck, TrainsOnTheFirstCleanInputAndComparesTheFailingOnes) {
  Program p = parse("@main(x: int) {\n  one: int = const 1;\n  d: int = sub x one;\n"
                    "  print x;\n  y: int = div x d;\n  print y;\n}\n");
  FuzzCase c;
  c.train = {"1"}; // division by zero after printing 1
  c.tests = {{"1"}, {"3"}, {"5"}};
  CheckResult r = checkOptimizer(p, c, defaultVariant());
  EXPECT_EQ(r.kind, FailureKind::None) << r.detail;
  EXPECT_EQ(r.trainedOn, Args{"3"});
  EXPECT_EQ(CheckResult::deserialize(r.serialize()).trainedOn, Args{"3"});
}

// A loop that never ends for a negative input, with a print in it (so no
// pass may delete it): both versions run into their limits, which agrees.
TEST(DifferentialCheck, BothEndlessIsAgreement) {
  Program p = parse("@main(n: int) {\n  zero: int = const 0;\n  i: int = const 0;\n"
                    "  one: int = const 1;\n.loop:\n  i: int = add i one;\n  print i;\n"
                    "  c: bool = lt n zero;\n  br c .loop .done;\n.done:\n  print n;\n}\n");
  FuzzCase c;
  c.train = {"3"};
  c.tests = {{"-1"}, {"4"}};
  c.maxDyn = 5000;
  for (uint64_t bits : {0ull, 1ull, 2ull, 0x15ull}) {
    CheckResult r = checkOptimizer(p, c, variantFromBits(bits));
    EXPECT_EQ(r.kind, FailureKind::None) << bits << ": " << r.detail;
  }
}

RunSummary finished(bool ok, std::string out, std::string error = "") {
  RunSummary s;
  s.ok = ok;
  s.out = std::move(out);
  s.error = std::move(error);
  s.dyn = 10;
  return s;
}

RunSummary endless(std::string out) {
  RunSummary s;
  s.finished = false;
  s.out = std::move(out);
  s.dyn = 1000;
  return s;
}

TEST(CompareRuns, BothEndlessAgreeWhenOneOutputIsAPrefixOfTheOther) {
  EXPECT_FALSE(compareRuns(endless("1\n2\n"), endless("1\n2\n3\n4\n")));
  EXPECT_FALSE(compareRuns(endless("1\n2\n3\n"), endless("1\n")));
  EXPECT_FALSE(compareRuns(endless(""), endless("")));
  std::optional<std::string> d = compareRuns(endless("1\n2\n"), endless("1\n3\n4\n"));
  ASSERT_TRUE(d);
  EXPECT_NE(d->find("neither ends"), std::string::npos) << *d;
}

TEST(CompareRuns, OneEndlessIsAFinding) {
  std::optional<std::string> deleted = compareRuns(endless(""), finished(true, "-1\n"));
  ASSERT_TRUE(deleted);
  EXPECT_NE(deleted->find("the original does not end"), std::string::npos) << *deleted;
  std::optional<std::string> added = compareRuns(finished(true, ""), endless(""));
  ASSERT_TRUE(added);
  EXPECT_NE(added->find("the optimized program does not"), std::string::npos) << *added;
  // An error does not excuse ending: the original failing vs the optimized
  // running forever is a finding too.
  EXPECT_TRUE(compareRuns(finished(false, "", "division by zero"), endless("")));
}

TEST(CompareRuns, DifferentErrorKindsAreFindings) {
  EXPECT_TRUE(compareRuns(finished(false, "1\n", "division by zero"),
                          finished(false, "1\n", "value 1114112 cannot be converted to char")));
  EXPECT_TRUE(compareRuns(finished(false, "", "undefined variable x"), finished(true, "")));
  EXPECT_TRUE(compareRuns(finished(true, ""), finished(false, "", "undefined variable x")));
  EXPECT_TRUE(compareRuns(finished(false, "", "undefined variable x"),
                          finished(false, "", "division by zero")));
  // The same error after different output (a print moved past the trap).
  EXPECT_TRUE(compareRuns(finished(false, "1\n2\n", "division by zero"),
                          finished(false, "1\n", "division by zero")));
  EXPECT_TRUE(compareRuns(finished(true, "1\n"), finished(true, "2\n")));
}

// The minimizer keeps a mismatch's signature: how each side ended.
TEST(CompareRuns, SignaturesNameHowEachSideEnded) {
  EXPECT_EQ(mismatchSignature(endless(""), finished(true, "")),
            "original: endless; optimized: ok");
  EXPECT_EQ(mismatchSignature(finished(false, "", "undefined variable u19"), finished(true, "")),
            "original: undefined variable _; optimized: ok");
  EXPECT_EQ(mismatchSignature(finished(false, "1\n", "undefined variable u1"),
                              finished(false, "1\n2\n", "undefined variable v2")),
            "original: undefined variable _; optimized: undefined variable _; outputs differ");
  EXPECT_EQ(mismatchSignature(finished(false, "", "Uninitialized heap location 1 and/or illegal offset 22"),
                              finished(false, "", "Uninitialized heap location 1 and/or illegal offset 3")),
            mismatchSignature(finished(false, "", "Uninitialized heap location 2 and/or illegal offset 9"),
                              finished(false, "", "Uninitialized heap location 1 and/or illegal offset 3")));
}

TEST(CompareRuns, TheVariableAnErrorNamesMayDiffer) {
  EXPECT_FALSE(compareRuns(finished(false, "7\n", "undefined variable x"),
                           finished(false, "7\n", "undefined variable x.1")));
  EXPECT_FALSE(compareRuns(finished(false, "", "Pointer q points to uninitialized data"),
                           finished(false, "", "Pointer a points to uninitialized data")));
  EXPECT_EQ(errorKind("undefined variable u12"), errorKind("undefined variable v3"));
  EXPECT_NE(errorKind("undefined variable u12"), errorKind("division by zero"));
  EXPECT_EQ(errorKind("division by zero"), "division by zero");
  // Heap bases too (an allocation that became values takes no number); the
  // offset stays.
  EXPECT_EQ(errorKind("Uninitialized heap location 1 and/or illegal offset 2"),
            errorKind("Uninitialized heap location 0 and/or illegal offset 2"));
  EXPECT_NE(errorKind("Uninitialized heap location 1 and/or illegal offset 2"),
            errorKind("Uninitialized heap location 1 and/or illegal offset 3"));
  EXPECT_EQ(errorKind("Tried to free illegal memory location base: 3, offset: 0. Offset must be 0."),
            errorKind("Tried to free illegal memory location base: 2, offset: 0. Offset must be 0."));
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
