// SSA construction and destruction: structure (pruned phis, undef, fresh
// entry, pointers), the swap and lost-copy problems, and semantics checked by
// running the program before and after under `brisk run`.
#include "analysis/CFG.h"
#include "analysis/Dominators.h"
#include "analysis/Liveness.h"
#include "analysis/Verifier.h"
#include "backend/TextPrinter.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "test/transforms/RunHelper.h"
#include "tools/gen/ProgramGenerator.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/ssa/PhisToSetGet.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;
using test::runProgram;

Program toSSAProgram(const std::string &text) {
  Program p = parseOrDie(text);
  for (Function &f : p.functions)
    EXPECT_TRUE(toSSA(f));
  EXPECT_EQ(test::verifySSAMessages(p, true), "");
  return p;
}

Program lowered(Program p) {
  for (Function &f : p.functions)
    phisToSetGet(f);
  return p;
}

Program destroyed(Program p) {
  for (Function &f : p.functions)
    EXPECT_TRUE(fromSSA(f));
  EXPECT_EQ(test::verifySSAMessages(p, false), "");
  return p;
}

// The program, its SSA form (as set/get) and its round trip behave the same,
// and the round trip executes no more instructions.
void expectSameBehaviour(const std::string &text, const std::string &args) {
  Program orig = parseOrDie(text);
  Program ssa = toSSAProgram(text);
  Program back = destroyed(ssa);
  test::RunResult a = runProgram(orig, args), b = runProgram(lowered(ssa), args),
                  c = runProgram(back, args);
  ASSERT_EQ(a.status, 0) << a.out;
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(c.out, a.out);
  EXPECT_EQ(b.status, 0);
  EXPECT_EQ(c.status, 0);
  EXPECT_LE(c.dyn, a.dyn);
}

const char *kSumLoop = R"(
@main(n: int) {
  i: int = const 0;
  s: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  s: int = add s i;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(ToSSATest, PrunedPhisOnlyForLiveLoopVariables) {
  Program p = toSSAProgram(kSumLoop);
  const Function &f = p.functions[0];
  // i and s need phis at .loop; c and one do not.
  EXPECT_EQ(countOp(f, Opcode::Phi), 2u);
  EXPECT_EQ(countOp(f, Opcode::Undef), 0u);
  BlockId loop = *f.findBlock("loop");
  for (const Instr &phi : f.block(loop).instrs) {
    if (phi.op != Opcode::Phi)
      break;
    EXPECT_EQ(phi.labels.size(), 2u);
  }
}

// A function of many loops, each with counters of its own, has more
// variables x blocks than to-ssa builds dense live sets for: the sparse
// sets must prune the same phis (one for the loop's counter and one for the
// running sum at each header; none for the temporaries and tests, which die
// in their loop, nor at the exits).
TEST(ToSSATest, ManyLoopsOfTheirOwnCountersGetPrunedPhisFromSparseLiveness) {
  constexpr int kLoops = 1200; // 2400 blocks x 2400 variables: sparse
  std::string text = "@main(n: int) {\n  s: int = const 0;\n  one: int = const 1;\n";
  for (int k = 0; k < kLoops; ++k) {
    const std::string n = std::to_string(k);
    for (const char *line : {"  iN: int = const 0;", ".hN:", "  tN: int = add iN one;",
                             "  s: int = add s tN;", "  iN: int = add iN one;",
                             "  cN: bool = lt iN n;", "  br cN .hN .xN;", ".xN:"}) {
      for (const char *ch = line; *ch; ++ch)
        if (*ch == 'N')
          text += n;
        else
          text += *ch;
      text += '\n';
    }
  }
  text += "  print s;\n}\n";
  Program p = toSSAProgram(text);
  const Function &f = p.functions[0];
  ASSERT_EQ(countOp(f, Opcode::Phi), size_t(2 * kLoops)); // (else the run below may not end)
  EXPECT_EQ(countOp(f, Opcode::Undef), 0u);
  for (int k = 0; k < kLoops; k += 97) {
    std::string label = "h";
    label += std::to_string(k);
    BlockId header = *f.findBlock(label);
    ASSERT_GE(f.block(header).instrs.size(), 2u);
    EXPECT_EQ(f.block(header).instrs[0].op, Opcode::Phi);
    EXPECT_EQ(f.block(header).instrs[1].op, Opcode::Phi);
  }
  test::RunResult a = runProgram(parseOrDie(text), "3"), b = runProgram(lowered(p), "3");
  ASSERT_EQ(a.status, 0) << a.out;
  EXPECT_EQ(b.out, a.out);
}

// The phis pruned Cytron places with the live sets of every variable
// (dense, nothing filtered), as (block, variable name): what toSSA must
// place, which builds live sets only for the variables that may need a phi.
// For a function whose entry is no branch target and whose blocks are all
// reachable (toSSA changes the CFG of the others).
std::set<std::pair<BlockId, std::string>> phisWithFullLiveness(const Function &f) {
  CFG cfg(f);
  DominatorTree dom(cfg);
  DominanceFrontier df(cfg, dom);
  Liveness live(f, cfg);
  std::vector<std::vector<BlockId>> defsites(f.numVars());
  for (const Param &p : f.params)
    defsites[p.var].push_back(f.entry());
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.hasDest())
        defsites[in.dest].push_back(b);
  std::set<std::pair<BlockId, std::string>> phis;
  for (VarId v = 0; v < f.numVars(); ++v) {
    std::vector<BlockId> work = defsites[v];
    std::set<BlockId> seen(work.begin(), work.end());
    while (!work.empty()) {
      BlockId b = work.back();
      work.pop_back();
      for (BlockId y : df.frontier(b))
        if (live.isLiveIn(v, y) && phis.insert({y, f.varName(v)}).second && seen.insert(y).second)
          work.push_back(y);
    }
  }
  return phis;
}

