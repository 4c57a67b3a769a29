// The verifier: one negative test per invariant listed in
// analysis/Verifier.h, a check that all violations are reported with their
// location, and positive tests on well-formed plain, SSA and speculative code.
#include "analysis/Verifier.h"
#include "frontend/TypeChecker.h"
#include "test/analysis/ParseHelper.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::blockNamed;
using test::parseOrDie;

std::vector<std::string> verify(const Program &p, VerifyOptions o = {}) {
  Diagnostics diags("t.bril");
  bool ok = verifyProgram(p, diags, o);
  std::vector<std::string> out;
  for (const Diagnostic &d : diags.all())
    out.push_back(diags.format(d));
  EXPECT_EQ(ok, out.empty());
  return out;
}

std::string joined(const std::vector<std::string> &v) {
  std::string s;
  for (const std::string &x : v)
    s += x + "\n";
  return s;
}

// Exactly one message, carrying `code` and `fragment`.
void expectOnly(const std::vector<std::string> &msgs, const std::string &code,
                const std::string &fragment = "") {
  ASSERT_EQ(msgs.size(), 1u) << joined(msgs);
  EXPECT_NE(msgs[0].find(code), std::string::npos) << msgs[0];
  EXPECT_NE(msgs[0].find(fragment), std::string::npos) << msgs[0];
}

VerifyOptions ssa() {
  VerifyOptions o;
  o.ssa = true;
  return o;
}

const char *kLoop = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  i: int = add i one;
  jmp .loop;
.done:
  print i;
}
)";

