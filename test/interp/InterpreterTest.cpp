// The interpreter's semantics on small programs whose brili behaviour is
// known: counting, speculation, errors, deep recursion, ill-typed programs.
#include "InterpTestSupport.h"

namespace brisk::test {
namespace {

TEST(Interpreter, CountsEveryInstructionButLabels) {
  Outcome o = runText(R"(
@main {
  x: int = const 1;
  jmp .a;
.a:
  nop;
  print x;
}
)");
  ASSERT_TRUE(o.result.ok) << o.result.error;
  EXPECT_EQ(o.out, "1\n");
  EXPECT_EQ(o.result.dynamicInstructions, 4u);
}

// The instruction limit stops a loop that never ends, keeps the output so
// far, and leaves a program that ends within it alone.
TEST(Interpreter, StopsAtTheInstructionLimit) {
  Program p = parse(R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
  zero: int = const 0;
  print n;
.loop:
  i: int = add i one;
  c: bool = lt n zero;
  br c .loop .done;
.done:
  print i;
}
)");
  for (bool profile : {false, true}) {
    std::FILE *f = std::tmpfile();
    interp::RunOptions options;
    options.args = {"-1"};
    options.profile = profile;
    options.out = f;
    options.maxDynamicInstructions = 1000;
    interp::RunResult r = interp::runProgram(p, options);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.limitReached);
    EXPECT_GE(r.dynamicInstructions, 1000u);
    EXPECT_LE(r.dynamicInstructions, 1010u);
    std::rewind(f);
    char buf[16] = {};
    EXPECT_EQ(std::string(buf, std::fread(buf, 1, sizeof buf, f)), "-1\n");
    std::fclose(f);
    options.args = {"5"};
    options.out = std::tmpfile();
    r = interp::runProgram(p, options);
    std::fclose(options.out);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_FALSE(r.limitReached);
    EXPECT_EQ(r.dynamicInstructions, 8u);
  }
}

TEST(Interpreter, WrapsIntegerArithmeticAndDivision) {
  Outcome o = runText(R"(
@main {
  big: int = const 9223372036854775807;
  one: int = const 1;
  min: int = add big one;
  neg: int = const -1;
  q: int = div min neg;
  seven: int = const -7;
  two: int = const 2;
  r: int = div seven two;
  print min q r;
}
)");
  ASSERT_TRUE(o.result.ok) << o.result.error;
  // brili reads int literals through a double, as JSON.parse does: 2^63-1
  // becomes 2^63, and adding one wraps to -2^63+1 (checked against brili).
  EXPECT_EQ(o.out, "-9223372036854775807 9223372036854775807 -3\n");
}

TEST(Interpreter, PrintsFloatsLikeBrili) {
  Outcome o = runText(R"(
@main {
  a: float = const 0.1;
  b: float = const -0.0;
  c: float = const 1e21;
  d: float = const 0.000003814697265625;
  e: float = const 12345678901.5;
  z: float = const 0;
  n: float = fdiv z z;
  one: float = const 1;
  inf: float = fdiv one z;
  print a b c d e n inf;
}
)");
  ASSERT_TRUE(o.result.ok) << o.result.error;
  // d is 2^-18: its 18th decimal is an exact tie, which JavaScript rounds up.
  EXPECT_EQ(o.out, "0.10000000000000001 -0.00000000000000000 1.00000000000000000e+21 "
                   "0.00000381469726563 1.23456789015000000e+10 NaN Infinity\n");
}

TEST(Interpreter, ComparesCharsByUtf16CodeUnits) {
  Outcome o = runText(R"(
@main {
  cat: char = const '🐱';
  hi: char = const '！';
  lt: bool = clt cat hi;
  n: int = char2int cat;
  print lt n cat;
}
)");
  ASSERT_TRUE(o.result.ok) << o.result.error;
  // U+1F431 is a surrogate pair (D83D DC31), below U+FF01 in UTF-16 order.
  EXPECT_EQ(o.out, "true 128049 🐱\n");
}

