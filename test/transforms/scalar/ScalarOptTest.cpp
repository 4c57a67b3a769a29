// SCCP, copy propagation, aggressive DCE, sinking and CFG simplification on
// small SSA functions built from Bril text: what each pass removes, what it
// must keep (traps, side effects, out-of-range literals), that the result is
// still verified SSA, and that the program behaves the same and executes no
// more instructions (run under `brisk run -p`).
#include "analysis/AnalysisCache.h"
#include "analysis/Verifier.h"
#include "backend/TextPrinter.h"
#include "test/analysis/ParseHelper.h"
#include "test/transforms/TestSupport.h"
#include "test/transforms/RunHelper.h"
#include "transforms/scalar/AggressiveDCE.h"
#include "transforms/scalar/CopyPropagation.h"
#include "transforms/ssa/FromSSA.h"
#include "transforms/scalar/SCCP.h"
#include "transforms/scalar/Simplify.h"
#include "transforms/scalar/Sink.h"
#include "transforms/ssa/ToSSA.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace brisk {
namespace {

using test::countOp;
using test::parseOrDie;

using PassFn = bool (*)(Function &);

// Parses, converts to SSA, runs `passes` on every function (verifying SSA
// after each), and returns the SSA program.
Program optimized(const std::string &text, std::initializer_list<PassFn> passes) {
  Program p = parseOrDie(text);
  for (Function &f : p.functions)
    EXPECT_TRUE(toSSA(f));
  for (PassFn pass : passes) {
    for (Function &f : p.functions)
      pass(f);
    EXPECT_EQ(test::verifySSAMessages(p, true), "");
  }
  return p;
}

// Same output, same exit status, no more dynamic instructions; returns the
// optimized count.
long long expectSameBehaviour(const std::string &text, std::initializer_list<PassFn> passes,
                              const std::string &args = "") {
  Program orig = parseOrDie(text);
  Program opt = optimized(text, passes);
  for (Function &f : opt.functions)
    fromSSA(f);
  EXPECT_EQ(test::verifySSAMessages(opt, false), "");
  test::RunResult a = test::runProgram(orig, args), b = test::runProgram(opt, args);
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.status, a.status);
  EXPECT_LE(b.dyn, a.dyn);
  return b.dyn;
}

// --- foldConstant: the reference interpreter's arithmetic ---------------------

std::optional<Literal> fold(Opcode op, Type t, std::initializer_list<Literal> args) {
  std::vector<Literal> v(args);
  return foldConstant(op, t, v);
}

TEST(FoldConstantTest, IntegerArithmeticWrapsAndDivisionTruncates) {
  Type i = Type::intTy();
  EXPECT_EQ(fold(Opcode::Div, i, {Literal::ofInt(-7), Literal::ofInt(2)})->asInt(), -3);
  EXPECT_EQ(fold(Opcode::Div, i, {Literal::ofInt(7), Literal::ofInt(-2)})->asInt(), -3);
  EXPECT_FALSE(fold(Opcode::Div, i, {Literal::ofInt(7), Literal::ofInt(0)}));
  EXPECT_EQ(fold(Opcode::Sub, i, {Literal::ofInt(3), Literal::ofInt(10)})->asInt(), -7);
  // Results beyond 2^53 cannot be written as a literal the reference reads.
  int64_t big = int64_t(1) << 53;
  EXPECT_EQ(fold(Opcode::Add, i, {Literal::ofInt(big - 1), Literal::ofInt(1)})->asInt(), big);
  EXPECT_FALSE(fold(Opcode::Add, i, {Literal::ofInt(big), Literal::ofInt(1)}));
  EXPECT_FALSE(fold(Opcode::Mul, i, {Literal::ofInt(big), Literal::ofInt(4)}));
}

