// Unit tests for analysis/DefiniteAssignment: which reads may find their
// variable unassigned (brili's `error: undefined variable`), on joins, loops,
// parameters, unreachable code, SSA phis of `undef`, and speculation.
#include "analysis/DefiniteAssignment.h"
#include "test/analysis/ParseHelper.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace brisk {
namespace {

using test::blockNamed;
using test::parseOrDie;

// "var@label:instr" for every possibly undefined read of the first function.
std::vector<std::string> undefinedReads(const Function &f) {
  CFG cfg(f);
  DefiniteAssignment da(f, cfg);
  std::vector<std::string> out;
  for (const PossiblyUndefinedRead &r : da.possiblyUndefinedReads())
    out.push_back(f.varName(r.var) + "@" + f.block(r.block).label + ":" + std::to_string(r.instr));
  return out;
}

using Reads = std::vector<std::string>;

TEST(DefiniteAssignmentTest, ReadAfterOneArmOfABranchMayBeUndefined) {
  Program p = parseOrDie(R"(
@main(b: bool) {
.top:
  br b .def .use;
.def:
  x: int = const 1;
.use:
  y: int = id x;
  print b;
}
)");
  const Function &f = p.functions[0];
  EXPECT_EQ(undefinedReads(f), (Reads{"x@use:0"}));
  EXPECT_TRUE(hasPossiblyUndefinedRead(f));
  CFG cfg(f);
  DefiniteAssignment da(f, cfg);
  EXPECT_TRUE(da.isAssignedIn(*f.lookupVar("b"), blockNamed(f, "use")));
  EXPECT_FALSE(da.isAssignedIn(*f.lookupVar("x"), blockNamed(f, "use")));
  EXPECT_TRUE(da.mayReadUndefined(blockNamed(f, "use"), 0));
  EXPECT_FALSE(da.mayReadUndefined(blockNamed(f, "use"), 1));
}

TEST(DefiniteAssignmentTest, BothArmsAssigningMakeTheJoinDefined) {
  Program p = parseOrDie(R"(
@main(b: bool) {
.top:
  br b .l .r;
.l:
  x: int = const 1;
  jmp .j;
.r:
  x: int = const 2;
.j:
  print x;
}
)");
  EXPECT_TRUE(undefinedReads(p.functions[0]).empty());
  EXPECT_FALSE(hasPossiblyUndefinedRead(p.functions[0]));
}

TEST(DefiniteAssignmentTest, ReadBeforeTheAssignmentInALoopMayBeUndefined) {
  // The first iteration reads x before the body assigns it; later ones read
  // the previous value. The loop is the greatest fixpoint's test: the back
  // edge must not make x count as assigned at the header.
  Program p = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
.head:
  print x;
  x: int = id i;
  one: int = const 1;
  i: int = add i one;
  c: bool = lt i n;
  br c .head .out;
.out:
  print x;
}
)");
  EXPECT_EQ(undefinedReads(p.functions[0]), (Reads{"x@head:0"}));
}

TEST(DefiniteAssignmentTest, ValueAssignedInALoopBodyIsUndefinedAfterAZeroTripLoop) {
  Program p = parseOrDie(R"(
@main(n: int) {
  i: int = const 0;
.head:
  c: bool = lt i n;
  br c .body .out;
.body:
  x: int = id i;
  one: int = const 1;
  i: int = add i one;
  jmp .head;
.out:
  print x i;
}
)");
  EXPECT_EQ(undefinedReads(p.functions[0]), (Reads{"x@out:0"}));
}

// `while (i < 3)` entered with i = 0 runs its body at least once: what the
// body assigns is assigned after the loop (the shared dead-branch benchmark).
TEST(DefiniteAssignmentTest, ALoopWhoseFirstTestIsKnownToPassRunsItsBodyFirst) {
  const char *loop = R"(
@main(n: int, b: bool) {
  i: int = const 0;
  three: int = BOUND;
  one: int = const 1;
.head:
  c: bool = lt i three;
  br c .body .out;
.body:
  BREAK
  x: int = id i;
  i: int = add i one;
  jmp .head;
.out:
  print x;
}
)";
  auto with = [&](const std::string &bound, const std::string &brk) {
    std::string t = loop;
    t.replace(t.find("BOUND"), 5, bound);
    t.replace(t.find("BREAK"), 5, brk);
    Program p = parseOrDie(t);
    return undefinedReads(p.functions[0]);
  };
  EXPECT_TRUE(with("const 3", "").empty());
  // A bound that is not known, or a first test that fails: x may be unset.
  EXPECT_EQ(with("id n", ""), (Reads{"x@out:0"}));
  EXPECT_EQ(with("const 0", ""), (Reads{"x@out:0"}));
  // A break before the assignment leaves by another edge.
  EXPECT_EQ(with("const 3", "br b .out .rest;\n.rest:"), (Reads{"x@out:0"}));
}