TEST(Interpreter, ParsesMainArgumentsLikeBrili) {
  const char *prog = R"(
@main(i: int, f: float, b: bool, c: char) {
  print i f b c;
}
)";
  Outcome o = runText(prog, {"0x10", "1e3", "true", "x"});
  ASSERT_TRUE(o.result.ok) << o.result.error;
  EXPECT_EQ(o.out, "16 1000.00000000000000000 true x\n");
  EXPECT_EQ(runText(prog, {"1", "2"}).result.error,
            "mismatched main argument arity: expected 4; got 2");
  EXPECT_EQ(runText(prog, {"1", "2", "yes", "x"}).result.error,
            "boolean argument to main must be 'true'/'false'; got yes");
  EXPECT_EQ(runText(prog, {"1", "0x1", "true", "x"}).result.error,
            "float argument to main must not be 'NaN'; got 0x1");
  EXPECT_EQ(runText(prog, {"1", "2", "true", "xy"}).result.error,
            "char argument to main must have one character; got xy");
}

TEST(Interpreter, SpeculationRestoresVariablesNotTheHeapAndCountsAbortedWork) {
  Outcome o = runText(R"(
@main {
  one: int = const 1;
  x: int = const 1;
  p: ptr<int> = alloc one;
  store p one;
  f: bool = const false;
  speculate;
  x: int = const 2;
  two: int = const 2;
  store p two;
  guard f .undo;
  commit;
.undo:
  v: int = load p;
  print x v;
  free p;
}
)");
  ASSERT_TRUE(o.result.ok) << o.result.error;
  EXPECT_EQ(o.out, "1 2\n");
  // 5 before speculate, speculate, 3 speculative instructions, the failed
  // guard, then load, print, free (the count brili reports).
  EXPECT_EQ(o.result.dynamicInstructions, 13u);
}

TEST(Interpreter, CommitEndsEveryLevelOfSpeculation) {
  Outcome o = runText(R"(
@main {
  t: bool = const true;
  speculate;
  speculate;
  commit;
  commit;
}
)");
  EXPECT_FALSE(o.result.ok);
  EXPECT_EQ(o.result.error, "commit in non-speculative state");
}

TEST(Interpreter, RefusesCallsAndImplicitReturnsWhileSpeculating) {
  EXPECT_EQ(runText("@f {}\n@main {\n speculate;\n call @f;\n}\n").result.error,
            "call not allowed during speculation");
  EXPECT_EQ(runText("@main {\n speculate;\n}\n").result.error,
            "implicit return in speculative state");
}


// speculative_dyn_inst counts a region from its outermost speculate to the
// commit or failing guard that ends it, both included; work outside regions
// (the loop's jmp, the setup, the print) is not speculative.
TEST(Interpreter, CountsSpeculativeWorkPerRegion) {
  const char *loop = R"(
@main(n: int) {
  i: int = const 0;
  one: int = const 1;
.loop:
  speculate;
  i: int = add i one;
  c: bool = lt i n;
  guard c .exit;
  commit;
  jmp .loop;
.exit:
  print i;
}
)";
  Outcome o = runText(loop, {"4"});
  ASSERT_TRUE(o.result.ok) << o.result.error;
  EXPECT_EQ(o.out, "3\n");
  const interp::SpeculationStats &s = o.result.speculation;
  // 3 committed regions of 5 and a failed one of 4 (speculate add lt guard).
  EXPECT_EQ(s.speculativeInstructions, 3u * 5 + 4);
  EXPECT_EQ(o.result.dynamicInstructions, 2u + 3 * 6 + 4 + 1);
  EXPECT_EQ(s.speculations, 4u);
  EXPECT_EQ(s.commits, 3u);
  EXPECT_EQ(s.guards, 4u);
  EXPECT_EQ(s.guardFailures, 1u);

  // Profiling does not change the figures.
  Outcome profiled = runText(loop, {"4"}, /*profile=*/true);
  EXPECT_EQ(profiled.result.speculation.speculativeInstructions, s.speculativeInstructions);
  EXPECT_EQ(profiled.result.speculation.guardFailures, 1u);
}