TEST(FoldConstantTest, ComparisonsLogicFloatsAndChars) {
  Type b = Type::boolTy(), fl = Type::floatTy();
  EXPECT_TRUE(fold(Opcode::Le, b, {Literal::ofInt(3), Literal::ofInt(3)})->asBool());
  EXPECT_FALSE(fold(Opcode::Gt, b, {Literal::ofInt(3), Literal::ofInt(3)})->asBool());
  EXPECT_TRUE(fold(Opcode::Or, b, {Literal::ofBool(false), Literal::ofBool(true)})->asBool());
  EXPECT_FALSE(fold(Opcode::Not, b, {Literal::ofBool(true)})->asBool());
  EXPECT_DOUBLE_EQ(fold(Opcode::FDiv, fl, {Literal::ofFloat(1), Literal::ofFloat(4)})->asFloat(),
                   0.25);
  EXPECT_FALSE(fold(Opcode::FDiv, fl, {Literal::ofFloat(1), Literal::ofFloat(0)})); // inf
  double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(fold(Opcode::FEq, b, {Literal::ofFloat(nan), Literal::ofFloat(nan)})->asBool());
  // JavaScript compares strings by UTF-16 units: U+FFFF sorts after U+10000.
  EXPECT_TRUE(fold(Opcode::CGt, b, {Literal::ofChar(0xFFFF), Literal::ofChar(0x10000)})->asBool());
  EXPECT_TRUE(fold(Opcode::CLt, b, {Literal::ofChar('a'), Literal::ofChar('b')})->asBool());
  EXPECT_EQ(fold(Opcode::Char2Int, Type::intTy(), {Literal::ofChar(0x1F600)})->asInt(), 0x1F600);
  EXPECT_FALSE(fold(Opcode::Int2Char, Type::charTy(), {Literal::ofInt(0xD800)})); // surrogate
  EXPECT_FALSE(fold(Opcode::Int2Char, Type::charTy(), {Literal::ofInt(-1)}));
  EXPECT_EQ(fold(Opcode::Int2Char, Type::charTy(), {Literal::ofInt(65)})->asChar(), 65u);
}

// --- SCCP ---------------------------------------------------------------------

const char *kConstantLoop = R"(
@main {
  i: int = const 0;
  k: int = const 5;
  n: int = const 3;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  k: int = mul k k;
  k: int = div k k;
  i: int = add i k;
  i: int = sub i k;
  i: int = add i k;
  jmp .loop;
.done:
  t: bool = gt k n;
  br t .yes .no;
.yes:
  print k;
  ret;
.no:
  print n;
}
)";

TEST(SCCPTest, VaryingLoopPhisStayAndTheProgramStillRuns) {
  // k is 5 on entry and 1 after a trip (25/25): its phi meets two constants
  // and must go to Bottom, not keep the first one.
  expectSameBehaviour(kConstantLoop, {propagateConstants});
  Program p = optimized(kConstantLoop, {propagateConstants});
  EXPECT_EQ(countOp(p.functions[0], Opcode::Div), 1u);
}

TEST(SCCPTest, FoldsBranchOnConstantAndDeletesTheDeadSide) {
  const char *text = R"(
@main(a: int) {
  x: int = const 4;
  y: int = const 6;
  s: int = add x y;
  big: bool = gt s x;
  br big .then .else;
.then:
  r: int = mul s a;
  jmp .end;
.else:
  r: int = const 0;
  print r;
.end:
  print r;
}
)";
  Program p = optimized(text, {propagateConstants});
  const Function &f = p.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Br), 0u);
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      if (in.op == Opcode::Phi) {
        EXPECT_EQ(in.args.size(), 1u) << "the phi at .end lost the .else entry";
      }
  EXPECT_FALSE(f.findBlock("else").has_value() &&
               std::find(f.layout.begin(), f.layout.end(), *f.findBlock("else")) != f.layout.end());
  // s folded to 10 in place.
  unsigned tens = 0;
  for (BlockId b : f.layout)
    for (const Instr &in : f.block(b).instrs)
      tens += in.op == Opcode::Const && in.value.asInt() == 10;
  EXPECT_EQ(tens, 1u);
  expectSameBehaviour(text, {propagateConstants}, "7");
}

TEST(SCCPTest, OptimisticLoopInvariantPhiBecomesConstant) {
  // x is 1 on entry and stays 1 around the loop: only the optimistic
  // (Top-start) lattice proves it.
  const char *text = R"(
@main(n: int) {
  x: int = const 1;
  i: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  x: int = mul x one;
  i: int = add i one;
  jmp .loop;
.done:
  print x;
}
)";
  Program p = optimized(text, {propagateConstants, eliminateDeadCodeAggressively});
  const Function &f = p.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Mul), 0u);
  EXPECT_EQ(countOp(f, Opcode::Phi), 1u) << "only i's phi is left";
  expectSameBehaviour(text, {propagateConstants, eliminateDeadCodeAggressively}, "5");
}