TEST(DefiniteAssignmentTest, ABranchOnTheEntryPathWithAKnownConditionGoesOneWay) {
  // The shape of a rotated loop's guard: the other side never runs, so a
  // phi's argument from it does not count (it is a loop-rotation `undef`).
  Program p = parseOrDie(R"(
@main(n: int) {
.g:
  u: int = undef;
  zero: int = const 0;
  three: int = const 3;
  c: bool = lt zero three;
  br c .body .out;
.body:
  x: int = const 1;
  jmp .out;
.out:
  y: int = phi u x .g .body;
  print y;
}
)");
  EXPECT_TRUE(undefinedReads(p.functions[0]).empty());
  // With an unknown condition the undef may flow.
  Program q = parseOrDie(R"(
@main(n: int) {
.g:
  u: int = undef;
  zero: int = const 0;
  c: bool = lt zero n;
  br c .body .out;
.body:
  x: int = const 1;
  jmp .out;
.out:
  y: int = phi u x .g .body;
  print y;
}
)");
  EXPECT_EQ(undefinedReads(q.functions[0]), (Reads{"y@out:1"}));
}

TEST(DefiniteAssignmentTest, TheFirstTestIsOnlyKnownOnASinglePathFromTheEntry) {
  // i is 0 on both paths into .head, but two paths make the first entry
  // ambiguous; the analysis then knows nothing about the first test.
  Program p = parseOrDie(R"(
@main(b: bool) {
  i: int = const 0;
  three: int = const 3;
  one: int = const 1;
  br b .l .r;
.l:
  jmp .head;
.r:
  jmp .head;
.head:
  c: bool = lt i three;
  br c .body .out;
.body:
  x: int = id i;
  i: int = add i one;
  jmp .head;
.out:
  print x;
}
)");
  EXPECT_EQ(undefinedReads(p.functions[0]), (Reads{"x@out:0"}));
}

TEST(DefiniteAssignmentTest, ParametersAndSelfAssignmentsAndUnreachableCode) {
  // `x = add x x` reads before it assigns; dead code never runs.
  Program p = parseOrDie(R"(
@main(a: int) {
  b: int = add a a;
  x: int = add x b;
  ret;
.dead:
  print nothing;
}
)");
  EXPECT_EQ(undefinedReads(p.functions[0]), (Reads{"x@:1"}));
}

TEST(DefiniteAssignmentTest, EntryThatIsALoopHeaderStartsWithTheParametersOnly) {
  Program p = parseOrDie(R"(
@main(n: int) {
.top:
  print y;
  y: int = id n;
  jmp .top;
}
)");
  EXPECT_EQ(undefinedReads(p.functions[0]), (Reads{"y@top:0"}));
}

TEST(DefiniteAssignmentTest, PhiOfUndefIsUndefinedAndPhiOfDefinedValuesIsDefined) {
  Program p = parseOrDie(R"(
@main(b: bool) {
.top:
  u: int = undef;
  one: int = const 1;
  br b .l .r;
.l:
  jmp .j;
.r:
  jmp .j;
.j:
  x: int = phi one u .l .r;
  y: int = phi one one .l .r;
  print y;
  print x;
}
)");
  EXPECT_EQ(undefinedReads(p.functions[0]), (Reads{"x@j:3"}));
}

// A caller's dominator tree (toSSA's, trace selection's) gives the answers
// of the tree the analysis builds itself: the tracked variables, which the
// tree decides, and every read and block state.
TEST(DefiniteAssignmentTest, AGivenDominatorTreeGivesTheSameAnswers) {
  Program p = parseOrDie(R"(
@main(b: bool, n: int) {
.top:
  u: int = undef;
  one: int = const 1;
  i: int = const 0;
  br b .l .r;
.l:
  k: int = const 2;
  jmp .j;
.r:
  jmp .j;
.j:
  x: int = phi one u .l .r;
  y: int = phi one one .l .r;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  i: int = add i one;
  jmp .loop;
.done:
  print x y k;
}
)");
  const Function &f = p.functions[0];
  CFG cfg(f);
  DominatorTree dom(cfg);
  DefiniteAssignment own(f, cfg), given(f, cfg, dom);
  std::vector<std::string> ownReads, givenReads;
  for (const PossiblyUndefinedRead &r : own.possiblyUndefinedReads())
    ownReads.push_back(f.varName(r.var) + "@" + f.block(r.block).label);
  for (const PossiblyUndefinedRead &r : given.possiblyUndefinedReads())
    givenReads.push_back(f.varName(r.var) + "@" + f.block(r.block).label);
  EXPECT_EQ(ownReads, (Reads{"x@done", "k@done"}));
  EXPECT_EQ(givenReads, ownReads);
  EXPECT_EQ(DefiniteAssignment::trackedVariables(f, cfg, dom),
            DefiniteAssignment::trackedVariables(f, cfg, DominatorTree(cfg)));
  for (BlockId b : f.layout)
    for (VarId v = 0; v < f.numVars(); ++v)
      EXPECT_EQ(given.isAssignedIn(v, b), own.isAssignedIn(v, b)) << f.varName(v) << " in "
                                                                  << f.block(b).label;
}