// toSSA's phis as (block, original variable name): a phi's destination is
// `<original>.<n>`.
std::set<std::pair<BlockId, std::string>> phisOf(const Function &f) {
  std::set<std::pair<BlockId, std::string>> phis;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Phi) {
        const std::string &name = f.varName(in.dest);
        phis.insert({b, name.substr(0, name.rfind('.'))});
      }
  return phis;
}

bool cfgKeptByToSSA(const Function &f) {
  CFG cfg(f);
  if (!cfg.preds(f.entry()).empty())
    return false;
  return std::all_of(f.layout.begin(), f.layout.end(), [&](BlockId b) { return cfg.reachable(b); });
}

// The scaling benchmark's wide shape (bench/scaling.sh): values computed at
// the top, all live across every loop after them, then summed.
std::string wideFunction(int values) {
  std::string text = "@main(n: int) {\n  s: int = const 0;\n  one: int = const 1;\n";
  for (int k = 0; k < values; ++k) {
    const std::string n = std::to_string(k);
    text += "  v" + n + ": int = add n s;\n  s: int = add s one;\n";
  }
  for (int k = 0; k < values; ++k) {
    const std::string n = std::to_string(k);
    text += "  i" + n + ": int = const 0;\n.h" + n + ":\n  s: int = add s i" + n + ";\n";
    text += "  i" + n + ": int = add i" + n + " one;\n  c" + n + ": bool = lt i" + n + " n;\n";
    text += "  br c" + n + " .h" + n + " .x" + n + ";\n.x" + n + ":\n";
  }
  for (int k = 0; k < values; ++k)
    text += "  s: int = add s v" + std::to_string(k) + ";\n";
  return text + "  print s;\n}\n";
}

TEST(ToSSATest, DeadJoinGetsNoPhi) {
  Program p = toSSAProgram(R"(
@main(c: bool) {
  br c .a .b;
.a:
  x: int = const 1;
  print x;
  jmp .j;
.b:
  x: int = const 2;
  print x;
.j:
  ret;
}
)");
  EXPECT_EQ(countOp(p.functions[0], Opcode::Phi), 0u);
}

// `last` is read at .show only from the second iteration on: the first
// test (i = 0) is known to go to .skip (analysis/DefiniteAssignment's
// refinement), so the function converts, with an `undef` for the first
// entry, and the round trip behaves the same.
const char *kReadFromTheSecondIteration = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  zero: int = const 0;
  first: bool = eq i zero;
  br first .skip .show;
.show:
  print last;
.skip:
  last: int = id i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  ret;
}
)";

TEST(ToSSATest, UseBeforeDefinitionOnAPathThatNeverRunsReadsUndef) {
  Program p = toSSAProgram(kReadFromTheSecondIteration);
  EXPECT_EQ(countOp(p.functions[0], Opcode::Undef), 1u);
  expectSameBehaviour(kReadFromTheSecondIteration, "4");
}

