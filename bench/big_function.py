#!/usr/bin/env python3
"""One big function for bench/scaling.sh: @main(n: int) made of copies of a
Collatz loop (17 instructions, its labels renamed per copy) each followed by
a straight-line stretch of arithmetic, until about SIZE instructions.

Copy k runs the Collatz sequence from n + k % 8 to 1, then folds its step
count into a running checksum with 8 straight-line instructions; main prints
the checksum at the end. Every copy terminates for n >= 1.

usage: bench/big_function.py SIZE > big.bril
"""
import sys


def copy(k):
    return f"""  x: int = add n k{k % 8};
  steps: int = const 0;
.c{k}.cond:
  eq_one: bool = eq x one;
  br eq_one .c{k}.end .c{k}.loop;
.c{k}.loop:
  steps: int = add steps one;
  half: int = div x two;
  doublehalf: int = mul half two;
  even: bool = eq x doublehalf;
  br even .c{k}.even .c{k}.odd;
.c{k}.even:
  x: int = div x two;
  jmp .c{k}.cond;
.c{k}.odd:
  x: int = mul x three;
  x: int = add x one;
  jmp .c{k}.cond;
.c{k}.end:
  a: int = mul steps three;
  b: int = add a k{k % 8};
  c: int = sub b one;
  d: int = mul c two;
  e: int = add d sum;
  f: int = div e two;
  g: int = add f steps;
  sum: int = sub g a;
"""


def main():
    size = int(sys.argv[1])
    per_copy = 25
    out = ["@main(n: int) {", "  one: int = const 1;", "  two: int = const 2;",
           "  three: int = const 3;", "  sum: int = const 0;"]
    out += [f"  k{i}: int = const {i};" for i in range(8)]
    for k in range(max(1, (size - 14) // per_copy)):
        out.append(copy(k).rstrip("\n"))
    out += ["  print sum;", "}"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