TEST(DefiniteAssignmentTest, AFailedGuardRestoresTheStateOfItsSpeculate) {
  // x is assigned inside the speculation only: the recovery path, entered
  // with the variables of the `speculate` point, does not have it. y is
  // assigned before the speculate, so the recovery path has it.
  Program p = parseOrDie(R"(
@main(b: bool) {
  y: int = const 2;
  speculate;
  x: int = const 1;
  guard b .recover;
  commit;
  print x y;
  ret;
.recover:
  print y;
  print x;
}
)");
  EXPECT_EQ(undefinedReads(p.functions[0]), (Reads{"x@recover:1"}));
}

TEST(DefiniteAssignmentTest, SetReadsItsValueButNotItsShadow) {
  Program p = parseOrDie(R"(
@main(b: bool) {
  br b .l .r;
.l:
  v: int = const 1;
.r:
  set x v;
  x: int = get;
  print x;
}
)");
  EXPECT_EQ(undefinedReads(p.functions[0]), (Reads{"v@r:0"}));
}

// A phi assigns only when its arguments do, so an `undef` two phis up still
// makes the last read possibly undefined (the untracked set needs a second
// walk to drop x.3 after x.2); the same chain without the `undef` tracks no
// variable at all and reports nothing.
TEST(DefiniteAssignmentTest, PhiOfAPhiOfUndefIsTrackedAndReported) {
  auto build = [](const char *init) {
    return parseOrDie(std::string(R"(
@main(b: bool) {
.top:
  x.0: int = )") + init + R"(;
  x.1: int = const 1;
  br b .l .r;
.l:
  jmp .j;
.r:
  jmp .j;
.j:
  x.2: int = phi x.0 x.1 .l .r;
  br b .k .m;
.k:
  jmp .out;
.m:
  jmp .out;
.out:
  x.3: int = phi x.2 x.2 .k .m;
  print x.3;
}
)");
  };
  Program withUndef = build("undef");
  EXPECT_EQ(undefinedReads(withUndef.functions[0]), (Reads{"x.3@out:1"}));
  Program defined = build("const 0");
  const Function &f = defined.functions[0];
  EXPECT_TRUE(undefinedReads(f).empty());
  CFG cfg(f);
  DominatorTree dom(cfg);
  for (uint32_t i : DefiniteAssignment::trackedVariables(f, cfg, dom))
    EXPECT_EQ(i, DefiniteAssignment::kUntracked);
  std::vector<uint32_t> tracked = DefiniteAssignment::trackedVariables(withUndef.functions[0],
                                                                       cfg, dom);
  for (const char *name : {"x.0", "x.2", "x.3"})
    EXPECT_NE(tracked[*withUndef.functions[0].lookupVar(name)], DefiniteAssignment::kUntracked)
        << name;
  EXPECT_EQ(tracked[*withUndef.functions[0].lookupVar("x.1")], DefiniteAssignment::kUntracked);
}

// With speculation a dominating assignment proves something only when no
// failed guard can undo it. y is assigned while a speculate is open, a guard
// follows and .recover reads it (a failed guard restores it to unassigned);
// x after the guard in the guard's block (the guard's edge leaves before
// it), though that block dominates .recover; both are tracked, and their
// reads in .recover are reported. b (a parameter, assigned before any
// speculate) needs no bit; nor does w, assigned like y but assigned again in
// .recover before it is read there; nor z: the analysis keeps a failed
// guard's speculate open (its saved state stays in force until a commit),
// but no guard follows z's assignment.
TEST(DefiniteAssignmentTest, SpeculationTracksWhatAFailedGuardCanUndo) {
  Program p = parseOrDie(R"(
@main(b: bool) {
  speculate;
  y: int = const 2;
  w: int = const 4;
  guard b .recover;
  commit;
  x: int = const 1;
  print x y w;
  ret;
.recover:
  z: int = const 3;
  w: int = const 5;
  print x y z w;
}
)");
  const Function &f = p.functions[0];
  EXPECT_EQ(undefinedReads(f), (Reads{"x@recover:2", "y@recover:2"}));
  CFG cfg(f);
  DominatorTree dom(cfg);
  std::vector<uint32_t> tracked = DefiniteAssignment::trackedVariables(f, cfg, dom);
  for (const char *name : {"x", "y"})
    EXPECT_NE(tracked[*f.lookupVar(name)], DefiniteAssignment::kUntracked) << name;
  for (const char *name : {"b", "w", "z"})
    EXPECT_EQ(tracked[*f.lookupVar(name)], DefiniteAssignment::kUntracked) << name;
}

// A guard's edge leaves from the middle of its block: x, assigned after the
// first guard of .top, is not assigned on the way .top -> .side -> .use,
// though .top dominates .use, and its read there is reported (x is tracked).
// y, assigned after that guard too, is read only by .top itself after the
// assignment: no bit. (z, read by .late and assigned before the guard to
// .late, is assigned on every way there, but the rule counts from a block's
// first guard whatever its target: z gets a bit, and is not reported.)
TEST(DefiniteAssignmentTest, AnAssignmentAfterAGuardDoesNotReachTheBlocksItsBlockDominates) {
  Program p = parseOrDie(R"(
@main(b: bool) {
.top:
  speculate;
  guard b .side;
  commit;
  x: int = const 1;
  y: int = const 2;
  print y;
  z: int = const 3;
  guard b .late;
  br b .use .end;
.side:
  jmp .use;
.late:
  print z;
  ret;
.use:
  print x;
.end:
  ret;
}
)");
  const Function &f = p.functions[0];
  EXPECT_EQ(undefinedReads(f), (Reads{"x@use:0"}));
  CFG cfg(f);
  DominatorTree dom(cfg);
  std::vector<uint32_t> tracked = DefiniteAssignment::trackedVariables(f, cfg, dom);
  EXPECT_NE(tracked[*f.lookupVar("x")], DefiniteAssignment::kUntracked);
  EXPECT_EQ(tracked[*f.lookupVar("y")], DefiniteAssignment::kUntracked);
}

// Loop unrolling's speculative chunk: speculate, the body, commit, speculate,
// the chunk test's guard back to the loop. The body's assignments meet the
// commit before any guard, and the code after the loop, reached while the
// analysis counts a speculate open (the guard's), meets a commit before the
// next guard; the chunk test c, assigned between the speculate and the
// guard, is read by that guard only, not after it fails. Nothing in a
// function of many such loops needs a bit (all of its variables once did:
// blocks x variables bits in trace selection). A chunk that tests at its
// top instead (speculate; chunk: guard, body) lets the guard undo the
// body's first assignment of t on a later trip: t is tracked and its read
// after the recovery reported.
TEST(DefiniteAssignmentTest, ChunksThatCommitBeforeTheirGuardUndoNothing) {
  auto build = [](const char *chunk) {
    std::string t = R"(
@main(n: int) {
  s: int = const 0;
  one: int = const 1;
  i: int = const 0;
  speculate;
.chunk:
CHUNK
.loop:
  t: int = id i;
  s: int = add s t;
  i: int = add i one;
  c: bool = lt i n;
  br c .loop .after;
.after:
  j: int = id s;
  speculate;
  k: int = add j one;
  commit;
  print j k t;
}
)";
    t.replace(t.find("CHUNK"), 5, chunk);
    return parseOrDie(t);
  };
  Program committing = build(R"(  t: int = id i;
  s: int = add s t;
  i: int = add i one;
  commit;
  speculate;
  c: bool = lt i n;
  guard c .loop;
  jmp .chunk;)");
  const Function &f = committing.functions[0];
  EXPECT_TRUE(undefinedReads(f).empty());
  CFG cfg(f);
  DominatorTree dom(cfg);
  std::vector<uint32_t> tracked = DefiniteAssignment::trackedVariables(f, cfg, dom);
  for (VarId v = 0; v < f.numVars(); ++v)
    EXPECT_EQ(tracked[v], DefiniteAssignment::kUntracked) << f.varName(v);

  Program testingFirst = build(R"(  c: bool = lt i n;
  guard c .after;
  t: int = id i;
  s: int = add s t;
  i: int = add i one;
  jmp .chunk;)");
  const Function &g = testingFirst.functions[0];
  CFG gcfg(g);
  DominatorTree gdom(gcfg);
  tracked = DefiniteAssignment::trackedVariables(g, gcfg, gdom);
  EXPECT_NE(tracked[*g.lookupVar("t")], DefiniteAssignment::kUntracked);
  for (const char *name : {"n", "one", "j", "k"})
    EXPECT_EQ(tracked[*g.lookupVar(name)], DefiniteAssignment::kUntracked) << name;
  EXPECT_EQ(undefinedReads(g), (Reads{"t@after:4"}));
}

} // namespace
} // namespace brisk