TEST(SCCPTest, KeepsDivisionByZeroAndHugeResults) {
  const char *text = R"(
@main {
  big: int = const 4503599627370496;
  four: int = const 4;
  huge: int = mul big four;
  zero: int = const 0;
  print huge;
  q: int = div four zero;
  print q;
}
)";
  Program p = optimized(text, {propagateConstants, eliminateDeadCodeAggressively});
  const Function &f = p.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Mul), 1u) << "2^54 has no exact JSON literal for the reference";
  EXPECT_EQ(countOp(f, Opcode::Div), 1u) << "division by zero must still trap";
  test::RunResult r = test::runProgram(p, "");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "18014398509481984\n");
}

// --- copy propagation ----------------------------------------------------------

TEST(CopyPropagationTest, RemovesCopiesAndTrivialPhis) {
  const char *text = R"(
@main(a: int, n: int) {
  b: int = id a;
  i: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  b: int = id b;
  i: int = add i one;
  jmp .loop;
.done:
  d: int = id b;
  print d;
}
)";
  Program p = optimized(text, {propagateCopies});
  const Function &f = p.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Id), 0u);
  EXPECT_EQ(countOp(f, Opcode::Phi), 1u) << "b's phi is phi(a, b) and goes; i's stays";
  expectSameBehaviour(text, {propagateCopies}, "9 4");
}

// --- aggressive DCE ------------------------------------------------------------

TEST(AggressiveDCETest, RemovesDeadCyclesAndNopsButKeepsTrapsAndEffects) {
  const char *text = R"(
@main(n: int, d: int) {
  i: int = const 0;
  dead: int = const 0;
  one: int = const 1;
  three: int = const 3;
  nop;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  dead: int = add dead i;
  safe: int = div dead three;
  risky: int = div n d;
  p: ptr<int> = alloc one;
  free p;
  i: int = add i one;
  jmp .loop;
.done:
  print i;
}
)";
  Program p = optimized(text, {eliminateDeadCodeAggressively});
  const Function &f = p.functions[0];
  EXPECT_EQ(countOp(f, Opcode::Nop), 0u);
  EXPECT_EQ(countOp(f, Opcode::Div), 1u) << "div by a nonzero const is dead; div by d may trap";
  EXPECT_EQ(countOp(f, Opcode::Alloc), 1u);
  EXPECT_EQ(countOp(f, Opcode::Free), 1u);
  EXPECT_EQ(countOp(f, Opcode::Phi), 1u) << "the dead accumulator's phi cycle is gone";
  expectSameBehaviour(text, {eliminateDeadCodeAggressively}, "3 1");
  // The kept division still traps.
  Program q = optimized(text, {eliminateDeadCodeAggressively});
  for (Function &fn : q.functions)
    fromSSA(fn);
  EXPECT_EQ(test::runProgram(q, "3 0").status, 2);
}

// --- sinking -------------------------------------------------------------------

TEST(SinkTest, ConstantsMoveToTheSideThatUsesThem) {
  const char *text = R"(
@f(n: int): int {
  ten: int = const 10;
  eleven: int = const 11;
  hundred: int = const 100;
  big: bool = gt n hundred;
  br big .big .small;
.big:
  r: int = sub n ten;
  ret r;
.small:
  r: int = add n eleven;
  ret r;
}
@main(n: int) {
  x: int = call @f n;
  print x;
}
)";
  Program p = optimized(text, {sinkInstructions});
  const Function &f = *p.findFunction("f");
  EXPECT_EQ(f.block(f.entry()).instrs.size(), 3u) << "hundred, big, br stay";
  long long a = test::runProgram(parseOrDie(text), "5").dyn;
  long long b = expectSameBehaviour(text, {sinkInstructions}, "5");
  EXPECT_EQ(b, a - 1);
}

// A constant sunk into .a, whose only use is further down in .b, moves on
// into .b when .a's turn comes (.a is then read as it is now, not as the
// pass first saw it: it held no constant then).
TEST(SinkTest, ASunkInstructionSinksAgain) {
  const char *text = R"(
@main(n: int, c: bool, d: bool) {
  ten: int = const 10;
  br c .a .x;
.a:
  br d .b .y;
.b:
  r: int = add n ten;
  print r;
  ret;
.y:
  print n;
  ret;
.x:
  print c;
}
)";
  Program p = optimized(text, {sinkInstructions});
  const Function &f = p.functions[0];
  auto constants = [&](const char *label) {
    const std::vector<Instr> &ins = f.block(*f.findBlock(label)).instrs;
    return std::count_if(ins.begin(), ins.end(), [](const Instr &in) { return in.op == Opcode::Const; });
  };
  EXPECT_EQ(constants("a"), 0);
  EXPECT_EQ(constants("b"), 1);
  expectSameBehaviour(text, {sinkInstructions}, "3 true true");
  expectSameBehaviour(text, {sinkInstructions}, "3 true false");
}

