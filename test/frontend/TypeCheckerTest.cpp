// The type checker: one test per rule it enforces, on programs built by the
// text parser.
#include "FrontendTestSupport.h"

#include "frontend/TypeChecker.h"

namespace brisk::test {
namespace {

// The type errors of a program that parses.
std::string typeErrors(std::string_view text) {
  Program p = parseTextOk(text);
  Diagnostics diags("t.bril");
  EXPECT_FALSE(typeCheck(p, diags));
  return messages(diags);
}

bool wellTyped(std::string_view text) {
  Program p = parseTextOk(text);
  Diagnostics diags("t.bril");
  bool ok = typeCheck(p, diags);
  EXPECT_EQ(ok, !diags.hasErrors());
  if (!ok)
    ADD_FAILURE() << messages(diags);
  return ok;
}

TEST(TypeChecker, AcceptsAWellTypedProgramUsingEveryExtension) {
  EXPECT_TRUE(wellTyped(R"(
@main(n: int) {
  one: int = const 1;
  f: float = const 1.5;
  g: float = fmul f f;
  gt: bool = fgt g f;
  c: char = const 'a';
  ci: int = char2int c;
  c2: char = int2char ci;
  same: bool = ceq c c2;
  p: ptr<int> = alloc n;
  q: ptr<int> = ptradd p one;
  store p one;
  v: int = load p;
  free p;
  r: int = call @sq v;
  call @show r;
  set x r;
  x: int = get;
  u: int = undef;
  speculate;
  guard same .out;
  commit;
.out:
  print x gt same u;
  ret;
}
@sq(a: int): int { b: int = mul a a; ret b; }
@show(a: int) { print a; }
)"));
}

TEST(TypeChecker, ArithmeticOperandAndResultTypes) {
  std::string errs = typeErrors(
      "@main {\n  b: bool = const true;\n  x: int = add b b;\n  y: bool = add x x;\n}\n");
  EXPECT_NE(errs.find("t.bril:3:3: in @main, instruction 1 (add): argument 0 (b) is bool, "
                      "expected int"),
            std::string::npos)
      << errs;
  EXPECT_NE(errs.find("argument 1 (b) is bool, expected int"), std::string::npos) << errs;
  EXPECT_NE(errs.find("instruction 2 (add): destination y is declared bool, but add produces int"),
            std::string::npos)
      << errs;
}

TEST(TypeChecker, ArgumentAndLabelCounts) {
  std::string errs =
      typeErrors("@main {\n  a: int = const 1;\n  x: int = add a;\n  jmp;\n.l:\n  br a .l;\n}\n");
  EXPECT_NE(errs.find("add takes 2 argument(s), got 1"), std::string::npos) << errs;
  EXPECT_NE(errs.find("jmp takes 1 label(s), got 0"), std::string::npos) << errs;
  EXPECT_NE(errs.find("br takes 2 label(s), got 1"), std::string::npos) << errs;
}

TEST(TypeChecker, UndefinedVariables) {
  EXPECT_NE(typeErrors("@main { print ghost; }").find("undefined variable ghost"),
            std::string::npos);
}

TEST(TypeChecker, OneTypePerVariable) {
  std::string errs = typeErrors("@main(a: int) { a: bool = const true; x: int = const 1; "
                                "x: float = const 2.0; }");
  EXPECT_NE(errs.find("variable a is declared bool here but int elsewhere"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("variable x is declared float here but int elsewhere"), std::string::npos)
      << errs;
}

TEST(TypeChecker, CallsAgainstTheCalleeSignature) {
  std::string errs = typeErrors(R"(
@main {
  a: int = const 1;
  b: bool = const true;
  x: int = call @f b;
  y: bool = call @f a;
  call @f a a;
  call @f a;
  z: int = call @v;
  call @nowhere;
}
@f(p: int): int { ret p; }
@v { }
)");
  EXPECT_NE(errs.find("instruction 2 (call): argument 0 (b) is bool, expected int"),
            std::string::npos)
      << errs;
  EXPECT_NE(errs.find("destination y is declared bool, but call produces int"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("@f takes 1 argument(s), got 2"), std::string::npos) << errs;
  EXPECT_NE(errs.find("the int result of @f must be assigned to a variable"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("@v returns nothing, but its result is assigned to z"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("undefined function @nowhere"), std::string::npos) << errs;
}

TEST(TypeChecker, ReturnsAgainstTheFunctionType) {
  std::string errs = typeErrors(R"(
@f: int { ret; }
@g { a: int = const 1; ret a; }
@h: int { b: bool = const true; ret b; }
@main { }
)");
  EXPECT_NE(errs.find("@f returns int, so ret needs one value"), std::string::npos) << errs;
  EXPECT_NE(errs.find("@g returns nothing, but ret has a value"), std::string::npos) << errs;
  EXPECT_NE(errs.find("in @h, instruction 1 (ret): argument 0 (b) is bool, expected int"),
            std::string::npos)
      << errs;
}

TEST(TypeChecker, MemoryOperations) {
  std::string errs = typeErrors(R"(
@main {
  n: int = const 1;
  b: bool = const true;
  p: ptr<int> = alloc n;
  bad: int = alloc n;
  store p b;
  l: bool = load p;
  q: ptr<bool> = ptradd p n;
  free n;
  free p;
}
)");
  EXPECT_NE(errs.find("alloc produces a pointer, but bad is declared int"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("(store): argument 1 (b) is bool, expected int"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("destination l is declared bool, but load produces int"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("destination q is declared ptr<bool>, but ptradd produces ptr<int>"),
            std::string::npos)
      << errs;
  EXPECT_NE(errs.find("(free): argument 0 (n) is int, expected a pointer"), std::string::npos)
      << errs;
}

TEST(TypeChecker, SetMustWriteAVariableSomeGetReads) {
  std::string errs = typeErrors(R"(
@main {
  a: int = const 1;
  b: bool = const true;
  set x b;
  set nobody a;
  x: int = get;
}
)");
  EXPECT_NE(errs.find("(set): argument 1 (b) is bool, expected int"), std::string::npos) << errs;
  EXPECT_NE(errs.find("set writes nobody, which no get in @main reads"), std::string::npos)
      << errs;
  EXPECT_EQ(errs.find("undefined variable nobody"), std::string::npos) << errs;
}

TEST(TypeChecker, PhiArgumentsMatchTheDestination) {
  std::string errs = typeErrors(R"(
@main {
.a:
  i: int = const 1;
  b: bool = const true;
.b:
  x: int = phi i b .a .b;
  y: int = phi i .a .b;
}
)");
  EXPECT_NE(errs.find("(phi): argument 1 (b) is bool, expected int"), std::string::npos) << errs;
  EXPECT_NE(errs.find("phi has 1 argument(s) but 2 label(s)"), std::string::npos) << errs;
}

TEST(TypeChecker, ConditionsAreBool) {
  std::string errs = typeErrors("@main { a: int = const 1; .l: br a .l .l; guard a .l; }");
  EXPECT_NE(errs.find("(br): argument 0 (a) is int, expected bool"), std::string::npos) << errs;
  EXPECT_NE(errs.find("(guard): argument 0 (a) is int, expected bool"), std::string::npos)
      << errs;
}

TEST(TypeChecker, FunctionLevelRules) {
  std::string errs = typeErrors("@main: int { z: int = const 0; ret z; }\n@main { }\n"
                                "@f(a: int, a: int) { }\n");
  EXPECT_NE(errs.find("@main must not have a return type (it has int)"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("t.bril:2:1: in @main: duplicate function @main"), std::string::npos)
      << errs;
  EXPECT_NE(errs.find("duplicate parameter a"), std::string::npos) << errs;
}

TEST(TypeChecker, AnyIsCompatibleWithEverything) {
  // The reference interpreter's dynamic programs (conformance interp/dynamic).
  EXPECT_TRUE(wellTyped(R"(
@main {
  v: int = const 2;
  one: int = const 1;
  a: any = const 4;
  bp: ptr<any> = alloc v;
  bp2: ptr<any> = ptradd bp one;
  b: bool = const true;
  store bp b;
  store bp2 v;
  i: int = load bp2;
  x: int = add a i;
  call @takes bp;
  free bp;
}
@takes(p: ptr<int>) { }
)"));
}

TEST(TypeChecker, ExtensionBitCasts) {
  EXPECT_TRUE(wellTyped("@main { f: float = const 1.0; i: int = float2bits f; "
                        "g: float = bits2float i; }"));
  EXPECT_NE(typeErrors("@main { i: int = const 1; j: int = float2bits i; }")
                .find("argument 0 (i) is int, expected float"),
            std::string::npos);
}

} // namespace
} // namespace brisk::test