// The live sets toSSA builds leave out the variables defined in one block
// that dominates their reads (the wide shape's values, live across every
// loop): the phis are those of the live sets of every variable, in both
// forms of the sets, on the wide shape, on reads that the first iteration
// skips (one definition, and a phi), and on generated programs.
TEST(ToSSATest, PhisAreThoseOfFullLiveness) {
  std::vector<std::pair<std::string, Program>> programs;
  programs.push_back({"wide", parseOrDie(wideFunction(300))});
  programs.push_back({"second iteration", parseOrDie(kReadFromTheSecondIteration)});
  programs.push_back({"sum loop", parseOrDie(kSumLoop)});
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    GenOptions go;
    go.seed = seed;
    go.size = 300;
    go.hotLoops = seed % 2 == 0;
    go.loopNests = seed % 3 == 0;
    programs.push_back({"seed " + std::to_string(seed), generateProgram(go)});
  }
  size_t compared = 0, phis = 0;
  for (LivenessForm form : {LivenessForm::Sparse, LivenessForm::Dense}) {
    detail::forcedLivenessForm = form;
    for (const auto &[what, original] : programs)
      for (const Function &f0 : original.functions) {
        if (!cfgKeptByToSSA(f0) || !canConvertToSSA(f0))
          continue;
        Function f = f0;
        ASSERT_TRUE(toSSA(f));
        auto expected = phisWithFullLiveness(f0);
        EXPECT_EQ(phisOf(f), expected)
            << what << " @" << f0.name << (form == LivenessForm::Dense ? " dense" : " sparse");
        ++compared;
        phis += expected.size();
      }
  }
  detail::forcedLivenessForm.reset();
  EXPECT_GT(compared, 100u);
  EXPECT_GT(phis, 1000u);
  // The wide shape: a phi for the loop's counter and for the sum at each
  // header, none for the values.
  Program wide = toSSAProgram(wideFunction(300));
  EXPECT_EQ(countOp(wide.functions[0], Opcode::Phi), 600u);
}

// With the first test unknown (k), `last` may be read unassigned: brili
// fails there, SSA would give the read an `undef` that later passes may
// fold, so toSSA leaves the function as it is.
TEST(ToSSATest, UseBeforeDefinitionOnSomePathLeavesTheFunctionAlone) {
  Program p = parseOrDie(R"(
@main(n: int, k: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  first: bool = lt i k;
  br first .skip .show;
.show:
  print last;
.skip:
  last: int = id i;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  ret;
}
)");
  std::string before = test::textOf(p.functions[0]);
  EXPECT_FALSE(canConvertToSSA(p.functions[0]));
  EXPECT_FALSE(toSSA(p.functions[0]));
  EXPECT_EQ(test::textOf(p.functions[0]), before);
}

TEST(ToSSATest, EntryThatIsABranchTargetGetsAFreshEntry) {
  const char *text = R"(
@main(n: int) {
.top:
  n: int = add n n;
  big: int = const 100;
  c: bool = lt n big;
  br c .top .out;
.out:
  print n;
}
)";
  Program p = toSSAProgram(text);
  const Function &f = p.functions[0];
  EXPECT_FALSE(f.block(f.entry()).hasLabel());
  EXPECT_EQ(countOp(f, Opcode::Phi), 1u);
  expectSameBehaviour(text, "3");
}

TEST(ToSSATest, PointersAndAllValueTypes) {
  expectSameBehaviour(R"(
@main(n: int) {
  one: int = const 1;
  p: ptr<int> = alloc n;
  q: ptr<int> = id p;
  i: int = const 0;
  f: float = const 0.5;
  ch: char = const 'a';
  b: bool = const false;
.loop:
  store q i;
  q: ptr<int> = ptradd q one;
  f: float = fadd f f;
  b: bool = not b;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .done;
.done:
  v: int = load p;
  print v f ch b;
  free p;
}
)", "5");
}

TEST(ToSSATest, RefusesSpeculation) {
  Program p = parseOrDie("@main {\n  speculate;\n  commit;\n}\n");
  EXPECT_FALSE(toSSA(p.functions[0]));
}

// The swap problem: two phis that exchange values each iteration. A naive
// sequence of copies would overwrite one before the other reads it.
const char *kSwapSSA = R"(
@main(n: int) {
.entry:
  a0: int = const 1;
  b0: int = const 2;
  i0: int = const 0;
  one: int = const 1;
.loop:
  a1: int = phi a0 b1 .entry .loop;
  b1: int = phi b0 a1 .entry .loop;
  i1: int = phi i0 i2 .entry .loop;
  print a1 b1;
  i2: int = add i1 one;
  c: bool = lt i2 n;
  br c .loop .done;
.done:
  print a1 b1;
}
)";

TEST(FromSSATest, SwapProblem) {
  Program ssa = parseOrDie(kSwapSSA);
  ASSERT_EQ(test::verifySSAMessages(ssa, true), "");
  Program back = destroyed(ssa);
  // One swap costs three copies through one temporary; nothing else remains.
  EXPECT_EQ(countOp(back.functions[0], Opcode::Id), 3u);
  test::RunResult want = runProgram(lowered(ssa), "3"), got = runProgram(back, "3");
  ASSERT_EQ(want.status, 0) << want.out;
  EXPECT_EQ(got.out, want.out);
  EXPECT_EQ(want.out, "1 2\n2 1\n1 2\n1 2\n"); // the semantics, spelled out once
}