// --- CFG simplification --------------------------------------------------------

TEST(SimplifyCFGTest, ThreadsJumpsMergesBlocksAndPlacesLoopBodies) {
  const char *text = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  jmp .head;
.head:
  c: bool = lt i n;
  br c .hop .done;
.hop:
  jmp .body;
.body:
  i: int = add i one;
  jmp .next;
.next:
  print i;
  jmp .head;
.done:
  print n;
  ret;
}
)";
  Program p = optimized(text, {simplifyCFG});
  const Function &f = p.functions[0];
  // entry, body (hop threaded, next merged), head, done.
  EXPECT_EQ(f.layout.size(), 4u);
  EXPECT_EQ(countOp(f, Opcode::Jmp), 1u) << "only the entry's jump into the rotated loop";
  EXPECT_EQ(countOp(f, Opcode::Ret), 0u) << "the last block falls off the end instead";
  long long before = test::runProgram(parseOrDie(text), "4").dyn;
  long long after = expectSameBehaviour(text, {simplifyCFG}, "4");
  // Per iteration: the hop jmp, the body->next jmp, and (placing the body
  // before the header) the back-edge jmp are gone.
  EXPECT_LE(after, before - 3 * 4);
}

TEST(SimplifyCFGTest, BranchWithEqualTargetsAndPlainForm) {
  const char *text = R"(
@main(a: bool) {
  br a .x .x;
.x:
  jmp .y;
.y:
  print a;
}
)";
  Program p = parseOrDie(text);
  EXPECT_TRUE(simplifyCFG(p.functions[0]));
  EXPECT_EQ(test::verifySSAMessages(p, false), "");
  EXPECT_EQ(p.functions[0].layout.size(), 1u);
  EXPECT_EQ(countOp(p.functions[0], Opcode::Br), 0u);
  EXPECT_EQ(countOp(p.functions[0], Opcode::Jmp), 0u);
  EXPECT_EQ(test::runProgram(p, "true").out, "true\n");
}

TEST(SimplifyCFGTest, PhisFollowThreadedEdges) {
  // .e only jumps to .join, which has a phi: .a's edge is threaded to .join
  // and the phi gets an entry for .a with the value it took from .e.
  const char *text = R"(
@main(c: bool, d: bool) {
  x: int = const 1;
  br c .a .b;
.a:
  br d .e .f;
.e:
  jmp .join;
.f:
  x: int = const 2;
  jmp .join;
.b:
  x: int = const 3;
.join:
  print x;
}
)";
  for (const char *args : {"true true", "true false", "false true"})
    expectSameBehaviour(text, {simplifyCFG}, args);
}

// simplifyCFG(f, facts, true) reads each block's ends alone (no walk for
// speculation or set/get, phis only at the tops of blocks). Threading .a's
// edge past .e leaves .e unreachable, and .join's phi must lose its entry
// from .e: the result is the same as the full walk's, and valid SSA.
TEST(SimplifyCFGTest, InSSAReadsBlockEndsAlone) {
  const char *text = R"(
@main(c: bool, d: bool) {
  x: int = const 1;
  br c .a .b;
.a:
  br d .e .f;
.e:
  jmp .join;
.f:
  x: int = const 2;
  jmp .join;
.b:
  x: int = const 3;
.join:
  print x;
}
)";
  Program full = parseOrDie(text), ends = parseOrDie(text);
  ASSERT_TRUE(toSSA(full.functions[0]));
  ASSERT_TRUE(toSSA(ends.functions[0]));
  ASSERT_EQ(countOp(ends.functions[0], Opcode::Phi), 1u);
  EXPECT_TRUE(simplifyCFG(full.functions[0]));
  AnalysisCache facts(ends.functions[0], CFG::Guards::Absent);
  EXPECT_TRUE(simplifyCFG(ends.functions[0], facts, true));
  EXPECT_EQ(test::verifySSAMessages(ends, true), "");
  EXPECT_EQ(toText(ends), toText(full));
  EXPECT_EQ(countOp(ends.functions[0], Opcode::Phi), 1u);
}

} // namespace
} // namespace brisk