TEST(Interpreter, CountsNestedSpeculationAsOneRegionAndStopsAtAnError) {
  // The inner guard fails back into the outer level: still one region, which
  // the commit ends (speculate const speculate guard guard commit).
  Outcome nested = runText(R"(
@main {
  t: bool = const true;
  speculate;
  f: bool = const false;
  speculate;
  guard f .inner;
.inner:
  guard t .out;
  commit;
  print t;
.out:
  nop;
}
)");
  ASSERT_TRUE(nested.result.ok) << nested.result.error;
  EXPECT_EQ(nested.result.speculation.speculativeInstructions, 6u);
  EXPECT_EQ(nested.result.speculation.speculations, 2u);
  EXPECT_EQ(nested.result.speculation.guardFailures, 1u);

  // An error inside a region: speculate, const, div (the failing one).
  Outcome failed = runText(R"(
@main {
  zero: int = const 0;
  speculate;
  one: int = const 1;
  q: int = div one zero;
  commit;
}
)");
  EXPECT_EQ(failed.result.error, "division by zero");
  EXPECT_EQ(failed.result.speculation.speculativeInstructions, 3u);
  EXPECT_EQ(failed.result.speculation.commits, 0u);

  // No speculation, no speculative work.
  Outcome plain = runText("@main {\n x: int = const 1;\n print x;\n}\n");
  EXPECT_EQ(plain.result.speculation.speculativeInstructions, 0u);
  EXPECT_EQ(plain.result.speculation.speculations, 0u);
}
TEST(Interpreter, ReportsIllTypedOperandsWhenExecuted) {
  Outcome o = runText(R"(
@main {
  b: bool = const true;
  print b;
  x: int = id b;
  y: int = add x x;
}
)");
  EXPECT_FALSE(o.result.ok);
  EXPECT_EQ(o.out, "true\n");
  EXPECT_EQ(o.result.error, "add argument 0 must be a int");
  EXPECT_EQ(runText("@main {\n  print x;\n}\n").result.error, "undefined variable x");
}

// Without the TypeFacts analyses every operand is checked at run time
// (Lower.h): the same errors at the same point, the same output and count.
TEST(Interpreter, ChecksEveryOperandWithoutTypeFactsAndBehavesTheSame) {
  const char *programs[] = {
      // well typed: nothing fires
      "@f(a: int): int {\n  r: int = add a a;\n  ret r;\n}\n"
      "@main {\n  one: int = const 1;\n  p: ptr<int> = alloc one;\n  store p one;\n"
      "  v: int = load p;\n  x: int = call @f v;\n  print x;\n  free p;\n}\n",
      // an operand of the wrong type
      "@main {\n  b: bool = const true;\n  print b;\n  x: int = id b;\n  y: int = add x x;\n}\n",
      // an undefined operand on one path
      "@main(c: bool) {\n  br c .a .b;\n.a:\n  x: int = const 1;\n.b:\n  print x;\n}\n",
      // a call argument of the wrong type
      "@f(a: int) {\n  print a;\n}\n@main {\n  b: bool = const true;\n  c: int = id b;\n"
      "  call @f c;\n}\n",
      // a store of the wrong type
      "@main {\n  one: int = const 1;\n  p: ptr<int> = alloc one;\n  b: bool = const true;\n"
      "  c: int = id b;\n  store p c;\n  free p;\n}\n",
      // a function that falls off its end where a value is wanted
      "@f: int {\n  print;\n}\n@main {\n  x: int = call @f;\n  print x;\n}\n",
      // set/get: main's shadow slot must survive the call (without its
      // shadow slots in main's frame, f's frame would overwrite it)
      "@f(a: int): int {\n  set r a;\n  r: int = get;\n  b: int = add r r;\n  ret b;\n}\n"
      "@main {\n  one: int = const 1;\n  two: int = const 2;\n  set s one;\n"
      "  x: int = call @f two;\n  s: int = get;\n  print s x;\n}\n",
      // a get without its set
      "@main {\n  x: int = get;\n  print x;\n}\n",
  };
  for (const char *text : programs) {
    Program p = parse(text);
    for (std::vector<std::string> args : {std::vector<std::string>{"true"}, {"false"}}) {
      interp::RunOptions options;
      options.out = std::tmpfile();
      options.args = p.findFunction("main")->params.empty() ? std::vector<std::string>{} : args;
      interp::RunResult with = interp::runProgram(p, options);
      std::rewind(options.out);
      std::string outWith = readFile("/dev/fd/" + std::to_string(fileno(options.out)));
      std::fclose(options.out);
      options.out = std::tmpfile();
      options.typeFacts = false;
      interp::RunResult without = interp::runProgram(p, options);
      std::rewind(options.out);
      std::string outWithout = readFile("/dev/fd/" + std::to_string(fileno(options.out)));
      std::fclose(options.out);
      EXPECT_EQ(without.ok, with.ok) << text;
      EXPECT_EQ(without.error, with.error) << text;
      EXPECT_EQ(without.dynamicInstructions, with.dynamicInstructions) << text;
      EXPECT_EQ(outWithout, outWith) << text;
    }
  }
  // The well-typed one ran; the others failed as brili does.
  EXPECT_TRUE(runText(programs[0]).result.ok);
  EXPECT_EQ(runText(programs[1]).result.error, "add argument 0 must be a int");
  EXPECT_EQ(runText(programs[2], {"false"}).result.error, "undefined variable x");
  EXPECT_EQ(runText(programs[6]).out, "1 4\n");
  EXPECT_EQ(runText(programs[7]).result.error, "get without corresponding set for x");
}