// A swap alone on its edge: the edge's two copies form a cycle, whose three
// sequential copies need one slot more than the parallel copy had (rewrite
// works in place, so the block must grow there).
TEST(FromSSATest, SwapOfTwoNeedsATemporary) {
  Program ssa = parseOrDie(R"(
@main {
.entry:
  a0: int = const 1;
  b0: int = const 2;
.loop:
  a1: int = phi a0 b1 .entry .loop;
  b1: int = phi b0 a1 .entry .loop;
  print a1 b1;
  c: bool = lt a1 b1;
  br c .loop .done;
.done:
  print b1 a1;
}
)");
  ASSERT_EQ(test::verifySSAMessages(ssa, true), "");
  Program back = destroyed(ssa);
  EXPECT_EQ(countOp(back.functions[0], Opcode::Id), 3u);
  test::RunResult want = runProgram(lowered(ssa), ""), got = runProgram(back, "");
  ASSERT_EQ(want.status, 0) << want.out;
  EXPECT_EQ(got.out, want.out);
  EXPECT_EQ(want.out, "1 2\n2 1\n1 2\n");
}

// Phi arguments that are constants and cannot share the phi's name (both
// constants stay live after it) are written again on their edges, each with
// its own literal, rather than copied.
TEST(FromSSATest, ConstantArgumentsAreWrittenAgainWithTheirOwnLiterals) {
  Program ssa = parseOrDie(R"(
@main(c: bool) {
.entry:
  a: int = const 5;
  k: int = const 9;
  b: int = const 7;
  br c .l .r;
.l:
  jmp .j;
.r:
  jmp .j;
.j:
  x: int = phi a b .l .r;
  print x a b k;
}
)");
  ASSERT_EQ(test::verifySSAMessages(ssa, true), "");
  Program back = destroyed(ssa);
  const Function &f = back.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Id), 0u);
  EXPECT_EQ(countOp(f, Opcode::Const), 5u);
  for (const char *arg : {"true", "false"}) {
    test::RunResult want = runProgram(lowered(ssa), arg), got = runProgram(back, arg);
    ASSERT_EQ(want.status, 0) << want.out;
    EXPECT_EQ(got.out, want.out) << arg;
  }
  EXPECT_EQ(runProgram(back, "true").out, "5 5 7 9\n");
  EXPECT_EQ(runProgram(back, "false").out, "7 5 7 9\n");
}

// Critical edges carrying phi arguments are split, and the splits whose
// copies all coalesce away are joined again: their blocks leave the layout
// and give back their instructions (they are most of the splits).
TEST(FromSSATest, JoinedSplitEdgesKeepNoInstructions) {
  Program ssa = parseOrDie(R"(
@main(n: int) {
.entry:
  i0: int = const 0;
  one: int = const 1;
.loop:
  i: int = phi i0 i1 .entry .body;
  c: bool = lt i n;
  br c .body .done;
.body:
  i1: int = add i one;
  b: bool = lt i1 one;
  br b .loop .done;
.done:
  r: int = phi i i1 .loop .body;
  print r;
}
)");
  ASSERT_EQ(test::verifySSAMessages(ssa, true), "");
  size_t before = ssa.functions[0].blocks.size();
  Program back = destroyed(ssa);
  const Function &f = back.functions[0];
  size_t joined = 0;
  for (BlockId b = BlockId(before); b < f.blocks.size(); ++b)
    if (f.block(b).dead) {
      ++joined;
      EXPECT_TRUE(f.block(b).instrs.empty()) << "block " << b;
      EXPECT_EQ(std::count(f.layout.begin(), f.layout.end(), b), 0);
    }
  EXPECT_GT(joined, 0u);
  for (const char *arg : {"0", "1", "5"}) {
    test::RunResult want = runProgram(lowered(ssa), arg), got = runProgram(back, arg);
    ASSERT_EQ(want.status, 0) << want.out;
    EXPECT_EQ(got.out, want.out) << arg;
  }
}

// The lost-copy problem: after copy propagation the phi's old value (x1) is
// used after the loop while the new one (x2) flows around the back edge.
const char *kLostCopySSA = R"(
@main(n: int) {
.entry:
  x0: int = const 0;
  one: int = const 1;
.loop:
  x1: int = phi x0 x2 .entry .loop;
  x2: int = add x1 one;
  c: bool = lt x2 n;
  br c .loop .exit;
.exit:
  print x1;
}
)";