TEST(VerifierTest, WellFormedProgramsPass) {
  EXPECT_TRUE(verify(parseOrDie(kLoop)).empty());
  EXPECT_TRUE(verify(parseOrDie(R"(
@main(c: bool) {
.a:
  x: int = const 1;
  y: int = const 2;
  br c .b .d;
.b:
  jmp .d;
.d:
  z: int = phi x y .a .b;
  print z;
}
)"), ssa()).empty());
  VerifyOptions effects;
  effects.speculationEffects = true;
  EXPECT_TRUE(verify(parseOrDie(R"(
@main {
  t: bool = const true;
  x: int = const 1;
  speculate;
  x: int = add x x;
  guard t .fail;
  commit;
  print x;
  ret;
.fail:
  print x;
}
)"), effects).empty());
}

TEST(VerifierTest, S1_LayoutProblems) {
  Program p = parseOrDie(kLoop);
  Function &f = p.functions[0];
  f.layout.push_back(f.layout[1]);
  expectOnly(verify(p), "[S1]", "twice");
  f.layout.pop_back();
  f.block(blockNamed(f, "done")).dead = true;
  expectOnly(verify(p), "[S1]", "dead block");
  f.layout.clear();
  expectOnly(verify(p), "[S1]", "empty");
}

TEST(VerifierTest, S2_TerminatorNotLast) {
  Program p = parseOrDie(kLoop);
  Function &f = p.functions[0];
  Block &body = f.block(blockNamed(f, "body"));
  body.instrs.insert(body.instrs.begin(), body.instrs.back()); // a jmp first
  std::vector<std::string> msgs = verify(p);
  expectOnly(msgs, "[S2]", "block .body, instruction 4 (jmp)");
}

TEST(VerifierTest, S3_LabelOutsideLayout) {
  Program p = parseOrDie(kLoop);
  Function &f = p.functions[0];
  BlockId done = blockNamed(f, "done");
  f.layout.erase(std::find(f.layout.begin(), f.layout.end(), done));
  expectOnly(verify(p), "[S3]", "instruction 3 (br)");
}

TEST(VerifierTest, S4_DuplicateLabel) {
  Program p = parseOrDie(kLoop);
  Function &f = p.functions[0];
  f.block(blockNamed(f, "done")).label = "body";
  std::vector<std::string> msgs = verify(p);
  ASSERT_FALSE(msgs.empty());
  EXPECT_NE(msgs[0].find("[S4]"), std::string::npos) << joined(msgs);
}

TEST(VerifierTest, S5_ShapeProblems) {
  Program p = parseOrDie(kLoop);
  Function &f = p.functions[0];
  Instr &add = f.block(blockNamed(f, "body")).instrs[0];
  add.args.pop_back();
  expectOnly(verify(p), "[S5]", "1 arguments, expected 2");
  add.args.push_back(add.args[0]);
  add.type = Type::none();
  expectOnly(verify(p), "[S5]", "no type");
  add.type = Type::intTy();
  add.callee = "main";
  expectOnly(verify(p), "[S5]", "only call");
}

TEST(VerifierTest, T1_VariableWithTwoTypes) {
  expectOnly(verify(parseOrDie(R"(
@main {
  x: int = const 1;
  x: bool = const true;
}
)")), "[T1]", "x is defined as bool");
}

TEST(VerifierTest, T2_OpcodeTypingRules) {
  std::vector<std::string> msgs = verify(parseOrDie(R"(
@f(p: ptr<int>): int {
  b: bool = const true;
  i: int = add b b;
  f: float = load p;
  ret b;
}
@main {
  z: int = const 0;
  r: bool = call @f z;
  print r;
}
)"));
  std::string all = joined(msgs);
  // The same sentences as the type checker's (ir/Typing.h), after [T2].
  EXPECT_NE(all.find("instruction 1 (add): [T2] argument 0 (b) is bool, expected int"),
            std::string::npos) << all;
  EXPECT_NE(all.find("instruction 1 (add): [T2] argument 1"), std::string::npos) << all;
  EXPECT_NE(all.find("(load): [T2] destination f is declared float, but load produces int"),
            std::string::npos) << all;
  EXPECT_NE(all.find("(ret): [T2] argument 0 (b) is bool, expected int"), std::string::npos) << all;
  EXPECT_NE(all.find("(call): [T2] argument 0 (z) is int, expected ptr<int>"), std::string::npos) << all;
  EXPECT_NE(all.find("(call): [T2] destination r is declared bool, but call produces int"),
            std::string::npos) << all;
  EXPECT_EQ(msgs.size(), 6u) << all;
}

// T2 and the type checker apply the one table of rules (ir/Typing.h): on the
// same program they report the same sentences, the verifier's after "[T2] ".
TEST(VerifierTest, T2_SameRulesAsTheTypeChecker) {
  Program p = parseOrDie(R"(
@g(x: int): int {
  ret x;
}
@main {
  i: int = const 1;
  b: bool = const true;
  c: char = const 'a';
  p: ptr<int> = alloc i;
  s: int = add i b;
  n: bool = not i;
  k: int = char2int i;
  f: float = load p;
  store p b;
  q: ptr<int> = ptradd p b;
  y: bool = call @g b;
  call @g i;
  u: int = id c;
  br i .a .a;
.a:
  free p;
}
)");
  Diagnostics checked("t.bril");
  typeCheck(p, checked);
  std::vector<std::string> fromChecker;
  for (const Diagnostic &d : checked.all())
    fromChecker.push_back(d.message);
  std::vector<std::string> fromVerifier;
  Diagnostics verified("t.bril");
  verifyProgram(p, verified, {});
  for (const Diagnostic &d : verified.all())
    if (d.message.rfind("[T2] ", 0) == 0)
      fromVerifier.push_back(d.message.substr(5));
  EXPECT_EQ(fromChecker.size(), 11u) << joined(fromChecker);
  EXPECT_EQ(fromVerifier, fromChecker) << joined(fromVerifier) << "---\n" << joined(fromChecker);
}

TEST(VerifierTest, U1_UndefinedVariable) {
  expectOnly(verify(parseOrDie("@main {\n  print q;\n}\n")), "[U1]", "reads q");
}

TEST(VerifierTest, P1_PhiAfterOtherInstruction) {
  Program p = parseOrDie(R"(
@main(c: bool) {
.a:
  x: int = const 1;
  br c .b .d;
.b:
  jmp .d;
.d:
  print x;
  z: int = phi x x .a .b;
}
)");
  expectOnly(verify(p), "[P1]", "block .d, instruction 4 (phi)");
}

TEST(VerifierTest, P2_PhiEntriesMustMatchPredecessors) {
  Program p = parseOrDie(R"(
@main(c: bool) {
.a:
  x: int = const 1;
  br c .b .d;
.b:
  jmp .d;
.d:
  z: int = phi x x .a .a;
  print z;
}
)");
  std::vector<std::string> msgs = verify(p);
  ASSERT_EQ(msgs.size(), 2u) << joined(msgs);
  EXPECT_NE(msgs[0].find("[P2] has 2 entries for predecessor .a"), std::string::npos);
  EXPECT_NE(msgs[1].find("[P2] has 0 entries for predecessor .b"), std::string::npos);
}

TEST(VerifierTest, G1_SpeculationDepthDiffersAtAJoin) {
  // Whichever path is seen first decides how .m's commit is judged too, so
  // only the G1 report itself is pinned down here.
  std::string all = joined(verify(parseOrDie(R"(
@main(c: bool) {
  br c .s .n;
.s:
  speculate;
  jmp .m;
.n:
  jmp .m;
.m:
  commit;
}
)")));
  EXPECT_NE(all.find("[G1] speculation is not well nested: .m is reached at depth"),
            std::string::npos) << all;
}

TEST(VerifierTest, G2_CommitAndGuardOutsideSpeculation) {
  std::vector<std::string> msgs = verify(parseOrDie(R"(
@main {
  t: bool = const true;
  guard t .x;
.x:
  commit;
}
)"));
  ASSERT_EQ(msgs.size(), 2u) << joined(msgs);
  EXPECT_NE(msgs[0].find("[G2] guard outside speculation"), std::string::npos);
  EXPECT_NE(msgs[1].find("[G2] commit outside speculation"), std::string::npos);
}

TEST(VerifierTest, G3_CallOrRetInsideSpeculation) {
  std::vector<std::string> msgs = verify(parseOrDie(R"(
@g {
}
@main {
  speculate;
  call @g;
  ret;
}
)"));
  ASSERT_EQ(msgs.size(), 2u) << joined(msgs);
  EXPECT_NE(msgs[0].find("(call): [G3] call inside speculation"), std::string::npos);
  EXPECT_NE(msgs[1].find("(ret): [G3] ret inside speculation"), std::string::npos);
}

TEST(VerifierTest, G4_FallingOffTheEndWhileSpeculating) {
  expectOnly(verify(parseOrDie("@main {\n  speculate;\n}\n")), "[G4]");
}

TEST(VerifierTest, D1_TwoDefinitionsInSSA) {
  Program p = parseOrDie(kLoop);
  EXPECT_TRUE(verify(p).empty());
  std::string all = joined(verify(p, ssa()));
  EXPECT_NE(all.find("[D1] second definition of i"), std::string::npos) << all;
}

TEST(VerifierTest, D2_DefinitionMustDominateUse) {
  std::vector<std::string> msgs = verify(parseOrDie(R"(
@main(c: bool) {
  br c .b .d;
.b:
  x: int = const 1;
.d:
  print x;
}
)"), ssa());
  expectOnly(msgs, "[D2]", "definition of x does not dominate this use");
  // A phi argument is used at the end of its predecessor.
  msgs = verify(parseOrDie(R"(
@main(c: bool) {
.a:
  br c .b .d;
.b:
  y: int = const 2;
  jmp .d;
.d:
  z: int = phi y y .a .b;
  print z;
}
)"), ssa());
  expectOnly(msgs, "[D2]", "does not dominate the end of .a");
}

TEST(VerifierTest, D4_NoReadOfAPhiThatMayCarryAnUndef) {
  // z may be the undef u: brili would fail reading it, and SSA must never
  // hold such a read (toSSA leaves those functions plain).
  std::vector<std::string> msgs = verify(parseOrDie(R"(
@main(c: bool) {
.a:
  u: int = undef;
  one: int = const 1;
  br c .b .d;
.b:
  y: int = const 2;
  jmp .d;
.d:
  z: int = phi u y .a .b;
  k: int = phi one y .a .b;
  print k;
  print z;
}
)"), ssa());
  expectOnly(msgs, "[D4]", "reads z, which may be unassigned here");
}

TEST(VerifierTest, D3_OneGetPerShadow) {
  std::vector<std::string> msgs = verify(parseOrDie(R"(
@main {
  one: int = const 1;
  set x one;
  x: int = get;
  set x one;
  x: int = get;
  print x;
}
)"), ssa());
  expectOnly(msgs, "[D3]", "second get of x");
}

TEST(VerifierTest, E1_SideEffectBeforeALaterGuard) {
  const char *text = R"(
@main {
  t: bool = const true;
  x: int = const 1;
  speculate;
  print x;
  guard t .fail;
  commit;
  ret;
.fail:
  print x;
}
)";
  EXPECT_TRUE(verify(parseOrDie(text)).empty()); // only in the separate mode
  VerifyOptions effects;
  effects.speculationEffects = true;
  expectOnly(verify(parseOrDie(text), effects), "[E1]", "instruction 3 (print)");
}

TEST(VerifierTest, ReportsEveryViolationAcrossFunctions) {
  std::vector<std::string> msgs = verify(parseOrDie(R"(
@f {
  print nope;
  commit;
}
@main {
  b: bool = const true;
  i: int = add b b;
}
)"));
  std::string all = joined(msgs);
  EXPECT_EQ(msgs.size(), 4u) << all;
  EXPECT_NE(all.find("error: t.bril:3:3: in @f, block"), std::string::npos) << all;
  EXPECT_NE(all.find("in @main, block"), std::string::npos) << all;
}

} // namespace
} // namespace brisk