// Without the facts the checks of one opcode and operand share their
// record (Lower.cpp, checkFor): a failing check still names its own
// opcode and operand, after many passing checks of other kinds and of the
// same opcode's other operand.
TEST(Interpreter, UncheckedLoweringNamesTheFailingOperand) {
  auto errorWithoutFacts = [](const char *text) {
    interp::RunOptions options;
    options.out = std::tmpfile();
    options.typeFacts = false;
    interp::RunResult r = interp::runProgram(parse(text), options);
    std::fclose(options.out);
    return r.error;
  };
  const char *prefix = "@main {\n  a: int = const 1;\n  t: bool = const true;\n"
                       "  x: int = add a a;\n  y: int = sub x a;\n  u: bool = not t;\n"
                       "  v: bool = and t u;\n  w: bool = lt x y;\n  b: int = id t;\n";
  EXPECT_EQ(errorWithoutFacts((std::string(prefix) + "  z: int = add a b;\n}\n").c_str()),
            "add argument 1 must be a int");
  EXPECT_EQ(errorWithoutFacts((std::string(prefix) + "  z: int = sub b a;\n}\n").c_str()),
            "sub argument 0 must be a int");
  EXPECT_EQ(errorWithoutFacts((std::string(prefix) + "  z: bool = and u x;\n}\n").c_str()),
            "and argument 1 must be a bool");
  EXPECT_EQ(errorWithoutFacts((std::string(prefix) + "  z: bool = not x;\n}\n").c_str()),
            "not argument 0 must be a bool");
}

TEST(Interpreter, ReportsLeaksAndBadFrees) {
  EXPECT_EQ(runText("@main {\n one: int = const 1;\n p: ptr<int> = alloc one;\n}\n").result.error,
            "Some memory locations have not been freed by end of execution.");
  EXPECT_EQ(runText(R"(
@main {
  one: int = const 1;
  p: ptr<int> = alloc one;
  q: ptr<int> = ptradd p one;
  free q;
}
)").result.error,
            "Tried to free illegal memory location base: 0, offset: 1. Offset must be 0.");
}

TEST(Interpreter, SurvivesAMillionNestedCalls) {
  Outcome o = runText(R"(
@down(n: int): int {
  zero: int = const 0;
  done: bool = eq n zero;
  br done .base .rec;
.base:
  ret zero;
.rec:
  one: int = const 1;
  m: int = sub n one;
  r: int = call @down m;
  s: int = add r one;
  ret s;
}
@main {
  n: int = const 1000000;
  r: int = call @down n;
  print r;
}
)");
  ASSERT_TRUE(o.result.ok) << o.result.error;
  EXPECT_EQ(o.out, "1000000\n");
}

TEST(Interpreter, RunsBitcastsAsBrilirsDoes) {
  Outcome o = runText(R"(
@main {
  f: float = const 0.5;
  i: int = float2bits f;
  g: float = bits2float i;
  print i g;
}
)");
  ASSERT_TRUE(o.result.ok) << o.result.error;
  EXPECT_EQ(o.out, "4602678819172646912 0.50000000000000000\n");
}

} // namespace
} // namespace brisk::test