TEST(FromSSATest, LostCopyProblem) {
  Program ssa = parseOrDie(kLostCopySSA);
  ASSERT_EQ(test::verifySSAMessages(ssa, true), "");
  Program back = destroyed(ssa);
  const Function &f = back.functions[0];
  // The back edge carries the one copy and no jump: an iteration runs
  // exactly add, lt, br and that copy. (The copy's edge block takes the
  // loop's fall-through slot; the entry jumps to the header once.)
  EXPECT_EQ(countOp(f, Opcode::Id), 1u);
  EXPECT_LE(countOp(f, Opcode::Jmp), 1u);
  test::RunResult want = runProgram(lowered(ssa), "5"), got = runProgram(back, "5");
  ASSERT_EQ(want.status, 0) << want.out;
  EXPECT_EQ(got.out, want.out);
  EXPECT_EQ(want.out, "4\n");
  test::RunResult longer = runProgram(back, "50");
  EXPECT_EQ(longer.dyn - got.dyn, 4 * 45);
}

// The same with a variable defined in two blocks (phis outside strict SSA,
// as an input program may have them): liveness then reads the blocks again,
// so the split edge's copy is put in its block before, and it still runs on
// the back edge alone.
TEST(FromSSATest, LostCopyWithAVariableDefinedTwice) {
  Program ssa = parseOrDie(R"(
@main(n: int) {
.entry:
  x0: int = const 0;
  one: int = const 1;
  k: int = const 3;
.loop:
  x1: int = phi x0 x2 .entry .loop;
  x2: int = add x1 one;
  k: int = add k one;
  c: bool = lt x2 n;
  br c .loop .exit;
.exit:
  print x1 k;
}
)");
  Program back = destroyed(ssa);
  EXPECT_EQ(countOp(back.functions[0], Opcode::Id), 1u);
  for (const char *arg : {"1", "5"}) {
    test::RunResult want = runProgram(lowered(ssa), arg), got = runProgram(back, arg);
    ASSERT_EQ(want.status, 0) << want.out;
    EXPECT_EQ(got.out, want.out) << arg;
  }
  EXPECT_EQ(runProgram(back, "5").out, "4 8\n");
}

TEST(FromSSATest, RoundTripRestoresNamesAndAddsNothing) {
  Program orig = parseOrDie(kSumLoop);
  Program back = destroyed(toSSAProgram(kSumLoop));
  const Function &a = orig.functions[0], &b = back.functions[0];
  EXPECT_EQ(b.instrCount(), a.instrCount());
  EXPECT_EQ(toJsonString(back), toJsonString(orig));
  expectSameBehaviour(kSumLoop, "10");
}

TEST(FromSSATest, ParameterReassignedInALoopKeepsItsName) {
  const char *text = R"(
@f(x: int): int {
  one: int = const 1;
  zero: int = const 0;
.loop:
  x: int = sub x one;
  c: bool = gt x zero;
  br c .loop .done;
.done:
  ret x;
}
@main {
  five: int = const 5;
  r: int = call @f five;
  print r;
}
)";
  Program back = destroyed(toSSAProgram(text));
  EXPECT_EQ(toJsonString(back), toJsonString(parseOrDie(text)));
  expectSameBehaviour(text, "");
}

// A version's name loses one numeric suffix, its version number, and
// nothing else: a.b.2 -> a.b, r.3x.4 -> r.3x, k.12.5 -> k.12; names without
// such a suffix (p.q7, m.) stay as they are.
TEST(FromSSATest, VersionNamesLoseOnlyTheirNumber) {
  Program ssa = parseOrDie(R"(
@main {
  a.b.2: int = const 1;
  p.q7: int = const 2;
  r.3x.4: int = const 3;
  k.12.5: int = const 4;
  m.: int = const 5;
  print a.b.2 p.q7 r.3x.4 k.12.5 m.;
}
)");
  Program back = destroyed(ssa);
  const Function &f = back.functions[0];
  std::vector<std::string> names;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Const)
        names.push_back(f.varName(in.dest));
  EXPECT_EQ(names, (std::vector<std::string>{"a.b", "p.q7", "r.3x", "k.12", "m."}));
  EXPECT_EQ(runProgram(back, "").out, "1 2 3 4 5\n");
}

