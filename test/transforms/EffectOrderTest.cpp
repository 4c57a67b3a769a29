// The ordering rule (keepsOrder, ir/Opcode.h): an effect and an instruction
// that may trap keep their order in every pass. Each program here prints, or
// calls a function that prints, next to a `div`, `int2char` or `load` in a
// hot loop with a rare branch (which speculation turns into a guard). It is
// optimized on a training input that never traps, under the usual flag
// variants (test/transforms/Differential.h: the defaults, --force-speculation
// with several unroll and growth settings, --no-speculation), and run on
// inputs that trap in the first iterations, mid-loop, at and around unrolled
// chunk boundaries, and never: the same output before the error, the same
// error, the same exit. Sinking a print below such an instruction (what
// SuperblockFormation did to save a commit) loses the line printed just before
// the error.
#include "test/transforms/Differential.h"

#include <gtest/gtest.h>

namespace brisk {
namespace {

using test::expectSameUnderEveryVariantAndSpeculation;

// Inputs "60 K": the loop runs 60 times and divides by K - i, which is zero
// in iteration K (never for K = 1000).
const std::vector<std::string> kDivisorInputs = {
    "60 1000", "60 0", "60 1", "60 2", "60 3", "60 5", "60 7", "60 8",
    "60 9", "60 16", "60 17", "60 30", "60 33", "60 59", "60 60"};

// print i; q = div n (k - i); a rare branch after.
const char kA[] = R"(
@main(n: int, k: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
  big: int = const 1000000;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  print i;
  d: int = sub k i;
  q: int = div n d;
  s: int = add s q;
  r: bool = gt s big;
  br r .rare .next;
.rare:
  s: int = const 0;
.next:
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(EffectOrderTest, PrintThenDivideByZeroMidLoop) {
  expectSameUnderEveryVariantAndSpeculation(kA, "60 1000", kDivisorInputs);
}

// print i; int2char (k - i), out of range once i > k.
const char kB[] = R"(
@main(n: int, k: int) {
  i: int = const 0;
  one: int = const 1;
  acc: int = const 0;
  lim: int = const 100000;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  print i;
  x: int = sub k i;
  ch: char = int2char x;
  v: int = char2int ch;
  acc: int = add acc v;
  r: bool = gt acc lim;
  br r .rare .next;
.rare:
  acc: int = const 0;
.next:
  i: int = add i one;
  jmp .loop;
.done:
  print acc;
}
)";

TEST(EffectOrderTest, PrintThenInt2CharOutOfRange) {
  expectSameUnderEveryVariantAndSpeculation(kB, "60 1000", kDivisorInputs);
}

// print i; load p[i] of an n-cell array, for i < m: out of bounds once i = n.
const char kC[] = R"(
@main(n: int, m: int) {
  p: ptr<int> = alloc n;
  i: int = const 0;
  one: int = const 1;
.init:
  c: bool = lt i n;
  br c .ibody .start;
.ibody:
  q: ptr<int> = ptradd p i;
  store q i;
  i: int = add i one;
  jmp .init;
.start:
  i: int = const 0;
  s: int = const 0;
  lim: int = const 1000000;
.loop:
  c: bool = lt i m;
  br c .body .done;
.body:
  print i;
  q: ptr<int> = ptradd p i;
  v: int = load q;
  s: int = add s v;
  r: bool = gt s lim;
  br r .rare .next;
.rare:
  s: int = const 0;
.next:
  i: int = add i one;
  jmp .loop;
.done:
  print s;
  free p;
}
)";

TEST(EffectOrderTest, PrintThenLoadOutOfBounds) {
  expectSameUnderEveryVariantAndSpeculation(kC, "60 60", {"60 60", "40 60", "41 60", "39 60", "1 60", "0 60", "32 60", "33 60", "17 60", "16 60", "8 60", "9 60"});
}

// q = div; print q; and a print on the rare branch's join: the trap must not move below the print either.
const char kD[] = R"(
@main(n: int, k: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
  big: int = const 1000000;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  d: int = sub k i;
  q: int = div n d;
  print q;
  s: int = add s q;
  r: bool = gt s big;
  br r .rare .next;
.rare:
  s: int = const 0;
.next:
  print i;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(EffectOrderTest, DivideThenPrintKeepsTheTrapFirst) {
  expectSameUnderEveryVariantAndSpeculation(kD, "60 1000", kDivisorInputs);
}

// the print is in a callee (inlined, then the call's body is on the trace).
const char kE[] = R"(
@show(x: int) {
  print x;
}
@main(n: int, k: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
  big: int = const 1000000;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  call @show i;
  d: int = sub k i;
  q: int = div n d;
  s: int = add s q;
  r: bool = gt s big;
  br r .rare .next;
.rare:
  s: int = const 0;
.next:
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(EffectOrderTest, InlinedPrintThenDivide) {
  expectSameUnderEveryVariantAndSpeculation(kE, "60 1000", kDivisorInputs);
}

// div, print, load: which error comes first depends on the input, and both keep their places around the print.
const char kF[] = R"(
@main(n: int, m: int, k: int) {
  p: ptr<int> = alloc n;
  i: int = const 0;
  one: int = const 1;
.init:
  c: bool = lt i n;
  br c .ibody .start;
.ibody:
  q: ptr<int> = ptradd p i;
  store q i;
  i: int = add i one;
  jmp .init;
.start:
  i: int = const 0;
  s: int = const 1;
  lim: int = const 1000000;
.loop:
  c: bool = lt i m;
  br c .body .done;
.body:
  d: int = sub k i;
  t: int = div s d;
  print t;
  q: ptr<int> = ptradd p i;
  v: int = load q;
  s: int = add s v;
  r: bool = gt s lim;
  br r .rare .next;
.rare:
  s: int = const 0;
.next:
  i: int = add i one;
  jmp .loop;
.done:
  print s;
  free p;
}
)";

TEST(EffectOrderTest, DivPrintLoadTwoKindsOfTrap) {
  expectSameUnderEveryVariantAndSpeculation(kF, "60 60 1000", {"60 60 1000", "40 60 1000", "41 60 1000", "60 60 3", "60 60 0", "60 60 17", "40 60 30", "30 60 40", "33 60 1000", "8 60 9", "9 60 8"});
}

// a print on the even side of an unbiased branch, a div after the join.
const char kG[] = R"(
@main(n: int, k: int) {
  i: int = const 0;
  one: int = const 1;
  two: int = const 2;
  s: int = const 0;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  h: int = div i two;
  h2: int = mul h two;
  even: bool = eq h2 i;
  br even .ev .od;
.ev:
  print i;
  jmp .join;
.od:
  s: int = add s one;
.join:
  d: int = sub k i;
  q: int = div n d;
  s: int = add s q;
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(EffectOrderTest, PrintOnOneSideThenDivideAfterTheJoin) {
  expectSameUnderEveryVariantAndSpeculation(kG, "60 1000", kDivisorInputs);
}

// print i; two rare branches; div; a third rare branch.
const char kH[] = R"(
@main(n: int, k: int) {
  i: int = const 0;
  one: int = const 1;
  s: int = const 0;
  big: int = const 1000000;
  neg: int = const -1000000;
.loop:
  c: bool = lt i n;
  br c .body .done;
.body:
  print i;
  r1: bool = gt s big;
  br r1 .rare1 .b2;
.rare1:
  s: int = const 0;
.b2:
  r2: bool = lt s neg;
  br r2 .rare2 .b3;
.rare2:
  s: int = const 0;
.b3:
  d: int = sub k i;
  q: int = div n d;
  s: int = add s q;
  r3: bool = eq q big;
  br r3 .rare3 .next;
.rare3:
  s: int = const 0;
.next:
  i: int = add i one;
  jmp .loop;
.done:
  print s;
}
)";

TEST(EffectOrderTest, PrintThenGuardsThenDivide) {
  expectSameUnderEveryVariantAndSpeculation(kH, "60 1000", kDivisorInputs);
}

} // namespace
} // namespace brisk