// A variable read but never reachably defined keeps its name (pinned), so
// the read still fails; its class claims the name before any other, also
// before a version of that name numbered lower (z.1 below, which would
// otherwise take "z" first and give the read its value).
TEST(FromSSATest, PinnedClassClaimsItsNameBeforeLowerVersions) {
  Program ssa = parseOrDie(R"(
@main(c: bool) {
.entry:
  z.1: int = const 4;
  print z.1;
  br c .use .done;
.use:
  print z;
  jmp .done;
.done:
  ret;
.never:
  z: int = const 7;
  jmp .use;
}
)");
  Program back = destroyed(ssa);
  const Function &f = back.functions[0];
  std::string constName, readName;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs) {
      if (in.op == Opcode::Const && in.value.asInt() == 4)
        constName = f.varName(in.dest);
      if (in.op == Opcode::Print && in.args.size() == 1 && in.args[0] != kNoVar &&
          f.varName(in.args[0]) != constName)
        readName = f.varName(in.args[0]);
    }
  EXPECT_EQ(readName, "z") << toText(back);
  EXPECT_NE(constName, "z") << toText(back);
  EXPECT_EQ(runProgram(back, "false").out, "4\n");
  EXPECT_NE(runProgram(back, "true").status, 0);
}

// The same with a class of two members claiming z (z.1 and its copy z.2):
// coalescing then weighs the search from the cheaper side, and from z's
// (whose member has no definition, so no live range to search) it finds
// nothing; the classes stay apart because a member without a definition
// interferes with every member of another value.
TEST(FromSSATest, ClassWithAnUndefinedMemberStaysApart) {
  Program ssa = parseOrDie(R"(
@main(c: bool) {
.entry:
  z.1: int = const 4;
  z.2: int = id z.1;
  print z.2;
  br c .use .done;
.use:
  print z;
  jmp .done;
.done:
  ret;
.never:
  z: int = const 7;
  jmp .use;
}
)");
  Program back = destroyed(ssa);
  const Function &f = back.functions[0];
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Const && in.value.asInt() == 4) {
        EXPECT_NE(f.varName(in.dest), "z") << toText(back);
      }
  EXPECT_EQ(runProgram(back, "false").out, "4\n");
  EXPECT_NE(runProgram(back, "true").status, 0) << toText(back);
}

// Versions a.1 and a.2 interfere, so one class gets a fresh name
// "a.<n>"; a program variable a.<k> (its version a.<k>.1, in no copy,
// numbered after a.2 but defined before it and live across it) claims that
// spelling and must not share it. Its claim is spelled like a fresh name:
// from-ssa then builds its live set (a variable whose claim nobody else
// makes otherwise gets none, and would look dead out of its block).
TEST(FromSSATest, VersionSpelledLikeAFreshNameKeepsItsValue) {
  std::string text = "@main(n: int) {\n  jmp .first;\n.second:\n  a.1: int = mul n n;\n"
                     "  a.2: int = add n n;\n  jmp .next;\n.first:\n";
  std::string reads;
  for (int k = 0; k <= 40; ++k) {
    std::string v = "a." + std::to_string(k) + ".1";
    text += "  " + v + ": int = const " + std::to_string(100 + k) + ";\n";
    reads += " " + v;
  }
  text += "  jmp .second;\n.next:\n  print a.1 a.2;\n  print" + reads + ";\n}\n";
  Program orig = parseOrDie(text);
  Program back = destroyed(orig);
  test::RunResult want = runProgram(orig, "3"), got = runProgram(back, "3");
  ASSERT_EQ(want.status, 0) << want.out;
  EXPECT_EQ(got.out, want.out) << toText(back);
}

// @main made of `copies` copies of a Collatz loop that reuse the same
// variable names (bench/big_function.py's shape, smaller).
std::string loopCopies(int copies) {
  std::string text = "@main(n: int) {\n  one: int = const 1;\n  two: int = const 2;\n"
                     "  three: int = const 3;\n  sum: int = const 0;\n";
  for (int k = 0; k < copies; ++k) {
    std::string c = ".c" + std::to_string(k);
    text += "  x: int = add n one;\n  steps: int = const 0;\n" + c + ".cond:\n" +
            "  eq_one: bool = eq x one;\n  br eq_one " + c + ".end " + c + ".loop;\n" + c +
            ".loop:\n  steps: int = add steps one;\n  half: int = div x two;\n" +
            "  doublehalf: int = mul half two;\n  even: bool = eq x doublehalf;\n" +
            "  br even " + c + ".even " + c + ".odd;\n" + c + ".even:\n" +
            "  x: int = div x two;\n  jmp " + c + ".cond;\n" + c + ".odd:\n" +
            "  x: int = mul x three;\n  x: int = add x one;\n  jmp " + c + ".cond;\n" + c +
            ".end:\n  a: int = mul steps three;\n  sum: int = add sum a;\n";
  }
  return text + "  print sum;\n}\n";
}

// Many versions of each name, in classes that grow to hundreds of members:
// the interference search from the small class's side (see canMerge) merges
// them all back, as testing every pair did.
TEST(FromSSATest, ManyLoopCopiesComeBackWithTheirNames) {
  std::string text = loopCopies(60);
  Program back = destroyed(toSSAProgram(text));
  EXPECT_EQ(toJsonString(back), toJsonString(parseOrDie(text)));
  expectSameBehaviour(text, "7");
}

// A version live across the definitions of many others of its name must
// not share their name, also when the search starts from its side.
TEST(FromSSATest, VersionLiveAcrossOthersKeepsItsOwnName) {
  const int n = 60, yDef = 30, yUse = 33;
  std::string blocks, yBlock;
  for (int k = 1; k <= n; ++k) {
    std::string b = ".b" + std::to_string(k) + ":\n  a." + std::to_string(k) + ": int = add a." +
                    std::to_string(k - 1) + " one;\n";
    if (k == yDef)
      b += "  a.99: int = add one one;\n";
    if (k == yUse)
      b += "  print a.99;\n";
    b += "  jmp .b" + std::to_string(k + 1) + ";\n";
    // The block defining a.99 comes last in the text, so a.99 is numbered
    // after the versions it overlaps and meets their merged class.
    (k == yDef ? yBlock : blocks) += b;
  }
  std::string text = "@main {\n  one: int = const 1;\n  a.0: int = const 0;\n  jmp .b1;\n" +
                     blocks + ".b" + std::to_string(n + 1) + ":\n  print a." +
                     std::to_string(n) + ";\n  ret;\n" + yBlock + "}\n";
  Program ssa = parseOrDie(text);
  ASSERT_EQ(test::verifySSAMessages(ssa, true), "");
  Program back = destroyed(ssa);
  const Function &f = back.functions[0];
  std::set<std::string> names;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.hasDest())
        names.insert(f.varName(in.dest));
  // one, a (every chain version) and a second name for a.99.
  EXPECT_EQ(names.size(), 3u);
  EXPECT_TRUE(names.count("a"));
  test::RunResult want = runProgram(lowered(ssa), ""), got = runProgram(back, "");
  ASSERT_EQ(want.status, 0) << want.out;
  EXPECT_EQ(got.out, want.out);
  EXPECT_EQ(want.out, "2\n60\n");
}

// The wide shape (bench/scaling.sh): values computed at the top and read
// after `loops` counted loops, so each is live across all of them, in SSA
// form as written. Among them, versions of x and y that interfere: c.1 is
// a copy of x.1 read at the end, after x.2 is defined; y.1 is read at the
// end too, after y.2 is defined. Coalescing merges c.1 with x.1 (one
// value), and must then keep x.2 apart from that class, and y.2 from y.1,
// though both pairs claim one name: from-ssa builds live sets only for the
// variables its queries can involve (copy sides, and versions sharing a
// name), and a variable left out would look dead and share the name.
std::string wideWithInterferingVersions(int loops) {
  std::string text = "@main(n: int) {\n  one: int = const 1;\n  zero: int = const 0;\n"
                     "  x.1: int = add n one;\n  c.1: int = id x.1;\n";
  for (int k = 0; k < loops; ++k)
    text += "  v" + std::to_string(k) + ": int = add n x.1;\n";
  text += "  x.2: int = add x.1 one;\n  y.1: int = add n one;\n  y.2: int = add y.1 one;\n"
          "  jmp .p0;\n";
  for (int k = 0; k < loops; ++k) {
    std::string l = std::to_string(k), i = "i" + l;
    text += ".p" + l + ":\n  " + i + ".0: int = const 0;\n  jmp .h" + l + ";\n" + ".h" + l +
            ":\n  " + i + ".1: int = phi " + i + ".0 " + i + ".2 .p" + l + " .b" + l + ";\n" +
            "  t" + l + ": bool = lt " + i + ".1 n;\n  br t" + l + " .b" + l + " .p" +
            std::to_string(k + 1) + ";\n" + ".b" + l + ":\n  " + i + ".2: int = add " + i +
            ".1 one;\n  jmp .h" + l + ";\n";
  }
  text += ".p" + std::to_string(loops) + ":\n  print c.1 x.2 y.1 y.2;\n  s0: int = id zero;\n";
  for (int k = 0; k < loops; ++k)
    text += "  s" + std::to_string(k + 1) + ": int = add s" + std::to_string(k) + " v" +
            std::to_string(k) + ";\n";
  return text + "  print s" + std::to_string(loops) + ";\n}\n";
}

TEST(FromSSATest, WideFunctionKeepsInterferingVersionsApart) {
  Program ssa = parseOrDie(wideWithInterferingVersions(40));
  ASSERT_EQ(test::verifySSAMessages(ssa, true), "");
  Program back = destroyed(ssa);
  test::RunResult want = runProgram(lowered(ssa), "2"), got = runProgram(back, "2");
  ASSERT_EQ(want.status, 0) << want.out;
  EXPECT_EQ(want.out, "3 4 3 4\n200\n");
  EXPECT_EQ(got.out, want.out) << toText(back);
  // x and y come back, each with a second name for the version that
  // overlaps the other.
  const Function &f = back.functions[0];
  std::set<std::string> names;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.hasDest())
        names.insert(f.varName(in.dest));
  EXPECT_TRUE(names.count("x"));
  EXPECT_TRUE(names.count("y"));
}

TEST(SetGetTest, PhisBecomeGetsAndSetsBeforeTerminators) {
  Program p = lowered(toSSAProgram(kSumLoop));
  const Function &f = p.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Phi), 0u);
  EXPECT_EQ(countOp(f, Opcode::Get), 2u);
  EXPECT_EQ(countOp(f, Opcode::Set), 4u);
  const Block &body = f.block(*f.findBlock("body"));
  ASSERT_GE(body.instrs.size(), 3u);
  EXPECT_EQ(body.instrs.back().op, Opcode::Jmp);
  EXPECT_EQ(body.instrs[body.instrs.size() - 2].op, Opcode::Set);
  EXPECT_EQ(test::verifySSAMessages(p, true), "");
}

// One block of `copies` rounds that each keep a copy of x, redefine x and
// read the copy afterwards: the copy and the new x interfere (both live at
// once), the copy and the old x do not. Long enough that from-SSA indexes
// the block (FromSSAOptions::indexedBlockSize).
std::string longBlockOfOverlappingVersions(int copies) {
  std::string text = "@main(n: int) {\n  x: int = const 1;\n  s: int = const 0;\n";
  for (int i = 0; i < copies; ++i) {
    text += "  old: int = id x;\n  x: int = add x n;\n";
    text += i % 3 == 0 ? "  s: int = add s old;\n" : "  s: int = sub s old;\n";
    text += "  x: int = add x old;\n";
  }
  text += "  print x s;\n}\n";
  return text;
}

// One block of random copies, sums and prints over four variables: many
// versions share values, many live ranges overlap.
std::string randomStraightLine(uint64_t seed, int length) {
  std::mt19937_64 rng(seed);
  const char *vars[] = {"a", "b", "c", "d"};
  auto pick = [&] { return std::string(vars[rng() % 4]); };
  std::string text = "@main(n: int) {\n";
  for (const char *v : vars)
    text += std::string("  ") + v + ": int = id n;\n";
  for (int i = 0; i < length; ++i) {
    switch (rng() % 4) {
    case 0:
      text += "  " + pick() + ": int = id " + pick() + ";\n";
      break;
    case 1:
    case 2:
      text += "  " + pick() + ": int = add " + pick() + " " + pick() + ";\n";
      break;
    default:
      text += "  print " + pick() + ";\n";
    }
  }
  text += "  print a b c d;\n}\n";
  return text;
}

TEST(FromSSA, LongBlockKeepsInterferingVersionsApart) {
  expectSameBehaviour(longBlockOfOverlappingVersions(200), "3");
  for (uint64_t seed = 1; seed <= 30; ++seed)
    expectSameBehaviour(randomStraightLine(seed, 300), "5");
}

// The index of long blocks changes which pairs coalescing tests, never what
// it decides: every block indexed and none give the same program.
TEST(FromSSA, IndexingLongBlocksChangesNoDecision) {
  std::vector<Program> programs{parseOrDie(longBlockOfOverlappingVersions(200)),
                                parseOrDie(kSumLoop)};
  for (uint64_t seed = 1; seed <= 30; ++seed)
    programs.push_back(parseOrDie(randomStraightLine(seed, 300)));
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    GenOptions go;
    go.seed = seed;
    go.size = 400;
    go.undefinedReads = true;
    go.hotLoops = seed % 2 == 0;
    go.loopNests = seed % 3 == 0;
    programs.push_back(generateProgram(go));
  }
  unsigned indexedChanged = 0;
  for (const Program &original : programs) {
    Program ssa = original;
    for (Function &f : ssa.functions)
      toSSA(f);
    Program all = ssa, none = ssa;
    FromSSAOptions everyBlock, noBlock;
    everyBlock.indexedBlockSize = 0;
    noBlock.indexedBlockSize = UINT32_MAX;
    for (size_t i = 0; i < ssa.functions.size(); ++i) {
      indexedChanged += fromSSA(all.functions[i], everyBlock);
      fromSSA(none.functions[i], noBlock);
    }
    EXPECT_EQ(toText(all), toText(none)) << toText(original);
  }
  EXPECT_GT(indexedChanged, 40u); // the comparison saw real work
}

} // namespace
} // namespace brisk
